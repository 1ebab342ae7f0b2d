import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint, CompactSign, compactVerify, importJWK, type JWK } from 'jose';
import { isGatewayError } from '../errors/gateway-error.js';
import { toVerificationKeys, type PartnerAlg } from '../partners/jwk-filter.js';
import type { VerificationKey } from '../partners/key-source.js';
import { findKey } from '../partners/key-lookup.js';
import { jwksEntries } from '../partners/jwks-shape.js';
import { describeSchemaErrors } from '../partners/registry.js';
import { validator } from '../schemas/registry.js';
import type { Partner, TrustList } from '../types/schemas.js';
import { checkHeader } from '../verify/jws-header.js';
import { parseCompact, type ParsedCompact } from '../verify/parse-compact.js';
import { parseStrictJsonBytes } from '../verify/strict-json.js';

/**
 * Explicit typing (RFC 8725 §3.11): a trust list cannot be mistaken for a health code or any
 * other JWS signed with the same key, and the reverse.
 */
export const TRUST_LIST_TYP = 'health-code-trust-list+jwt';
/** Algorithms a federation key may sign with (the gateway's own signing algorithms, plus P-384). */
export const FEDERATION_ALGS: readonly PartnerAlg[] = ['ES256', 'ES384', 'EdDSA'];

/** Why a list was refused: stable words for metrics, logs and the CLI. */
export type TrustListRefusal =
  | 'malformed' | 'bad_header' | 'unpinned_key' | 'bad_signature' | 'invalid_list' | 'expired' | 'replayed';

export class TrustListError extends Error {
  override name = 'TrustListError';
  constructor(readonly reason: TrustListRefusal, readonly detail: string) {
    super(`${reason}: ${detail}`);
  }
}

/**
 * The federation's pinned public keys (TRUST_LIST_KEYS), through the same key filter as partner
 * keys. A file with a private member, or without one usable key, stops the start.
 */
export async function readPinnedKeys(path: string): Promise<VerificationKey[]> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not a readable JSON file (${(error as Error).message})`);
  }
  const entries = jwksEntries(value);
  if (typeof entries === 'string') throw new Error(`${path}: not a public JWK Set (${entries})`);
  const { keys, skipped } = await toVerificationKeys(entries, FEDERATION_ALGS);
  if (keys.length === 0) throw new Error(`${path}: no usable key (${skipped.map((s) => `${s.kid ?? '-'}: ${s.reason}`).join('; ') || 'the set is empty'})`);
  return keys;
}

export interface SignOptions {
  sequence: number;
  /** Epoch ms of generatedAt. */
  now: number;
  ttlSeconds: number;
}

const ALG_OF_CURVE: Record<string, PartnerAlg> = { 'P-256': 'ES256', 'P-384': 'ES384', Ed25519: 'EdDSA' };

/** The algorithm a federation key signs with: its own alg, or the one its curve implies. */
export function federationAlgOf(jwk: JWK): PartnerAlg {
  const alg = jwk.alg ?? ALG_OF_CURVE[jwk.crv ?? ''];
  if (!alg || !(FEDERATION_ALGS as readonly string[]).includes(alg)) throw new Error(`a federation key must be ES256, ES384 or EdDSA (this one is ${jwk.kty}/${jwk.crv ?? jwk.alg ?? '-'})`);
  return alg as PartnerAlg;
}

/** The public half of a federation key, as it goes into the TRUST_LIST_KEYS JWK Set (kid: RFC 7638 thumbprint). */
export async function federationPublicJwk(privateJwk: JWK): Promise<JWK> {
  const { kty, crv, x, y } = privateJwk;
  const pub: JWK = { kty, crv, x, ...(y ? { y } : {}) };
  return { ...pub, kid: privateJwk.kid ?? (await calculateJwkThumbprint(pub, 'sha256')), alg: federationAlgOf(privateJwk), use: 'sig' };
}

/** Signs `members` as a trust list with a private JWK (ES256, ES384 or EdDSA). */
export async function signTrustList(members: readonly Partner[], privateJwk: JWK, options: SignOptions): Promise<string> {
  const { alg, kid } = await federationPublicJwk(privateJwk);
  const payload: TrustList = {
    sequence: options.sequence,
    generatedAt: new Date(options.now).toISOString(),
    expiresAt: new Date(options.now + options.ttlSeconds * 1000).toISOString(),
    members: [...members],
  };
  const key = await importJWK(privateJwk, alg);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: alg!, kid: kid!, typ: TRUST_LIST_TYP })
    .sign(key);
}

/**
 * The compact JWS read as strictly as a health code (parse-compact.ts); any refusal there is
 * 'malformed'. No length bound of its own: a fetched list is bounded by trustList.maxBytes.
 */
function parse(jws: string): ParsedCompact {
  try {
    return parseCompact(jws, Number.POSITIVE_INFINITY);
  } catch {
    throw new TrustListError('malformed', 'not a compact JWS of three base64url segments with a JSON object header');
  }
}

/**
 * Checks a trust list: typ and header rules (no key-carrying members, no crit), a key pinned by
 * kid for the header's alg, the signature, the payload schema and expiresAt. What is refused here
 * never reaches the registry. Sequence (replay) is the holder's business: it knows what it holds.
 */
export async function verifyTrustList(jws: string, pinned: readonly VerificationKey[], nowMs: number): Promise<TrustList> {
  const parsed = parse(jws.trim());
  const { header, payloadBytes } = parsed;
  let alg: string;
  let kid: string | undefined;
  try {
    ({ alg, kid } = checkHeader(header, { algorithms: FEDERATION_ALGS, typ: TRUST_LIST_TYP }));
  } catch (error) {
    throw new TrustListError('bad_header', isGatewayError(error) ? error.message : 'the JWS header is not acceptable');
  }
  // A list names its key: several pinned keys (a rotation) must never be tried in turn.
  if (kid === undefined) throw new TrustListError('bad_header', 'the JWS header needs the kid of a pinned key');
  let key: VerificationKey | 'unknown';
  try {
    key = findKey(pinned, kid, alg);
  } catch {
    key = 'unknown'; // a pinned kid of another key type is still not a pinned key for this alg
  }
  if (key === 'unknown') throw new TrustListError('unpinned_key', `kid ${kid.slice(0, 64)} with ${alg} is not one of the federation's pinned keys`);
  try {
    await compactVerify(parsed.jws, key.key, { algorithms: [alg] });
  } catch {
    throw new TrustListError('bad_signature', 'the signature does not verify with the pinned key');
  }
  let payload: Record<string, unknown>;
  try {
    payload = parseStrictJsonBytes(payloadBytes);
  } catch {
    throw new TrustListError('invalid_list', 'the payload is not one JSON object');
  }
  const validate = validator<TrustList>('trust-list');
  if (!validate(payload)) {
    throw new TrustListError('invalid_list', describeSchemaErrors(validate.errors));
  }
  if (Date.parse(payload.expiresAt) <= nowMs) throw new TrustListError('expired', `the list expired at ${payload.expiresAt}`);
  return payload;
}
