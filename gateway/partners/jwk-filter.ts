import { importJWK, type JWK } from 'jose';
import type { Partner, PublicJwk } from '../types/schemas.js';
import type { VerificationKey } from './key-source.js';
import type { KeySkipReason, SkippedKey } from './key-skip-reasons.js';
import { ed25519IsSmallOrder, modulusBits, rsaExponentIsSafe } from './key-strength.js';

export type PartnerAlg = Partner['algorithms'][number];
export { modulusBits };

/** The key type each pinned algorithm needs (RFC 7518 §3.1, RFC 8037 §3.1). */
const FITS: Record<PartnerAlg, (jwk: PublicJwk) => boolean> = {
  ES256: (k) => k.kty === 'EC' && k.crv === 'P-256',
  ES384: (k) => k.kty === 'EC' && k.crv === 'P-384',
  EdDSA: (k) => k.kty === 'OKP' && k.crv === 'Ed25519',
  RS256: (k) => k.kty === 'RSA',
  PS256: (k) => k.kty === 'RSA',
};

const KEY_TYPES = new Set(['EC', 'OKP', 'RSA']);
export const MAX_KID_CHARS = 128;

/** Members copied from a published key, with their length bounds; everything else (x5u, jku, ext…) is dropped. */
const PUBLIC_MEMBERS = { kty: 16, crv: 64, x: 256, y: 256, n: 2048, e: 16, kid: MAX_KID_CHARS, alg: 64, use: 64 } as const;

/** RSA keys under 2048 bits are refused (NIST SP 800-131A rev. 2). */
export const MIN_RSA_BITS = 2048;

/**
 * The public members of one entry of a key set, or why it cannot be read. Each entry is judged on
 * its own (RFC 7517 §5: keys that cannot be used are ignored), so one odd key never refuses the set.
 */
export function readJwk(entry: unknown): PublicJwk | KeySkipReason {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return 'malformed';
  const raw = entry as Record<string, unknown>;
  if (typeof raw['kty'] !== 'string') return 'malformed';
  if (!KEY_TYPES.has(raw['kty'])) return 'unsupported_kty';
  if (raw['kid'] !== undefined && (typeof raw['kid'] !== 'string' || raw['kid'].length === 0 || raw['kid'].length > MAX_KID_CHARS)) return 'kid_invalid';
  const out: Record<string, unknown> = {};
  for (const [member, max] of Object.entries(PUBLIC_MEMBERS)) {
    const v = raw[member];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length > max) return 'malformed';
    out[member] = v;
  }
  const ops = raw['key_ops'];
  if (ops !== undefined) {
    if (!Array.isArray(ops) || ops.length > 16 || !ops.every((o) => typeof o === 'string' && o.length <= 32)) return 'malformed';
    out['key_ops'] = [...ops];
  }
  return out as unknown as PublicJwk;
}

/**
 * The one algorithm of `allowed` this key may verify, or why it is skipped. A key that says what
 * it is for must say signatures (RFC 7517 §4.2 `use`, §4.3 `key_ops`); a key's own `alg` must be
 * one the partner is pinned to (RFC 8725 §3.1). Without `alg`, the key's type and curve name the
 * algorithm, except RSA: bound to RS256 or PS256 only when the partner pins exactly one of them.
 */
export function usableAlg(jwk: PublicJwk, allowed: readonly PartnerAlg[]): PartnerAlg | KeySkipReason {
  if (jwk.use !== undefined && jwk.use !== 'sig') return 'not_for_signing';
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) return 'not_for_signing';
  if (jwk.alg !== undefined && !(allowed as readonly string[]).includes(jwk.alg)) return 'alg_not_pinned';
  const candidates = (jwk.alg === undefined ? allowed : allowed.filter((a) => a === jwk.alg)).filter((a) => FITS[a](jwk));
  if (candidates.length === 0) return 'type_mismatch';
  if (candidates.length > 1) return 'rsa_alg_ambiguous'; // only RSA fits two algorithms
  if (jwk.kty === 'RSA') {
    if (modulusBits(jwk.n ?? '') < MIN_RSA_BITS) return 'rsa_too_short';
    if (!rsaExponentIsSafe(jwk.e ?? '')) return 'rsa_weak_exponent';
  }
  if (jwk.kty === 'OKP' && ed25519IsSmallOrder(jwk.x ?? '')) return 'ed25519_small_order';
  return candidates[0]!;
}

export interface FilterResult {
  keys: VerificationKey[];
  /** Every key left out and why, without key material: for status, metrics and logs. */
  skipped: SkippedKey[];
}

const kidOf = (entry: unknown): string | null => {
  const kid = (entry as { kid?: unknown } | null)?.kid;
  return typeof kid === 'string' ? kid.slice(0, MAX_KID_CHARS) : null;
};

/**
 * The verification keys of a JWK Set, each imported once for its one algorithm. RFC 7517 §4.5
 * allows one kid for keys of different types ("equivalent alternatives"): the code's alg chooses
 * (key-lookup.ts). Two keys with the same kid for the same algorithm are ambiguous: both are
 * skipped rather than guessing which one the issuer meant.
 */
export async function toVerificationKeys(entries: readonly unknown[], allowed: readonly PartnerAlg[]): Promise<FilterResult> {
  const skipped: SkippedKey[] = [];
  const candidates: Array<{ index: number; jwk: PublicJwk; alg: PartnerAlg }> = [];
  entries.forEach((entry, index) => {
    const jwk = readJwk(entry);
    const alg = typeof jwk === 'string' ? jwk : usableAlg(jwk, allowed);
    if (typeof jwk === 'string' || !(allowed as readonly string[]).includes(alg)) skipped.push({ index, kid: kidOf(entry), reason: alg as KeySkipReason });
    else candidates.push({ index, jwk, alg: alg as PartnerAlg });
  });
  const slots = new Map<string, number>();
  for (const c of candidates) if (c.jwk.kid !== undefined) slots.set(`${c.alg}\n${c.jwk.kid}`, (slots.get(`${c.alg}\n${c.jwk.kid}`) ?? 0) + 1);
  const keys: VerificationKey[] = [];
  for (const { index, jwk, alg } of candidates) {
    const kid = jwk.kid ?? null;
    if (kid !== null && slots.get(`${alg}\n${kid}`)! > 1) {
      skipped.push({ index, kid, reason: 'duplicate_kid' });
      continue;
    }
    try {
      keys.push({ kid, alg, jwk, key: await importJWK(jwk as JWK, alg) });
    } catch {
      skipped.push({ index, kid, reason: 'not_importable' });
    }
  }
  skipped.sort((a, b) => a.index - b.index);
  return { keys, skipped };
}
