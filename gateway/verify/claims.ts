import { GatewayError } from '../errors/gateway-error.js';

/**
 * The registered claims every code must carry (RFC 7519 §4.1), checked after the signature.
 * NumericDate is "seconds since the epoch … non-integer values can be represented" (RFC 7519 §2),
 * so 1687450764.656 is accepted. Values must lie between the epoch and the year 9999 so they map
 * onto an RFC 3339 date-time (a hostile 1e300 would otherwise break the conversion).
 */
export const MAX_NUMERIC_DATE = 253402300799; // 9999-12-31T23:59:59Z
export const MAX_JTI_CHARS = 256;
/** A partner's codes live at most this long unless its partner file says otherwise (maxLifetimeSeconds). */
export const DEFAULT_MAX_LIFETIME_SECONDS = 7 * 86_400;

export interface TimeClaims {
  iat: number;
  exp: number;
  nbf?: number;
  jti: string;
}

function numericDate(payload: Record<string, unknown>, name: string, required: boolean): number | undefined {
  if (!Object.hasOwn(payload, name)) {
    if (required) throw new GatewayError('ERR_CLAIMS_INVALID', `The code has no ${name} claim.`);
    return undefined;
  }
  const value = payload[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_NUMERIC_DATE) {
    throw new GatewayError('ERR_CLAIMS_INVALID', `The ${name} claim is not a NumericDate.`);
  }
  return value;
}

/**
 * exp, iat and jti are required, nbf optional. `nowMs` is the injected clock; the tolerance
 * allows for clock skew between issuer, gateway and checkpoint (RFC 7519 §4.1.4, "small leeway").
 * A code may not live longer than `maxLifetimeSeconds` (the partner's, default 7 days), counted
 * from iat and from now: a code with exp a century ahead or iat 0 is a code nobody can withdraw
 * (status lists only list codes until their exp), so it is refused even when genuinely signed.
 */
export function checkTimeClaims(payload: Record<string, unknown>, nowMs: number, toleranceSeconds: number, maxLifetimeSeconds = DEFAULT_MAX_LIFETIME_SECONDS): TimeClaims {
  const exp = numericDate(payload, 'exp', true)!;
  const iat = numericDate(payload, 'iat', true)!;
  const nbf = numericDate(payload, 'nbf', false);
  const jti = payload['jti'];
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_CHARS) {
    throw new GatewayError('ERR_CLAIMS_INVALID', 'The code needs a jti claim of 1 to 256 characters.');
  }
  const now = nowMs / 1000;
  // RFC 7519 §4.1.4: the current time must be before exp.
  if (now >= exp + toleranceSeconds) throw new GatewayError('ERR_TOKEN_EXPIRED');
  // §4.1.5: the current time must be after or equal to nbf.
  if (nbf !== undefined && now + toleranceSeconds < nbf) throw new GatewayError('ERR_TOKEN_NOT_YET_VALID');
  if (iat > now + toleranceSeconds) throw new GatewayError('ERR_TOKEN_ISSUED_IN_FUTURE');
  if (exp - iat > maxLifetimeSeconds || exp - now > maxLifetimeSeconds + toleranceSeconds) {
    throw new GatewayError('ERR_TOKEN_LIFETIME_TOO_LONG', `The code is valid for longer than its issuer's codes may be (${maxLifetimeSeconds} s).`);
  }
  return nbf === undefined ? { iat, exp, jti } : { iat, exp, nbf, jti };
}
