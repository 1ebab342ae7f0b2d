import type { CryptoKey } from 'jose';
import { checkHeader, type HeaderRules } from './jws-header.js';
import { verifySignature, type SignatureCheck } from './jws-signature.js';
import { parseCompact, type ParsedCompact } from './parse-compact.js';

/**
 * The whole parse-and-verify core for one compact JWS and one known key: strict structure,
 * header rules, signature. Used by the Wycheproof and SMART Health Cards vector tests (with the
 * gateway's check, and with the benchmark's alternative). Returns the parsed JWS (payload bytes
 * still as signed).
 */
export async function verifyCompactWithKey(
  jws: string,
  rules: HeaderRules,
  key: CryptoKey | Uint8Array,
  check: SignatureCheck = verifySignature,
  jwk?: object,
): Promise<ParsedCompact & { alg: string; kid: string | undefined }> {
  const parsed = parseCompact(jws);
  const { alg, kid } = checkHeader(parsed.header, rules);
  await check(parsed, alg, key, jwk);
  return { ...parsed, alg, kid };
}
