import { GatewayError } from '../errors/gateway-error.js';
import type { Partner } from '../types/schemas.js';
import { fetchPartnerJson, PartnerFetchFailure, type PartnerFetchOptions, type TransportFailureReason } from './fetch-partner-json.js';
import { toVerificationKeys, type FilterResult } from './jwk-filter.js';
import { jwksEntries } from './jwks-shape.js';
import type { SkippedKey } from './key-skip-reasons.js';

/** Why a fetch failed: finer than the public code, for status and logs (no personal data here). */
export const JWKS_FAILURE_REASONS = [
  'insecure_uri', 'address_refused', 'timeout', 'network', 'http_status', 'redirect', 'too_large', 'not_json',
  'invalid_jwks', 'too_many_keys', 'no_usable_key',
] as const satisfies ReadonlyArray<TransportFailureReason | 'invalid_jwks' | 'too_many_keys' | 'no_usable_key'>;
export type JwksFailureReason = (typeof JWKS_FAILURE_REASONS)[number];

/** A failed key fetch. The verifier sees only ERR_KEYS_UNAVAILABLE; `reason` says why. */
export class JwksFetchError extends GatewayError {
  constructor(
    readonly reason: JwksFailureReason,
    detail: string,
    cause?: unknown,
    /** For no_usable_key: why each key of the set was skipped. */
    readonly skipped?: SkippedKey[],
  ) {
    super('ERR_KEYS_UNAVAILABLE', `The issuer's keys cannot be obtained right now (${reason}: ${detail}).`, { cause });
  }
}

export interface FetchJwksOptions extends PartnerFetchOptions {
  maxKeys: number;
}

function parseJwks(value: unknown, maxKeys: number): unknown[] {
  // Counted before anything else so a huge key array costs nothing more.
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (Array.isArray(keys) && keys.length > maxKeys) throw new JwksFetchError('too_many_keys', `more than ${maxKeys} keys`);
  const entries = jwksEntries(value);
  if (typeof entries === 'string') throw new JwksFetchError('invalid_jwks', entries);
  return entries;
}

/**
 * Fetches `partner`'s JWK Set over the given (safe) dispatcher and returns the keys that may
 * verify its codes. Fails closed with JwksFetchError (code ERR_KEYS_UNAVAILABLE) on anything
 * unexpected: non-2xx, any redirect (a 3xx could point at an internal host), a body over the cap,
 * non-JSON, a set that is not a JWK Set or carries a private member, too many keys, or no usable
 * key at all. Keys that cannot be used are skipped one by one; `skipped` says why.
 */
export async function fetchJwks(partner: Partner, options: FetchJwksOptions): Promise<FilterResult> {
  let value: unknown;
  try {
    ({ value } = await fetchPartnerJson(partner.jwksUri, 'jwksUri', 'application/json, application/jwk-set+json', options));
  } catch (error) {
    if (error instanceof PartnerFetchFailure) throw new JwksFetchError(error.reason, error.detail, error.cause);
    throw error;
  }
  const entries = parseJwks(value, options.maxKeys);
  const result = await toVerificationKeys(entries, partner.algorithms);
  if (result.keys.length === 0) throw new JwksFetchError('no_usable_key', `${result.skipped.length} keys, none usable`, undefined, result.skipped);
  return result;
}
