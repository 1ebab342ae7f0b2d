import { createHmac, webcrypto } from 'node:crypto';
import request from 'supertest';
import type { TestGateway } from '../helpers/test-gateway.js';
import { PartnerCity, newKey, type CityKey } from './partner-city.js';
import { BEIJING } from './profiles.js';
import { gatewayWith, verify } from './setup.js';
import { metricLabelViolations } from '../helpers/metric-labels.js';

/**
 * Hostile codes posted to /v1/verify by anyone: each is refused with its own code inside a 200
 * { valid: false }, most of them before any cryptography and before any key is fetched. A key
 * server named by the token itself (jku, x5u) is never contacted.
 */
let beijing: PartnerCity;
let trap: PartnerCity;
let attacker: CityKey;
let gw: TestGateway;
const document = { type: 'resident_id' as const, number: '110101199001010028' };

beforeAll(async () => {
  beijing = await PartnerCity.start(BEIJING);
  trap = await PartnerCity.start({ ...BEIJING, id: 'trap' });
  attacker = await newKey('ES256');
  trap.published = [attacker];
  gw = await gatewayWith([beijing.partner()]);
});

afterAll(async () => {
  await gw.close();
  await beijing.close();
  await trap.close();
});

const b64 = (text: string): string => Buffer.from(text).toString('base64url');

/** Signs header and payload given as raw JSON text (so duplicates survive) with an ES256 key. */
async function rawSign(headerJson: string, payloadJson: string, key: CityKey = beijing.signingKey): Promise<string> {
  const input = `${b64(headerJson)}.${b64(payloadJson)}`;
  const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey as webcrypto.CryptoKey, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

const greenPayload = (): Promise<Record<string, unknown>> => beijing.payload({ color: '未见异常', now: gw.clock.now(), document });
const header = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ alg: 'ES256', kid: beijing.signingKey.kid, typ: 'jkb+jwt', ...extra });

async function refusal(code: string): Promise<string> {
  const body = await verify(gw, code);
  expect(body['valid']).toBe(false);
  expect(body['credential']).toBeUndefined();
  return String(body['error']?.code);
}

describe('hostile codes refused before any cryptography or key fetch', () => {
  afterEach(() => {
    expect(beijing.requests).toBe(0);
    expect(trap.requests).toBe(0);
  });

  it('refuses alg none with an empty signature', async () => {
    const code = `${b64(JSON.stringify(header({ alg: 'none' })))}.${b64(JSON.stringify(await greenPayload()))}.`;
    expect(await refusal(code)).toBe('ERR_JWS_ALG_NOT_ALLOWED');
  });

  it.each(['None', 'NONE'])('refuses alg %s whatever its case', async (alg) => {
    const code = `${b64(JSON.stringify(header({ alg })))}.${b64(JSON.stringify(await greenPayload()))}.`;
    expect(await refusal(code)).toBe('ERR_JWS_ALG_NOT_ALLOWED');
  });

  it('refuses HS256 signed with the partner\'s public key as the HMAC secret', async () => {
    const input = `${b64(JSON.stringify(header({ alg: 'HS256' })))}.${b64(JSON.stringify(await greenPayload()))}`;
    for (const secret of [JSON.stringify(beijing.signingKey.publicJwk), String(beijing.signingKey.publicJwk.x)]) {
      const mac = createHmac('sha256', secret).update(input).digest('base64url');
      expect(await refusal(`${input}.${mac}`)).toBe('ERR_JWS_ALG_NOT_ALLOWED');
    }
  });

  it('refuses an algorithm the partner is not pinned to even when the key could use it', async () => {
    for (const alg of ['ES384', 'RS256', 'EdDSA', 'ES256K']) {
      expect(await refusal(await rawSign(JSON.stringify(header({ alg })), JSON.stringify(await greenPayload())))).toBe('ERR_JWS_ALG_NOT_ALLOWED');
    }
  });

  it('refuses a jku header pointing at a loopback key server, which is never contacted', async () => {
    expect(await refusal(await beijing.sign(await greenPayload(), { key: attacker, kid: attacker.kid, header: { jku: trap.jwksUri } }))).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('refuses an x5u header pointing at a loopback server, which is never contacted', async () => {
    expect(await refusal(await beijing.sign(await greenPayload(), { key: attacker, header: { x5u: `${trap.base}/cert.pem` } }))).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('refuses a jwk header carrying the signer\'s own key', async () => {
    expect(await refusal(await beijing.sign(await greenPayload(), { key: attacker, header: { jwk: attacker.publicJwk } }))).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('refuses a crit header naming an extension', async () => {
    for (const crit of [['exp'], ['b64'], []]) {
      const h = JSON.stringify(header({ crit, exp: 1, b64: true }));
      expect(await refusal(await rawSign(h, JSON.stringify(await greenPayload())))).toBe('ERR_JWS_CRIT_UNSUPPORTED');
    }
  });

  it('refuses a header with a duplicate alg member', async () => {
    const h = `{"alg":"ES256","kid":"${beijing.signingKey.kid}","typ":"jkb+jwt","alg":"ES256"}`;
    expect(await refusal(await rawSign(h, JSON.stringify(await greenPayload())))).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('refuses a payload with a duplicate colour member, whichever reading would be green', async () => {
    const payload = JSON.stringify(await greenPayload()).replace('"status":"未见异常"', '"status":"集中观察","status":"未见异常"');
    expect(payload).toContain('"status":"集中观察","status":"未见异常"');
    expect(await refusal(await rawSign(JSON.stringify(header()), payload))).toBe('ERR_CODE_MALFORMED');
  });

  it('refuses a signature segment in non-canonical base64url', async () => {
    const code = await beijing.sign(await greenPayload());
    // 64 signature bytes are 86 characters; the low 4 bits of the last one are unused.
    const last = code.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) ^ 1]!;
    expect(Buffer.from(code.split('.')[2]!.slice(0, -1) + twin, 'base64url')).toEqual(Buffer.from(code.split('.')[2]!, 'base64url'));
    expect(await refusal(code.slice(0, -1) + twin)).toBe('ERR_CODE_MALFORMED');
  });

  it.each([
    ['padding', (c: string) => `${c}==`],
    ['standard base64 characters', (c: string) => c.replace(/-/g, '+').replace(/_/g, '/').replace(/\.([^.]*)$/, '.+$1')],
    ['an inner space', (c: string) => c.replace('.', '. ')],
    ['two segments', (c: string) => c.split('.').slice(0, 2).join('.')],
    ['four segments', (c: string) => `${c}.AAAA`],
  ])('refuses a code with %s as malformed', async (_what, mangle) => {
    expect(await refusal(mangle(await beijing.sign(await greenPayload())))).toBe('ERR_CODE_MALFORMED');
  });

  it('refuses a 5000-character code as too large, signed or not', async () => {
    const code = await beijing.sign({ ...(await greenPayload()), pad: 'x'.repeat(3300) });
    expect(code.length).toBeGreaterThan(4500);
    expect(code.length).toBeLessThan(5500);
    expect(await refusal(code)).toBe('ERR_CODE_TOO_LARGE');
    expect(await refusal('A'.repeat(5000))).toBe('ERR_CODE_TOO_LARGE');
  });

  it('refuses a header that is not JSON, and a kid that is missing or too long', async () => {
    const p = b64(JSON.stringify(await greenPayload()));
    expect(await refusal(`${b64('not json')}.${p}.AAAA`)).toBe('ERR_JWS_HEADER_INVALID');
    expect(await refusal(await rawSign(JSON.stringify({ alg: 'ES256', typ: 'jkb+jwt' }), JSON.stringify(await greenPayload())))).toBe('ERR_JWS_HEADER_INVALID');
    expect(await refusal(await beijing.sign(await greenPayload(), { kid: 'k'.repeat(500) }))).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('refuses a typ the partner does not use', async () => {
    expect(await refusal(await beijing.sign(await greenPayload(), { header: { typ: 'JWT' } }))).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('refuses a compressed payload from a partner that does not compress', async () => {
    const { deflateRawSync } = await import('node:zlib');
    const h = b64(JSON.stringify(header({ zip: 'DEF' })));
    const p = deflateRawSync(Buffer.from(JSON.stringify(await greenPayload()))).toString('base64url');
    expect(await refusal(`${h}.${p}.AAAA`)).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('refuses shc:/ text with an odd number of digits', async () => {
    expect(await refusal('shc:/567629595')).toBe('ERR_CODE_MALFORMED');
  });
});

describe('hostile codes refused by the signature or the claims', () => {
  it('refuses a genuine code whose payload was edited from red to green', async () => {
    const red = await beijing.code({ color: '集中观察', now: gw.clock.now(), document });
    const [h, p, s] = red.split('.') as [string, string, string];
    const edited = Buffer.from(p, 'base64url').toString('utf8').replace('集中观察', '未见异常');
    expect(await refusal(`${h}.${b64(edited)}.${s}`)).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  it('refuses a signature in DER form instead of the raw r‖s of RFC 7518', async () => {
    const { sign } = await import('node:crypto');
    const { KeyObject } = await import('node:crypto');
    const input = `${b64(JSON.stringify(header()))}.${b64(JSON.stringify(await greenPayload()))}`;
    const der = sign('sha256', Buffer.from(input), KeyObject.from(beijing.signingKey.privateKey as webcrypto.CryptoKey));
    expect(await refusal(`${input}.${der.toString('base64url')}`)).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  it('refuses a code signed by a key the partner never published under a kid it does publish', async () => {
    expect(await refusal(await beijing.sign(await greenPayload(), { key: { ...attacker, kid: beijing.signingKey.kid } }))).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  it('refuses a code without exp', async () => {
    const payload = await greenPayload();
    delete payload['exp'];
    expect(await refusal(await beijing.sign(payload))).toBe('ERR_CLAIMS_INVALID');
  });

  it('refuses a code issued in the future and one not valid yet', async () => {
    const later = gw.clock.now() + 3_600_000;
    expect(await refusal(await beijing.code({ color: '未见异常', now: later, document }))).toBe('ERR_TOKEN_ISSUED_IN_FUTURE');
    const payload = { ...(await greenPayload()), nbf: Math.floor(later / 1000) };
    expect(await refusal(await beijing.sign(payload))).toBe('ERR_TOKEN_NOT_YET_VALID');
  });
});

describe('requests without a string code', () => {
  it.each([
    ['an empty object', {}],
    ['a number', { code: 42 }],
    ['null', { code: null }],
    ['an array', { code: ['eyJ'] }],
    ['an object', { code: { jws: 'eyJ' } }],
    ['an extra member', { code: 'eyJ.eyJ.AAAA', color: 'green' }],
  ])('answers 400 ERR_VALIDATION for a body whose code is %s', async (_what, body) => {
    const res = await request(gw.app).post('/v1/verify').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ERR_VALIDATION');
  });

  it('answers a JSON array, broken JSON and an oversized body with 4xx codes, never 500', async () => {
    const array = await request(gw.app).post('/v1/verify').send([{ code: 'x' }]);
    expect(array.status).toBe(400);
    expect(array.body.error.code).toBe('ERR_VALIDATION');
    const broken = await request(gw.app).post('/v1/verify').set('content-type', 'application/json').send('{"code":');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('ERR_INVALID_JSON');
    const huge = await request(gw.app).post('/v1/verify').send({ code: 'A'.repeat(40_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('ERR_BODY_TOO_LARGE');
  });
});

describe('after the suite', () => {
  it('every metric label is still within its bounded set', async () => {
    expect(await metricLabelViolations(gw)).toEqual([]);
  });
});
