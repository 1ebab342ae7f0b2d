import { constants, KeyObject, verify as cryptoVerify, webcrypto } from 'node:crypto';
import type { CryptoKey } from 'jose';
import { GatewayError } from '../gateway/errors/gateway-error.js';
import type { SignatureCheck } from '../gateway/verify/jws-signature.js';
import type { ParsedCompact } from '../gateway/verify/parse-compact.js';

/**
 * BENCH ONLY: the gateway's former hand-written signature check over node:crypto.verify, kept so
 * that `npm run bench -- --only=signature` can compare it with jose.compactVerify (which the
 * gateway uses: gateway/verify/jws-signature.ts) in the same run, and so the Wycheproof vectors
 * keep proving the comparison is between two correct checks (tests/verify/wycheproof.test.ts).
 *
 * Signature verification for exactly one algorithm: the one the strict header check accepted for
 * this issuer (RFC 8725 §3.1), so a key can never be used with an algorithm chosen by the token.
 *
 * The compact JWS has already been split, base64url-decoded (canonically) and its header parsed
 * (parse-compact.ts), so the signature is checked here directly over the JWS
 * Signing Input (RFC 7515 §5.2 step 8: ASCII(BASE64URL(header) '.' BASE64URL(payload))) and the
 * decoded signature, instead of handing the string to jose.compactVerify to split, decode and
 * parse all over again. The primitives and parameters are the ones jose uses (RFC 7518 §3.3–3.5,
 * RFC 8037 §3.1), run by node:crypto.verify on the thread pool (see verifyOnPool), and the checks
 * jose makes are made here too:
 * - ECDSA signatures must be the fixed-length r‖s of RFC 7518 §3.4 (64 bytes for ES256, 96 for
 *   ES384): a DER-encoded signature is refused by length before any cryptography;
 * - the key must be a public verification key of the algorithm's family (its CryptoKey was
 *   imported by jose for this very algorithm, jwk-filter.ts; RSA keys are at least 2048 bits there);
 * - RSA-PSS uses a salt of the hash length (32 bytes for PS256), as RFC 7518 §3.5 requires.
 * The Wycheproof JWS vectors (tests/verify/wycheproof.test.ts) run through this function.
 *
 * Every failure is ERR_JWS_SIGNATURE_INVALID: the input is not a signature we accept, and nothing
 * more is said.
 */
interface AlgParams {
  /** The digest node:crypto.verify is given (null for Ed25519, which has its own). */
  hash: string | null;
  keyAlgorithm: string;
  /** The hash an RSA CryptoKey must have been imported with (WebCrypto would verify with it). */
  keyHash?: string;
  /** Exact signature length in bytes, where the algorithm fixes it. */
  signatureBytes?: number;
  /** The curve an ECDSA key must be on (RFC 7518 §3.4: ES256 is P-256, ES384 is P-384). */
  namedCurve?: string;
  /** ECDSA: the raw r‖s form of RFC 7518 §3.4, as WebCrypto reads it. */
  dsaEncoding?: 'ieee-p1363';
  padding?: number;
  saltLength?: number;
}

/** RSA keys below this modulus are refused (RFC 7518 §3.3, §3.5). */
const MIN_RSA_BITS = 2048;

const ALGORITHMS: Record<string, AlgParams> = {
  ES256: { hash: 'sha256', keyAlgorithm: 'ECDSA', signatureBytes: 64, namedCurve: 'P-256', dsaEncoding: 'ieee-p1363' },
  ES384: { hash: 'sha384', keyAlgorithm: 'ECDSA', signatureBytes: 96, namedCurve: 'P-384', dsaEncoding: 'ieee-p1363' },
  EdDSA: { hash: null, keyAlgorithm: 'Ed25519', signatureBytes: 64 },
  RS256: { hash: 'sha256', keyAlgorithm: 'RSASSA-PKCS1-v1_5', keyHash: 'SHA-256', padding: constants.RSA_PKCS1_PADDING },
  PS256: { hash: 'sha256', keyAlgorithm: 'RSA-PSS', keyHash: 'SHA-256', padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
};

function invalid(cause?: unknown): GatewayError {
  return new GatewayError('ERR_JWS_SIGNATURE_INVALID', undefined, cause === undefined ? undefined : { cause });
}

/**
 * The KeyObject behind each CryptoKey, made once per key: node:crypto.verify takes KeyObjects.
 * Weak, so a key rotated out of every cache is not kept alive here.
 */
const keyObjects = new WeakMap<webcrypto.CryptoKey, KeyObject>();

function keyObjectOf(cryptoKey: webcrypto.CryptoKey): KeyObject {
  let keyObject = keyObjects.get(cryptoKey);
  if (!keyObject) {
    keyObject = KeyObject.from(cryptoKey);
    keyObjects.set(cryptoKey, keyObject);
  }
  return keyObject;
}

/**
 * node:crypto.verify with a callback: the same native job WebCrypto's subtle.verify creates (it
 * runs on the libuv thread pool, never on the main thread), without WebCrypto's per-call
 * algorithm normalisation and WebIDL conversions, which cost the main thread more than the rest
 * of the pipeline's parsing.
 */
function verifyOnPool(spec: AlgParams, keyObject: KeyObject, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const key = spec.dsaEncoding !== undefined
    ? { key: keyObject, dsaEncoding: spec.dsaEncoding }
    : spec.padding !== undefined
      ? { key: keyObject, padding: spec.padding, ...(spec.saltLength === undefined ? {} : { saltLength: spec.saltLength }) }
      : keyObject;
  return new Promise((resolve, reject) => {
    cryptoVerify(spec.hash, data, key, signature, (error, ok) => (error ? reject(error) : resolve(ok)));
  });
}

export const verifySignatureNodeCrypto: SignatureCheck = async (parsed: ParsedCompact, alg: string, key: CryptoKey | Uint8Array): Promise<void> => {
  const spec = Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
  // A shared secret (Uint8Array) is never a verification key here: HS* and none are refused upstream.
  if (!spec || key instanceof Uint8Array) throw invalid();
  const cryptoKey = key as unknown as webcrypto.CryptoKey;
  if (cryptoKey.type !== 'public' || cryptoKey.algorithm.name !== spec.keyAlgorithm || !cryptoKey.usages.includes('verify')) throw invalid();
  // Checked again here although the key filter (jwk-filter.ts) already refuses such keys: this
  // function must not depend on every caller having filtered (jose's checkSigCryptoKey does the same).
  const keyAlgorithm = cryptoKey.algorithm as { namedCurve?: string; modulusLength?: number; hash?: { name?: string } };
  if (spec.namedCurve !== undefined && keyAlgorithm.namedCurve !== spec.namedCurve) throw invalid();
  if (spec.keyAlgorithm.startsWith('RSA') && (keyAlgorithm.modulusLength ?? 0) < MIN_RSA_BITS) throw invalid();
  // WebCrypto verifies RSA with the hash the key was imported for; RS256/PS256 need SHA-256.
  if (spec.keyHash !== undefined && keyAlgorithm.hash?.name !== spec.keyHash) throw invalid();
  if (spec.signatureBytes !== undefined && parsed.signature.length !== spec.signatureBytes) throw invalid();
  const signingInput = Buffer.from(parsed.jws.slice(0, parsed.jws.lastIndexOf('.')), 'latin1');
  let ok: boolean;
  try {
    ok = await verifyOnPool(spec, keyObjectOf(cryptoKey), signingInput, parsed.signature);
  } catch (cause) {
    throw invalid(cause);
  }
  if (!ok) throw invalid();
};
