import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { assertValid } from '../schemas/registry.js';
import type { PublicJwk, SigningKeyFile } from '../types/schemas.js';

/**
 * Xinji's signing keys: one file per key in CERTS_DIR (`<kid>.key.json`, schemas/signing-key.schema.json).
 * Exactly one key is `active` and signs; `next` keys are published ahead of activation so partners
 * cache them before the first code they sign; `retired` keys stay published until every code they
 * signed has expired (retiredAt + credential TTL + clock tolerance), then drop out of the JWKS.
 * docs/partners-and-keys.md, "Keys and key rotation", is the procedure; tests/issuer/keys.test.ts walks it.
 */

export type SigningAlg = 'ES256' | 'EdDSA';

export interface LoadedKey {
  kid: string;
  alg: SigningAlg;
  status: SigningKeyFile['status'];
  retiredAt: number | null;
  publicJwk: PublicJwk;
  privateKey: CryptoKey;
}

/** Only these members ever leave the process (after node-oidc-provider's public JWKS allowlist). */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y'] as const;

function algOf(jwk: { kty: string; crv?: string }): SigningAlg {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  throw new Error(`unsupported signing key type ${jwk.kty}/${jwk.crv ?? '-'}`);
}

/**
 * Characters of the RFC 7638 thumbprint that a new key's kid keeps: 48 bits name a key uniquely
 * among the handful an issuer publishes (RFC 7515 §4.1.4 asks only that), and every character of
 * the kid is in every code and its QR (docs/credential.md, "Layouts and size").
 */
export const KID_CHARS = 8;

/**
 * The public JWK of a signing key, with `kid`: the one given (a key file's name: the full
 * thumbprint for keys made before short kids, or a prefix of it of at least KID_CHARS characters),
 * or the first KID_CHARS characters of the thumbprint for a new key.
 */
export async function publicJwkOf(privateJwk: JWK, kid?: string): Promise<PublicJwk> {
  const pub: Record<string, string> = {};
  for (const member of PUBLIC_MEMBERS) {
    const value = privateJwk[member];
    if (typeof value === 'string') pub[member] = value;
  }
  const alg = algOf(pub as { kty: string; crv?: string });
  const thumbprint = await calculateJwkThumbprint(pub as JWK, 'sha256'); // RFC 7638
  if (kid !== undefined && !(kid.length >= KID_CHARS && thumbprint.startsWith(kid))) {
    throw new Error(`kid ${kid} must be the key's RFC 7638 thumbprint (${thumbprint}) or a prefix of it of at least ${KID_CHARS} characters`);
  }
  return { ...(pub as unknown as PublicJwk), kid: kid ?? thumbprint.slice(0, KID_CHARS), alg, use: 'sig' };
}

const KEY_FILE_SUFFIX = '.key.json';

/** The kid a key file names: `<kid>.key.json`. */
export function kidOfKeyFile(path: string): string {
  return basename(path).slice(0, -KEY_FILE_SUFFIX.length);
}

/** Generates a key file (not yet written). */
export async function generateKeyFile(alg: SigningAlg, status: SigningKeyFile['status'], now: number): Promise<{ kid: string; file: SigningKeyFile }> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, crv: alg === 'EdDSA' ? 'Ed25519' : undefined });
  const jwk = await exportJWK(privateKey);
  const pub = await publicJwkOf(jwk);
  return {
    kid: pub.kid!,
    file: { status, createdAt: new Date(now).toISOString(), privateJwk: jwk as SigningKeyFile['privateJwk'] },
  };
}

/** A key file's name and text, as written to CERTS_DIR or put in a Secret. */
export function keyFileName(kid: string): string {
  return `${kid}${KEY_FILE_SUFFIX}`;
}
export function keyFileText(file: SigningKeyFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function writeKeyFile(dir: string, kid: string, file: SigningKeyFile): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, keyFileName(kid));
  writeFileSync(path, keyFileText(file), { mode: 0o600 });
  return path;
}

export function readKeyFiles(dir: string): Array<{ path: string; file: SigningKeyFile }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(KEY_FILE_SUFFIX))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        throw new Error(`${path}: not valid JSON`);
      }
      try {
        return { path, file: assertValid<SigningKeyFile>('signing-key', raw) };
      } catch (error) {
        const field = (error as { field?: string }).field;
        throw new Error(`${path}: ${field ? `${field}: ` : ''}${(error as Error).message}`);
      }
    });
}

/** Every key file of `dir`, imported; exactly one must be active, or nothing is returned. */
async function loadKeys(dir: string): Promise<LoadedKey[]> {
  const keys: LoadedKey[] = [];
  for (const { path, file } of readKeyFiles(dir)) {
    let publicJwk: PublicJwk;
    try {
      publicJwk = await publicJwkOf(file.privateJwk as JWK, kidOfKeyFile(path));
    } catch (error) {
      throw new Error(`${path}: file name must be <kid>.key.json: ${(error as Error).message}`);
    }
    if (keys.some((k) => k.kid === publicJwk.kid)) throw new Error(`${path}: two keys share the kid ${publicJwk.kid}`);
    const privateKey = (await importJWK(file.privateJwk as JWK, publicJwk.alg)) as CryptoKey;
    keys.push({
      kid: publicJwk.kid!,
      alg: publicJwk.alg as SigningAlg,
      status: file.status,
      retiredAt: file.retiredAt ? Date.parse(file.retiredAt) : null,
      publicJwk,
      privateKey,
    });
  }
  const active = keys.filter((k) => k.status === 'active');
  if (active.length !== 1) throw new Error(`${dir}: exactly one signing key must be active, found ${active.length}`);
  return keys;
}

export class Keystore {
  private constructor(
    private readonly dir: string,
    private keys: LoadedKey[],
    private readonly publishWindowMs: number,
  ) {}

  /**
   * Loads every key file of `dir`. Exactly one must be active. `publishWindowMs` is how long a
   * retired key stays published: the longest lifetime of a code it signed plus clock tolerance.
   */
  static async load(dir: string, publishWindowMs: number): Promise<Keystore> {
    return new Keystore(dir, await loadKeys(dir), publishWindowMs);
  }

  /**
   * Reads the directory again (a key added as next, activated, retired, pruned) and swaps the
   * whole set at once. A set that does not load (a bad file, no or two active keys) throws and
   * the keys in use stay: a half-written rotation never leaves the gateway without a signer.
   */
  async reload(): Promise<void> {
    const keys = await loadKeys(this.dir);
    // The issuer metadata and the gateway's own partner entry list the algorithms read at start;
    // a key of another algorithm would sign codes the gateway itself refuses (fail closed).
    const known = this.algorithms();
    const added = keys.map((k) => k.alg).filter((alg) => !known.includes(alg));
    if (added.length > 0) throw new Error(`${this.dir}: a ${added[0]} key is new to this gateway (it started with ${known.join(', ')}); restart to publish a new algorithm`);
    this.keys = keys;
  }

  /** kid → status of every key held, for logs (kids are public: they are in the JWKS). */
  summary(): Record<string, SigningKeyFile['status']> {
    return Object.fromEntries(this.keys.map((k) => [k.kid, k.status]));
  }

  activeKey(): LoadedKey {
    return this.keys.find((k) => k.status === 'active')!;
  }

  /** Keys a verifier may need at `now`: active, next, and retired ones still inside the window. */
  publishedKeys(now: number): PublicJwk[] {
    return this.keys
      .filter((k) => k.status !== 'retired' || (k.retiredAt !== null && now < k.retiredAt + this.publishWindowMs))
      .map((k) => k.publicJwk);
  }

  algorithms(): SigningAlg[] {
    return [...new Set(this.keys.map((k) => k.alg))];
  }
}
