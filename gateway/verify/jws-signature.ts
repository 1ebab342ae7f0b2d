import { compactVerify, type CryptoKey } from 'jose';
import { GatewayError } from '../errors/gateway-error.js';
import type { ParsedCompact } from './parse-compact.js';

/**
 * Signature verification for exactly one algorithm: the one the strict header check accepted for
 * this issuer (RFC 8725 §3.1), so a key can never be used with an algorithm chosen by the token.
 *
 * Issue 22: the compact JWS has already been split, decoded canonically and its header parsed
 * (parse-compact.ts) and checked (jws-header.ts), so the signature is checked here directly over
 * the JWS Signing Input (RFC 7515 §5.2 step 8: ASCII(BASE64URL(header) '.' BASE64URL(payload)))
 * and the decoded signature with WebCrypto's `subtle.verify` — the primitive jose.compactVerify
 * ends in — instead of handing the string to jose to split, decode and parse all over again. A CPU
 * profile of the pipeline showed that second parse, and jose's own checks around it, as the
 * largest cost besides the signature. The checks jose makes before `subtle.verify`
 * (lib/crypto_key.js checkSigCryptoKey, lib/subtle_dsa.js) are made here too:
 * - the key must be a public CryptoKey usable for `verify`, of the algorithm's family and curve
 *   (ES256 P-256, ES384 P-384, EdDSA Ed25519), RSA at least 2048 bits and imported for SHA-256;
 * - ECDSA signatures must be the fixed-length r‖s of RFC 7518 §3.4 (64 bytes for ES256, 96 for
 *   ES384): a DER-encoded signature is refused by length before any cryptography;
 * - RSA-PSS uses a salt of the hash length (32 bytes for PS256), as RFC 7518 §3.5 requires.
 * The Wycheproof JWS and raw ECDSA/Ed25519 vectors run through this function and through
 * `verifySignatureJose` (tests/verify/wycheproof.test.ts): both must give the same answer.
 *
 * WebCrypto is a global in Node and in browsers, so the verifier library shares this module
 * (tests/verify/browser-shareable.test.ts).
 *
 * Every failure is ERR_JWS_SIGNATURE_INVALID: the input is not a signature we accept, and nothing
 * more is said.
 */
export type SignatureCheck = (parsed: ParsedCompact, alg: string, key: CryptoKey | Uint8Array, jwk?: object) => Promise<void>;

export interface AlgSpec {
  /** The WebCrypto parameters of `subtle.verify` (RFC 7518 §3.3–3.5, RFC 8037 §3.1). */
  params: { name: string; hash?: string; saltLength?: number };
  keyAlgorithm: string;
  /** The hash an RSA key must have been imported with (WebCrypto verifies RSA with it). */
  keyHash?: string;
  /** Exact signature length in bytes, where the algorithm fixes it. */
  signatureBytes?: number;
  namedCurve?: string;
}

/** RSA keys below this modulus are refused (RFC 7518 §3.3, §3.5), as jose refuses them. */
const MIN_RSA_BITS = 2048;

const ALGORITHMS: Record<string, AlgSpec> = {
  ES256: { params: { name: 'ECDSA', hash: 'SHA-256' }, keyAlgorithm: 'ECDSA', signatureBytes: 64, namedCurve: 'P-256' },
  ES384: { params: { name: 'ECDSA', hash: 'SHA-384' }, keyAlgorithm: 'ECDSA', signatureBytes: 96, namedCurve: 'P-384' },
  EdDSA: { params: { name: 'Ed25519' }, keyAlgorithm: 'Ed25519', signatureBytes: 64 },
  RS256: { params: { name: 'RSASSA-PKCS1-v1_5' }, keyAlgorithm: 'RSASSA-PKCS1-v1_5', keyHash: 'SHA-256' },
  PS256: { params: { name: 'RSA-PSS', saltLength: 32 }, keyAlgorithm: 'RSA-PSS', keyHash: 'SHA-256' },
};

export function invalid(cause?: unknown): GatewayError {
  return new GatewayError('ERR_JWS_SIGNATURE_INVALID', undefined, cause === undefined ? undefined : { cause });
}

/** The JWS Signing Input: the compact JWS up to its last dot, one byte per character (parse-compact.ts allowed base64url only). */
export function signingInput(jws: string): Uint8Array<ArrayBuffer> {
  const end = jws.lastIndexOf('.');
  const bytes = new Uint8Array(end);
  for (let i = 0; i < end; i++) bytes[i] = jws.charCodeAt(i);
  return bytes;
}

/**
 * The checks jose makes before `subtle.verify`, shared with the Node-only check
 * (jws-signature-node.ts). Throws ERR_JWS_SIGNATURE_INVALID; returns the algorithm's parameters.
 */
export function checkKeyAndSignature(parsed: ParsedCompact, alg: string, key: CryptoKey | Uint8Array): AlgSpec {
  const spec = Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
  // A shared secret (Uint8Array) is never a verification key here: HS* and none are refused upstream.
  if (!spec || key instanceof Uint8Array) throw invalid();
  // Checked here although the key filter (jwk-filter.ts) already refuses such keys: this function
  // must not depend on every caller having filtered (jose's checkSigCryptoKey does the same).
  const keyAlgorithm = key.algorithm as { name: string } & { namedCurve?: string; modulusLength?: number; hash?: { name?: string } };
  if (key.type !== 'public' || keyAlgorithm.name !== spec.keyAlgorithm || !key.usages.includes('verify')) throw invalid();
  if (spec.namedCurve !== undefined && keyAlgorithm.namedCurve !== spec.namedCurve) throw invalid();
  if (spec.keyHash !== undefined && ((keyAlgorithm.modulusLength ?? 0) < MIN_RSA_BITS || keyAlgorithm.hash?.name !== spec.keyHash)) throw invalid();
  if (spec.signatureBytes !== undefined && parsed.signature.length !== spec.signatureBytes) throw invalid();
  return spec;
}

export const verifySignature: SignatureCheck = async (parsed, alg, key) => {
  const { params } = checkKeyAndSignature(parsed, alg, key);
  let ok: boolean;
  try {
    ok = await crypto.subtle.verify(params, key as CryptoKey, parsed.signature as Uint8Array<ArrayBuffer>, signingInput(parsed.jws));
  } catch (cause) {
    throw invalid(cause);
  }
  if (!ok) throw invalid();
};

/**
 * jose.compactVerify pinned to the one algorithm: what the gateway used before issue 22. The
 * Wycheproof vectors compare it with `verifySignature`, and the benchmark can load it
 * (`signatureCheck` of createGateway) to measure what the direct check saves.
 */
export const verifySignatureJose: SignatureCheck = async (parsed, alg, key) => {
  if (key instanceof Uint8Array) throw invalid();
  try {
    await compactVerify(parsed.jws, key, { algorithms: [alg] });
  } catch (cause) {
    throw invalid(cause);
  }
};
