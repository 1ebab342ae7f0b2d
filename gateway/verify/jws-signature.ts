import { compactVerify, type CryptoKey } from 'jose';
import { GatewayError } from '../errors/gateway-error.js';
import { checkHeader, type HeaderRules } from './jws-header.js';
import { parseCompact, type ParsedCompact } from './parse-compact.js';

/**
 * Signature verification with jose, for exactly one algorithm: the one the strict header check
 * accepted for this issuer (RFC 8725 §3.1), so a key can never be used with an algorithm chosen by
 * the token. jose enforces the JOSE signature formats: ECDSA must be the 64-byte r‖s of RFC 7518
 * §3.4 (a DER-encoded signature fails), RSA keys at least 2048 bits.
 *
 * Every failure, whatever jose reports (bad signature, key of the wrong type for alg), is
 * ERR_JWS_SIGNATURE_INVALID: the input is not a signature we accept, and nothing more is said.
 */
export async function verifySignature(jws: string, alg: string, key: CryptoKey | Uint8Array): Promise<void> {
  try {
    await compactVerify(jws, key, { algorithms: [alg] });
  } catch (cause) {
    throw new GatewayError('ERR_JWS_SIGNATURE_INVALID', undefined, { cause });
  }
}

/**
 * The whole parse-and-verify core for one compact JWS and one known key: strict structure,
 * header rules, signature. Used by the verifier's pieces and by the Wycheproof vector tests.
 * Returns the parsed JWS (payload bytes still as signed).
 */
export async function verifyCompactWithKey(jws: string, rules: HeaderRules, key: CryptoKey | Uint8Array): Promise<ParsedCompact & { alg: string; kid: string }> {
  const parsed = parseCompact(jws);
  const { alg, kid } = checkHeader(parsed.header, rules);
  await verifySignature(jws, alg, key);
  return { ...parsed, alg, kid };
}
