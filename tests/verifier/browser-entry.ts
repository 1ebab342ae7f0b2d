/**
 * What the conformance test loads in Chromium: the verifier library as the page gets it, and the
 * library's signature core for the Wycheproof vectors (which carry no claims, so they can only be
 * compared below the claim checks): strict parsing, the header rules, the key as the library
 * imports it from a bundle, the shared signature check (jose).
 */
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { isGatewayError } from '../../gateway/errors/gateway-error.js';
import { checkHeader } from '../../gateway/verify/jws-header.js';
import { parseCompact } from '../../gateway/verify/parse-compact.js';
import { verifySignature } from '../../gateway/verify/jws-signature.js';

export * from '../../verifier/index.js';

export async function libraryCore(jws: string, algorithms: string[], jwk: Record<string, unknown> | null): Promise<string> {
  try {
    const parsed = parseCompact(jws);
    const header = checkHeader(parsed.header, { algorithms });
    if (jwk === null) return 'no key';
    const key = await importJWK(jwk as JWK, header.alg);
    await verifySignature(parsed, header.alg, key as CryptoKey);
    return 'valid';
  } catch (error) {
    if (isGatewayError(error)) return error.code;
    throw error;
  }
}
