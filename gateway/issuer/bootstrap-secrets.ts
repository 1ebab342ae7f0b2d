import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { generateKeyFile, readKeyFiles, writeKeyFile, type SigningAlg } from './keystore.js';

export const PEPPER_FILE = 'document-pepper.key';

interface Warn {
  warn(obj: object, msg: string): void;
}

/**
 * First start on a fresh checkout: when CERTS_DIR holds no signing key, generate one and say so
 * loudly — a development key is fine for trying the gateway, never for production, where keys are
 * provisioned out of band (docs/partners-and-keys.md, "Keys and key rotation").
 */
export async function ensureSigningKey(dir: string, alg: SigningAlg, now: number, log: Warn, generate = true): Promise<void> {
  if (readKeyFiles(dir).length > 0) return;
  if (!generate) throw new Error(`GATEWAY_ENV=production: no signing key in ${dir} (CERTS_DIR) and none is generated in production; provision one (docs/deployment.md: \`keys init\`)`);
  const { kid, file } = await generateKeyFile(alg, 'active', now);
  writeKeyFile(dir, kid, file);
  log.warn({ kid, alg }, 'no signing key found: generated a DEVELOPMENT signing key (do not use in production)');
}

/**
 * The pepper keys the HMACs of document numbers (lookup of risk events, uniqueness) so a stolen
 * database alone cannot be searched for a known ID number. All instances sharing a database must
 * share it; losing it orphans every stored document key.
 */
export function loadOrCreatePepper(dir: string, log: Warn, generate = true): Buffer {
  const path = join(dir, PEPPER_FILE);
  if (existsSync(path)) return readPepper(path);
  if (!generate) throw new Error(`GATEWAY_ENV=production: no document pepper ${PEPPER_FILE} in ${dir} (CERTS_DIR) and none is generated in production; provision it with the signing keys (docs/deployment.md: \`keys init\`)`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const text = newPepperText();
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  const pepper = Buffer.from(text.trim(), 'base64url');
  log.warn({ file: PEPPER_FILE }, 'no document pepper found: generated one (back it up with the signing keys)');
  return pepper;
}

/** The pepper file's value; fewer than 32 bytes is refused (it keys HMAC-SHA256). */
export function readPepper(path: string): Buffer {
  const pepper = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  if (pepper.length < 32) throw new Error(`${path}: the pepper must be at least 32 bytes (base64url)`);
  return pepper;
}

/** A new pepper, as its file holds it. */
export function newPepperText(): string {
  return `${randomBytes(32).toString('base64url')}\n`;
}
