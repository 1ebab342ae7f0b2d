import { validator, errorField } from '../schemas/registry.js';
import type { Jwks } from '../types/schemas.js';

/**
 * Why `value` is not an acceptable JWK Set (RFC 7517 §5), or null. schemas/jwks.schema.json is
 * the whole rule: the set's shape, length caps on every member, and no private member
 * (RFC 7518 §6.2.2, §6.3.2, §6.4: d, p, q, dp, dq, qi, oth, k) on any key — such a set is refused
 * whole, since a partner publishing private keys cannot be trusted with the rest either.
 */
export function jwksProblem(value: unknown): string | null {
  const validate = validator<Jwks>('jwks');
  if (validate(value)) return null;
  const first = validate.errors?.[0];
  return first ? `/${errorField(first).replace(/\./g, '/')} ${first.message ?? 'is invalid'}`.replace(/^\/ /, '/ ') : 'invalid JWK Set';
}
