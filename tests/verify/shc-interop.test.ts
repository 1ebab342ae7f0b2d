import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { resolve } from 'node:path';
import { importJWK, type CryptoKey } from 'jose';
import type { Partner, PublicJwk } from '../../gateway/types/schemas.js';
import { checkTimeClaims } from '../../gateway/verify/claims.js';
import { decodeCode } from '../../gateway/verify/decode-qr.js';
import { verifyCompactWithKey } from '../../gateway/verify/verify-compact.js';
import { decodePayload } from '../../gateway/verify/parse-compact.js';
import { createVerifier, type VerifyOutcome } from '../../gateway/verify/verify-code.js';
import { FakeKeySource, makeKey, makePartner } from './fixtures.js';
import { sharedPath } from '../helpers/environment.js';

/**
 * SMART Health Cards interop: real credentials from an issuer outside this project (the SHC spec
 * examples) and the negative cases of the SHC dev tools, read from <repo root>/../shared.
 */
const SHC_DIR = sharedPath('interop', 'shc') ?? '';
const present = SHC_DIR !== '';
const describeShc = present ? describe : describe.skip;

const read = (file: string) => readFileSync(resolve(SHC_DIR, file), 'utf8');
const SPEC_ISS = 'https://spec.smarthealth.cards/examples/issuer';
const FOO_ISS = 'https://foo.smarthealth.cards/examples/issuer';
const KID_1 = '3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s';
const KID_2 = 'EBKOr72QQDcTBUuVzAzkfBTGew0ZA16GuWty64nS-sw';
const NOW = Date.UTC(2023, 6, 1); // after every example's nbf

/** The spec issuer as a partner: ES256 only, zip "DEF" required, the card type standing in for a colour. */
function shcPartner(id: string, issuer: string): Partner {
  return makePartner({
    id,
    name: 'SMART Health Cards spec examples',
    region: '000000',
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    algorithms: ['ES256'],
    zip: 'DEF',
    claims: { color: '/vc/type/0', credentialId: '/vc/rid' },
    colorMap: { version: 'shc-test-1', valueType: 'string', values: { 'https://smarthealth.cards#health-card': 'green' } },
  });
}

describeShc('SMART Health Cards interop (spec examples and dev-tools negatives)', () => {
  let specKeys: PublicJwk[];

  beforeAll(() => {
    specKeys = (JSON.parse(read('spec-examples/issuer/.well-known/jwks.json')) as { keys: PublicJwk[] }).keys;
  });

  async function setup(registerFoo: boolean) {
    const partners = [shcPartner('shc-spec', SPEC_ISS)];
    const sets: Record<string, PublicJwk[]> = { 'shc-spec': specKeys };
    if (registerFoo) {
      partners.push(shcPartner('shc-foo', FOO_ISS));
      sets['shc-foo'] = [(await makeKey('ES256')).publicJwk]; // foo's own keys, not the spec issuer's
    }
    const keySource = new FakeKeySource(sets);
    const verify = createVerifier({
      registry: { byIssuer: (iss) => partners.find((p) => p.issuer === iss) },
      keySource,
      now: () => NOW,
      clockToleranceSeconds: 60,
    });
    return { verify, keySource };
  }

  const codeOf = (outcome: VerifyOutcome) => (outcome.valid ? 'valid' : outcome.error.code);

  it('verifies the signature of example-00 and then refuses it only because SHC cards carry no exp', async () => {
    const { verify, keySource } = await setup(false);
    expect(codeOf(await verify(read('spec-examples/example-00-d-jws.txt')))).toBe('ERR_CLAIMS_INVALID');
    // The key was looked up in the spec issuer's own set, so iss, header and zip rules had passed.
    expect(keySource.calls).toEqual([{ partnerId: 'shc-spec', kid: KID_1, alg: 'ES256' }]);
  });

  it('reads example-00 from its shc:/ numeric QR text exactly as from the JWS', async () => {
    const qr = read('spec-examples/example-00-f-qr-code-numeric-value-0.txt');
    expect(decodeCode(qr)).toBe(read('spec-examples/example-00-d-jws.txt'));
    const { verify, keySource } = await setup(false);
    expect(codeOf(await verify(qr))).toBe('ERR_CLAIMS_INVALID');
    expect(keySource.calls).toHaveLength(1);
  });

  it('reads example-00 from the .smart-health-card file format', () => {
    const file = JSON.parse(read('spec-examples/example-00-e-file.smart-health-card')) as { verifiableCredential: string[] };
    expect(file.verifiableCredential[0]).toBe(read('spec-examples/example-00-d-jws.txt'));
  });

  it('accepts the signature of example-00 with the parse-and-verify core and inflates the payload byte for byte', async () => {
    const key = (await importJWK({ ...specKeys.find((k) => k.kid === KID_1)! }, 'ES256')) as CryptoKey;
    const parsed = await verifyCompactWithKey(read('spec-examples/example-00-d-jws.txt'), { algorithms: ['ES256'], zip: 'DEF' }, key);
    expect(parsed.header).toEqual({ zip: 'DEF', alg: 'ES256', kid: KID_1 });
    const minified = read('spec-examples/example-00-c-jws-payload-minified.json');
    expect(inflateRawSync(parsed.payloadBytes).toString('utf8')).toBe(minified);
    const payload = decodePayload(parsed);
    expect(payload['iss']).toBe(SPEC_ISS);
    expect(payload['exp']).toBeUndefined();
  });

  it('accepts the non-integer nbf 1687450764.656 of example-00 as a NumericDate', async () => {
    const nbf = Number(read('spec-examples/example-00-nbf.txt'));
    const key = (await importJWK({ ...specKeys.find((k) => k.kid === KID_1)! }, 'ES256')) as CryptoKey;
    const payload = decodePayload(await verifyCompactWithKey(read('spec-examples/example-00-d-jws.txt'), { algorithms: ['ES256'], zip: 'DEF' }, key));
    expect(payload['nbf']).toBe(nbf);
    expect(nbf).toBe(1687450764.656);
    const claims = { ...payload, iat: nbf, exp: nbf + 3600, jti: 'example-00' };
    expect(checkTimeClaims(claims, Date.parse('2023-06-22T16:19:25Z'), 0).nbf).toBe(1687450764.656);
    // The fraction counts: 300 ms before nbf, with no tolerance, the code is not valid yet.
    expect(() => checkTimeClaims(claims, Date.parse('2023-06-22T16:19:24.356Z'), 0)).toThrow(expect.objectContaining({ code: 'ERR_TOKEN_NOT_YET_VALID' }));
  });

  it('verifies the signatures of example-01 (the x5c key) and example-03, which again lack exp', async () => {
    const { verify, keySource } = await setup(false);
    expect(codeOf(await verify(read('spec-examples/example-01-d-jws.txt')))).toBe('ERR_CLAIMS_INVALID');
    expect(codeOf(await verify(read('spec-examples/example-03-d-jws.txt')))).toBe('ERR_CLAIMS_INVALID');
    expect(keySource.calls.map((c) => c.kid)).toEqual([KID_2, KID_1]);
  });

  it('refuses the example with a broken signature', async () => {
    const { verify } = await setup(false);
    expect(codeOf(await verify(read('devtools-negative/test-example-00-d-jws-invalid-signature.txt')))).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  it('refuses the example whose ECDSA signature is DER-encoded instead of r‖s', async () => {
    const { verify } = await setup(false);
    const jws = read('devtools-negative/test-example-00-d-jws-der-signature.txt');
    expect(Buffer.from(jws.split('.')[2]!, 'base64url').length).toBe(70);
    expect(codeOf(await verify(jws))).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  it('refuses a foo-issuer card signed with the spec key: unknown issuer when foo is not registered', async () => {
    const { verify, keySource } = await setup(false);
    expect(codeOf(await verify(read('devtools-negative/test-example-00-d-jws-issuer-not-valid-with-smart-key.txt')))).toBe('ERR_ISSUER_UNKNOWN');
    expect(keySource.calls).toHaveLength(0);
  });

  it('refuses a foo-issuer card signed with the spec key: unknown kid when foo is registered with its own keys', async () => {
    const { verify, keySource } = await setup(true);
    expect(codeOf(await verify(read('devtools-negative/test-example-00-d-jws-issuer-not-valid-with-smart-key.txt')))).toBe('ERR_KID_UNKNOWN');
    expect(keySource.calls).toEqual([{ partnerId: 'shc-foo', kid: KID_1, alg: 'ES256' }]);
  });

  it('refuses the example whose header kid is not in the issuer JWKS', async () => {
    const { verify } = await setup(false);
    expect(codeOf(await verify(read('devtools-negative/test-example-00-d-jws-wrong_jws_header_kid.txt')))).toBe('ERR_KID_UNKNOWN');
  });

  it('refuses the uncompressed example because this issuer requires zip "DEF", before any key lookup', async () => {
    const { verify, keySource } = await setup(false);
    expect(codeOf(await verify(read('devtools-negative/test-example-00-d-jws-no_deflate.txt')))).toBe('ERR_JWS_HEADER_INVALID');
    expect(keySource.calls).toHaveLength(0);
  });

  it('refuses numeric QR text with a digit pair above 77 or an odd number of digits', async () => {
    const { verify } = await setup(false);
    expect(codeOf(await verify(read('devtools-negative/test-example-00-f-qr-code-numeric-value-0-number-too-big.txt')))).toBe('ERR_CODE_MALFORMED');
    expect(codeOf(await verify(read('devtools-negative/test-example-00-f-qr-code-numeric-value-0-odd-count.txt')))).toBe('ERR_CODE_MALFORMED');
  });
});
