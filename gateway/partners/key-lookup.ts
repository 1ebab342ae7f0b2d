import { GatewayError } from '../errors/gateway-error.js';
import type { VerificationKey } from './key-source.js';

/**
 * The key usable with `alg` from one issuer's own keys, named by `kid`, or, for a code without kid
 * (RFC 7515 §4.1.4: kid is OPTIONAL), the issuer's only key for `alg`. A kid shared by keys of
 * different types is allowed (RFC 7517 §4.5): the code's alg chooses among them. A kid that exists
 * only for another algorithm is not a rotation (no refetch): the token names an algorithm its key
 * cannot verify, an algorithm-confusion attempt (RFC 8725 §2.1), so it fails closed with
 * ERR_JWS_ALG_NOT_ALLOWED. A kid not present at all (or no key for alg) is 'unknown'.
 */
export function findKey(keys: readonly VerificationKey[], kid: string | undefined, alg: string): VerificationKey | 'unknown' {
  if (kid === undefined) return onlyKeyFor(keys, alg);
  let kidSeen = false;
  for (const k of keys) {
    if (k.kid !== kid) continue;
    if (k.alg === alg) return k;
    kidSeen = true;
  }
  if (kidSeen) throw new GatewayError('ERR_JWS_ALG_NOT_ALLOWED', 'The key with this kid cannot verify this algorithm.');
  return 'unknown';
}

function onlyKeyFor(keys: readonly VerificationKey[], alg: string): VerificationKey | 'unknown' {
  const fitting = keys.filter((k) => k.alg === alg);
  if (fitting.length === 1) return fitting[0]!;
  if (fitting.length === 0) return 'unknown';
  // Trying each key in turn would let one code be checked against several keys: never guess.
  throw new GatewayError('ERR_JWS_HEADER_INVALID', 'The code has no kid and its issuer publishes several keys for its algorithm: the header must name one.');
}
