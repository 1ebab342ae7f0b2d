import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { JWK } from 'jose';
import { PEPPER_FILE, newPepperText } from '../issuer/bootstrap-secrets.js';
import { generateKeyFile, keyFileName, keyFileText, kidOfKeyFile, publicJwkOf, readKeyFiles, type SigningAlg } from '../issuer/keystore.js';
import type { SigningKeyFile } from '../types/schemas.js';

/**
 * What each `keys` command changes in CERTS_DIR, as a plan of file writes and deletions, so the
 * same command can either rewrite the directory (a VM, a shared volume) or print the whole new
 * directory as a Kubernetes Secret (`--secret <name>`), whose mounted files cannot be rewritten in
 * place and which running pods pick up without a restart (gateway/issuer/certs-reloader.ts).
 */
export interface Plan {
  /** File name in CERTS_DIR → its new text. */
  writes: Map<string, string>;
  deletes: Set<string>;
  /** What to tell the operator (one line each). */
  notes: string[];
}

export class CommandError extends Error {
  override name = 'CommandError';
}

export interface KeyEntry {
  path: string;
  kid: string;
  file: SigningKeyFile;
}

export async function keyEntries(dir: string): Promise<KeyEntry[]> {
  return Promise.all(readKeyFiles(dir).map(async ({ path, file }) => ({ path, file, kid: (await publicJwkOf(file.privateJwk as JWK, kidOfKeyFile(path))).kid! })));
}

const plan = (): Plan => ({ writes: new Map(), deletes: new Set(), notes: [] });

/** First provisioning (production never generates): an active key and the document pepper. */
export async function planInit(dir: string, alg: SigningAlg, now: number): Promise<Plan> {
  if ((await keyEntries(dir)).length > 0 || existsSync(join(dir, PEPPER_FILE))) {
    throw new CommandError(`${dir} already holds keys or a pepper: init is for an empty CERTS_DIR (use add / activate)`);
  }
  const p = plan();
  const { kid, file } = await generateKeyFile(alg, 'active', now);
  p.writes.set(keyFileName(kid), keyFileText(file));
  p.writes.set(PEPPER_FILE, newPepperText());
  p.notes.push(`${kid}  active`, `${PEPPER_FILE}  new: back it up with the keys; it never changes afterwards`);
  return p;
}

export async function planAdd(dir: string, alg: SigningAlg, status: SigningKeyFile['status'], now: number): Promise<Plan> {
  if (status === 'active' && (await keyEntries(dir)).some((e) => e.file.status === 'active')) {
    throw new CommandError('an active key exists: add with --status next, then activate it');
  }
  const p = plan();
  const { kid, file } = await generateKeyFile(alg, status, now);
  p.writes.set(keyFileName(kid), keyFileText(file));
  p.notes.push(`${kid}  ${status}`);
  return p;
}

/** The target becomes active; the active key retires now. */
export async function planActivate(dir: string, target: string | undefined, now: number): Promise<Plan> {
  const all = await keyEntries(dir);
  if (!all.some((e) => e.kid === target)) throw new CommandError(`no key ${target ?? '(missing kid)'} in ${dir}`);
  const p = plan();
  for (const e of all) {
    if (e.kid === target) p.writes.set(keyFileName(e.kid), keyFileText({ ...e.file, status: 'active' }));
    else if (e.file.status === 'active') p.writes.set(keyFileName(e.kid), keyFileText({ ...e.file, status: 'retired', retiredAt: new Date(now).toISOString() }));
  }
  p.notes.push(`active: ${target}`);
  return p;
}

/** Retired keys whose codes have all expired (`windowMs` after retiring) leave. */
export async function planPrune(dir: string, windowMs: number, now: number): Promise<Plan> {
  const p = plan();
  for (const e of await keyEntries(dir)) {
    const retiredAt = e.file.retiredAt ? Date.parse(e.file.retiredAt) : null;
    if (e.file.status === 'retired' && retiredAt !== null && now >= retiredAt + windowMs) {
      p.deletes.add(basename(e.path));
      p.notes.push(`deleted ${e.kid}`);
    }
  }
  return p;
}

/**
 * The Secret holding CERTS_DIR after the plan: every key file and the pepper, unchanged ones as
 * they are. Apply it whole (`kubectl replace -f -`), so a pruned key's entry goes too.
 */
export function secretManifest(dir: string, p: Plan, name: string, namespace?: string): object {
  const files = new Map<string, string>();
  for (const { path } of readKeyFiles(dir)) files.set(basename(path), readFileSync(path, 'utf8'));
  if (existsSync(join(dir, PEPPER_FILE))) files.set(PEPPER_FILE, readFileSync(join(dir, PEPPER_FILE), 'utf8'));
  for (const [file, text] of p.writes) files.set(file, text);
  for (const file of p.deletes) files.delete(file);
  const stringData = Object.fromEntries([...files].sort(([a], [b]) => a.localeCompare(b)));
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, ...(namespace ? { namespace } : {}) }, type: 'Opaque', stringData };
}
