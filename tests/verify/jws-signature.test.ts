import { webcrypto } from 'node:crypto';
import { verifySignature as webCryptoCheck, verifySignatureJose, type SignatureCheck } from '../../gateway/verify/jws-signature.js';
import { verifySignatureNode } from '../../gateway/verify/jws-signature-node.js';
import { parseCompact } from '../../gateway/verify/parse-compact.js';
import type { CryptoKey } from 'jose';

/**
 * The signature layer refuses keys the key filter would already refuse (jwk-filter.ts), so that
 * it stays safe for any caller: a key on the wrong curve, an RSA key under 2048 bits or imported
 * for another hash.
 */
const b64u = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

async function signed(alg: string, params: webcrypto.AlgorithmIdentifier | webcrypto.EcdsaParams, privateKey: webcrypto.CryptoKey): Promise<string> {
  const input = `${b64u(JSON.stringify({ alg, kid: 'k1', typ: 'health-code+jwt' }))}.${b64u(JSON.stringify({ iss: 'https://partner.example' }))}`;
  const signature = new Uint8Array(await webcrypto.subtle.sign(params, privateKey, Buffer.from(input)));
  return `${input}.${b64u(signature)}`;
}

/**
 * Every check the gateway has: WebCrypto over the parsed JWS (browsers, the verifier library),
 * node:crypto on the thread pool (the gateway on Node; the key's JWK is exported the way the key
 * filter keeps it), and jose.compactVerify (the check before issue 22).
 */
const withJwk = (check: SignatureCheck): SignatureCheck => async (parsed, alg, key) => {
  const jwk = await webcrypto.subtle.exportKey('jwk', key as unknown as webcrypto.CryptoKey).catch(() => undefined);
  return check(parsed, alg, key, jwk);
};
const CHECKS: Array<[string, SignatureCheck]> = [['WebCrypto', webCryptoCheck], ['node:crypto', withJwk(verifySignatureNode)], ['jose', verifySignatureJose]];

describe.each(CHECKS)('the %s signature check', (_name, verifySignature) => {
  it('accepts an RS256 signature of a 2048-bit key, the control for the refusal below', async () => {
    const keys = await webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']);
    const jws = await signed('RS256', { name: 'RSASSA-PKCS1-v1_5' }, keys.privateKey);
    await expect(verifySignature(parseCompact(jws), 'RS256', keys.publicKey as unknown as CryptoKey)).resolves.toBeUndefined();
  });

  it('refuses a genuine RS256 signature made with a 1024-bit RSA key', async () => {
    const keys = await webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']);
    const jws = await signed('RS256', { name: 'RSASSA-PKCS1-v1_5' }, keys.privateKey);
    await expect(verifySignature(parseCompact(jws), 'RS256', keys.publicKey as unknown as CryptoKey)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
  });

  it('refuses RS256 with an RSA key imported for SHA-384, though the signature is a genuine SHA-256 one', async () => {
    // One RSA key pair: the private half signs RS256 (SHA-256); the public half is offered twice,
    // imported for SHA-256 (the control: accepted) and for SHA-384 (refused, as jose refuses it).
    const pair = await webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']);
    const jws = await signed('RS256', { name: 'RSASSA-PKCS1-v1_5' }, pair.privateKey);
    const spki = await webcrypto.subtle.exportKey('spki', pair.publicKey);
    const publicFor = (hash: string): Promise<webcrypto.CryptoKey> => webcrypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash }, true, ['verify']);
    await expect(verifySignature(parseCompact(jws), 'RS256', (await publicFor('SHA-256')) as unknown as CryptoKey)).resolves.toBeUndefined();
    await expect(verifySignature(parseCompact(jws), 'RS256', (await publicFor('SHA-384')) as unknown as CryptoKey)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
  });

  // The curve check itself cannot be told apart from the fixed r‖s length here (a P-384 signature
  // is 96 bytes, ES256 expects 64): this asserts the outcome, whichever check refuses first.
  it('refuses ES256 with a P-384 key and a signature that verifies on that curve', async () => {
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
    const jws = await signed('ES256', { name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey);
    await expect(verifySignature(parseCompact(jws), 'ES256', keys.publicKey as unknown as CryptoKey)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
  });
});
