import { GatewayError } from '../errors/gateway-error.js';
import type { Jwks, Partner } from '../types/schemas.js';
import { fetchPartnerJson, PartnerFetchFailure, type PartnerFetchOptions, type TransportFailureReason } from './fetch-partner-json.js';
import { toVerificationKeys, type FilterResult } from './jwk-filter.js';
import { jwksProblem } from './jwks-shape.js';

/** Why a fetch failed: finer than the public code, for status and logs (no personal data here). */
export type JwksFailureReason = TransportFailureReason | 'invalid_jwks' | 'too_many_keys' | 'no_usable_key';

/** A failed key fetch. The verifier sees only ERR_KEYS_UNAVAILABLE; `reason` says why. */
export class JwksFetchError extends GatewayError {
  constructor(readonly reason: JwksFailureReason, detail: string, cause?: unknown) {
    super('ERR_KEYS_UNAVAILABLE', `The issuer's keys cannot be obtained right now (${reason}: ${detail}).`, { cause });
  }
}

export interface FetchJwksOptions extends PartnerFetchOptions {
  maxKeys: number;
}

function parseJwks(value: unknown, maxKeys: number): Jwks {
  // Counted before validation so a huge key array costs nothing more.
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (Array.isArray(keys) && keys.length > maxKeys) throw new JwksFetchError('too_many_keys', `more than ${maxKeys} keys`);
  // A private member anywhere refuses the whole set: a partner that publishes a private key has
  // a bigger problem than one bad entry (RFC 7517 §9.2), and none of its keys can be trusted.
  const problem = jwksProblem(value);
  if (problem) throw new JwksFetchError('invalid_jwks', problem);
  return value as Jwks;
}

/**
 * Fetches `partner`'s JWK Set over the given (safe) dispatcher and returns the keys that may
 * verify its codes. Fails closed with JwksFetchError (code ERR_KEYS_UNAVAILABLE) on anything
 * unexpected: non-2xx, any redirect (a 3xx could point at an internal host), a body over the cap,
 * non-JSON, a set that breaks the schema, too many keys, or no usable key at all.
 */
export async function fetchJwks(partner: Partner, options: FetchJwksOptions): Promise<FilterResult> {
  let value: unknown;
  try {
    ({ value } = await fetchPartnerJson(partner.jwksUri, 'jwksUri', 'application/json, application/jwk-set+json', options));
  } catch (error) {
    if (error instanceof PartnerFetchFailure) throw new JwksFetchError(error.reason, error.detail, error.cause);
    throw error;
  }
  const jwks = parseJwks(value, options.maxKeys);
  const result = await toVerificationKeys(jwks.keys, partner.algorithms);
  if (result.keys.length === 0) throw new JwksFetchError('no_usable_key', `${result.skipped.length} keys, none usable`);
  return result;
}
