import { constants, createPublicKey, verify as cryptoVerify, type JsonWebKey, type KeyObject, type VerifyKeyObjectInput, type VerifyPublicKeyInput } from 'node:crypto';
import { checkKeyAndSignature, invalid, verifySignature, type SignatureCheck } from './jws-signature.js';

/**
 * The gateway's signature check on Node (issue 22): the same checks as jws-signature.ts (which the
 * verifier library runs in browsers), then `node:crypto.verify` with a callback over the
 * already-parsed JWS. Why not WebCrypto here: on Node 24 `subtle.verify` runs the signature on
 * the main thread (its job mode is synchronous: a CPU profile of the pipeline put a quarter of all
 * samples in `jobPromise`), so every verification held the one JavaScript thread for the whole
 * ECDSA check. node:crypto.verify with a callback runs the same OpenSSL verification as a job on
 * the libuv thread pool, so the main thread goes on parsing the next code meanwhile.
 *
 * The KeyObject is made once per published key, from its JWK (`KeyObject.from` of a
 * non-extractable CryptoKey is deprecated, DEP0204), and kept beside it in a WeakMap, so a key
 * rotated out of every cache is not kept alive here. Without the JWK (a caller that has only the
 * CryptoKey) the WebCrypto check runs instead.
 */
const HASH: Record<string, string | null> = { ES256: 'sha256', ES384: 'sha384', EdDSA: null, RS256: 'sha256', PS256: 'sha256' };

const keyObjects = new WeakMap<object, KeyObject>();

/** The KeyObject of a published key, or undefined when node:crypto cannot read its JWK (WebCrypto decides then). */
function keyObjectOf(jwk: object): KeyObject | undefined {
  let keyObject = keyObjects.get(jwk);
  if (!keyObject) {
    try {
      keyObject = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      return undefined;
    }
    keyObjects.set(jwk, keyObject);
  }
  return keyObject;
}

function verifyInput(alg: string, keyObject: KeyObject): VerifyKeyObjectInput | VerifyPublicKeyInput | KeyObject {
  if (alg === 'ES256' || alg === 'ES384') return { key: keyObject, dsaEncoding: 'ieee-p1363' };
  if (alg === 'RS256') return { key: keyObject, padding: constants.RSA_PKCS1_PADDING };
  if (alg === 'PS256') return { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
  return keyObject;
}

export const verifySignatureNode: SignatureCheck = async (parsed, alg, key, jwk) => {
  checkKeyAndSignature(parsed, alg, key);
  const keyObject = jwk === undefined ? undefined : keyObjectOf(jwk);
  if (keyObject === undefined) return verifySignature(parsed, alg, key);
  const data = Buffer.from(parsed.jws.slice(0, parsed.jws.lastIndexOf('.')), 'latin1');
  let ok: boolean;
  try {
    const input = verifyInput(alg, keyObject);
    ok = await new Promise<boolean>((resolve, reject) => {
      cryptoVerify(HASH[alg] ?? null, data, input, parsed.signature, (error, valid) => (error ? reject(error) : resolve(valid)));
    });
  } catch (cause) {
    throw invalid(cause);
  }
  if (!ok) throw invalid();
};
