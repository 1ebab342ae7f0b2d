import { importJWK, type JWK } from 'jose';
import type { Partner, PublicJwk } from '../types/schemas.js';
import type { VerificationKey } from './key-source.js';

export type PartnerAlg = Partner['algorithms'][number];

/** The key type each pinned algorithm needs (RFC 7518 §3.1, RFC 8037 §3.1). */
const FITS: Record<PartnerAlg, (jwk: PublicJwk) => boolean> = {
  ES256: (k) => k.kty === 'EC' && k.crv === 'P-256',
  ES384: (k) => k.kty === 'EC' && k.crv === 'P-384',
  EdDSA: (k) => k.kty === 'OKP' && k.crv === 'Ed25519',
  RS256: (k) => k.kty === 'RSA',
  PS256: (k) => k.kty === 'RSA',
};

/** Members copied from a published key; everything else (x5u, jku, ext, private members…) is dropped. */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'] as const;

/** RSA keys under 2048 bits are refused (NIST SP 800-131A rev. 2). */
export const MIN_RSA_BITS = 2048;

export function publicMembers(jwk: PublicJwk): PublicJwk {
  const out: Record<string, string> = {};
  for (const m of PUBLIC_MEMBERS) {
    const v = jwk[m];
    if (typeof v === 'string') out[m] = v;
  }
  return out as unknown as PublicJwk;
}

/** Bit length of a base64url big-endian integer (leading zero octets do not count). */
export function modulusBits(n: string): number {
  const bytes = Buffer.from(n, 'base64url');
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

/**
 * The algorithms of `allowed` this key may verify, or why it is skipped. A key that says what it
 * is for must say signatures (RFC 7517 §4.2 `use`, §4.3 `key_ops`); a key's own `alg` must be one
 * the partner is pinned to (RFC 8725 §3.1); without `alg`, every pinned algorithm its type fits.
 */
export function usableAlgs(jwk: PublicJwk, allowed: readonly PartnerAlg[]): PartnerAlg[] | string {
  if (jwk.kid === undefined) return 'no kid';
  if (jwk.use !== undefined && jwk.use !== 'sig') return `use ${jwk.use}`;
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) return 'key_ops without verify';
  if (jwk.kty === 'RSA' && modulusBits(jwk.n ?? '') < MIN_RSA_BITS) return 'RSA modulus under 2048 bits';
  const candidates = jwk.alg === undefined ? allowed : allowed.filter((a) => a === jwk.alg);
  const algs = candidates.filter((a) => FITS[a](jwk));
  return algs.length > 0 ? algs : 'type or alg does not fit the partner algorithms';
}

export interface FilterResult {
  keys: VerificationKey[];
  /** Why keys were left out, without key material: for logs. */
  skipped: Array<{ kid: string | null; reason: string }>;
}

/**
 * The verification keys of a JWK Set, each imported once per usable algorithm. A kid published
 * twice is ambiguous (RFC 7517 §4.5 asks for distinct kids): every key with it is skipped rather
 * than guessing which one the issuer meant.
 */
export async function toVerificationKeys(jwks: readonly PublicJwk[], allowed: readonly PartnerAlg[]): Promise<FilterResult> {
  const counts = new Map<string, number>();
  for (const k of jwks) if (k.kid !== undefined) counts.set(k.kid, (counts.get(k.kid) ?? 0) + 1);
  const keys: VerificationKey[] = [];
  const skipped: FilterResult['skipped'] = [];
  for (const raw of jwks) {
    const kid = raw.kid ?? null;
    if (kid !== null && counts.get(kid)! > 1) {
      skipped.push({ kid, reason: 'kid published more than once' });
      continue;
    }
    const algs = usableAlgs(raw, allowed);
    if (typeof algs === 'string') {
      skipped.push({ kid, reason: algs });
      continue;
    }
    const jwk = publicMembers(raw);
    try {
      for (const alg of algs) {
        const key = await importJWK(jwk as JWK, alg);
        keys.push({ kid: kid!, alg, jwk, key });
      }
    } catch {
      skipped.push({ kid, reason: 'not importable' });
    }
  }
  return { keys, skipped };
}
