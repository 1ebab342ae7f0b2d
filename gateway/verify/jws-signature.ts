import { compactVerify, type CryptoKey } from 'jose';
import { GatewayError } from '../errors/gateway-error.js';
import type { ParsedCompact } from './parse-compact.js';

/**
 * Signature verification for exactly one algorithm: the one the strict header check accepted for
 * this issuer (RFC 8725 §3.1), so a key can never be used with an algorithm chosen by the token.
 *
 * The check is jose.compactVerify, pinned to that one algorithm. jose, a well-kept library, makes
 * the checks a JWS signature needs (RFC 7515 §5.2): the key must be a public verification key of
 * the algorithm's family and curve, RSA at least 2048 bits and imported for the algorithm's hash,
 * ECDSA signatures the fixed-length r‖s of RFC 7518 §3.4, RSA-PSS with a salt of the hash length
 * (RFC 7518 §3.5). The compact JWS has already been parsed strictly (parse-compact.ts: canonical
 * base64url, one JSON object without duplicate names) and its header checked (jws-header.ts), so
 * jose sees only input with one meaning.
 *
 * Why jose and not our own node:crypto.verify path (kept for the benchmark in
 * bench/node-crypto-signature.ts): measured at the level users feel, POST /v1/verify over HTTP with
 * distinct codes, our path was not the 1.3× faster that would justify owning signature code in a
 * security gateway (docs/security-partner-keys.md has the figures and the command). jose runs on
 * WebCrypto, so this module needs no Node-only import and a browser verifier can share it.
 *
 * Every failure is ERR_JWS_SIGNATURE_INVALID: the input is not a signature we accept, and nothing
 * more is said.
 */
export type SignatureCheck = (parsed: ParsedCompact, alg: string, key: CryptoKey | Uint8Array) => Promise<void>;

function invalid(cause?: unknown): GatewayError {
  return new GatewayError('ERR_JWS_SIGNATURE_INVALID', undefined, cause === undefined ? undefined : { cause });
}

export const verifySignature: SignatureCheck = async (parsed, alg, key) => {
  // A shared secret (Uint8Array) is never a verification key here: HS* and none are refused upstream.
  if (key instanceof Uint8Array) throw invalid();
  try {
    await compactVerify(parsed.jws, key, { algorithms: [alg] });
  } catch (cause) {
    throw invalid(cause);
  }
};
