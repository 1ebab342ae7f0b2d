import { compactVerify } from 'jose';
import { GatewayError } from '../gateway/errors/gateway-error.js';
import type { SignatureCheck } from '../gateway/verify/jws-signature.js';

/**
 * The library's signature check: jose.compactVerify on WebCrypto, pinned to the one algorithm the
 * strict header check accepted for the issuer (RFC 8725 §3.1). jose checks what a JWS signature
 * needs (key type and curve for the algorithm, RSA ≥ 2048 bits, fixed-length ECDSA r‖s of RFC 7518
 * §3.4, the RSA-PSS salt length) in Node and in browsers alike. Every failure is
 * ERR_JWS_SIGNATURE_INVALID, as in the gateway.
 *
 * The same function as gateway/verify/jws-signature.ts on the branch that moves the gateway back
 * to jose; once that is merged this module can re-export it.
 */
export const joseSignatureCheck: SignatureCheck = async (parsed, alg, key) => {
  // A shared secret (Uint8Array) is never a verification key: HS* and none are refused upstream.
  if (key instanceof Uint8Array) throw new GatewayError('ERR_JWS_SIGNATURE_INVALID');
  try {
    await compactVerify(parsed.jws, key, { algorithms: [alg] });
  } catch (cause) {
    throw new GatewayError('ERR_JWS_SIGNATURE_INVALID', undefined, { cause });
  }
};
