import { GatewayError } from '../errors/gateway-error.js';
import type { VerificationKey } from './key-source.js';

/**
 * The key with this kid usable with `alg`, from one issuer's own keys. A kid that exists but
 * belongs to a key of another type is not a rotation (no refetch): the token names an algorithm
 * its key cannot verify, an algorithm-confusion attempt (RFC 8725 §2.1), so it fails closed with
 * ERR_JWS_ALG_NOT_ALLOWED. A kid not present at all is 'unknown'.
 */
export function findKey(keys: readonly VerificationKey[], kid: string, alg: string): VerificationKey | 'unknown' {
  let kidSeen = false;
  for (const k of keys) {
    if (k.kid !== kid) continue;
    if (k.alg === alg) return k;
    kidSeen = true;
  }
  if (kidSeen) throw new GatewayError('ERR_JWS_ALG_NOT_ALLOWED', 'The key with this kid cannot verify this algorithm.');
  return 'unknown';
}
