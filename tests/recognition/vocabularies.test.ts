import { validator } from '../../gateway/schemas/registry.js';
import type { NormalizedCredential } from '../../gateway/types/schemas.js';
import type { TestGateway } from '../helpers/test-gateway.js';
import { PartnerCity } from './partner-city.js';
import { BEIJING, HANGZHOU } from './profiles.js';
import { gatewayWith, verify, verdict } from './setup.js';

/** Two cities with different claim layouts and vocabularies, verified by one gateway over HTTP. */
let beijing: PartnerCity;
let hangzhou: PartnerCity;
let gw: TestGateway;
const credentialSchema = validator<NormalizedCredential>('normalized-credential');
const document = { type: 'resident_id' as const, number: '110101199001010028' };

beforeAll(async () => {
  beijing = await PartnerCity.start(BEIJING);
  hangzhou = await PartnerCity.start(HANGZHOU);
  gw = await gatewayWith([beijing.partner(), hangzhou.partner()]);
});

afterAll(async () => {
  await gw.close();
  await beijing.close();
  await hangzhou.close();
});

async function credentialFor(city: PartnerCity, color: string | number): Promise<NormalizedCredential> {
  const body = await verify(gw, await city.code({ color, now: gw.clock.now(), document }));
  expect(body).toMatchObject({ valid: true });
  expect(credentialSchema(body['credential'])).toBe(true);
  return body['credential'] as NormalizedCredential;
}

describe('codes of two partner cities with different layouts and vocabularies', () => {
  it.each([
    ['未见异常', 'green', false],
    ['居家观察', 'yellow', false],
    ['集中观察', 'red', false],
    ['弹窗', 'yellow', true],
  ])('maps Beijing status %s to %s (advisory %s) and keeps the source value', async (source, color, advisory) => {
    const credential = await credentialFor(beijing, source);
    expect(credential).toMatchObject({
      color,
      sourceColor: source,
      advisory,
      colorMapVersion: '2020-06',
      issuer: { partnerId: 'beijing', name: '北京市', region: '110000', iss: beijing.issuer },
      subject: { nameMasked: '张*猛', documentType: 'resident_id', documentMasked: '1101**********002X' },
    });
  });

  it.each([
    [0, 'red'],
    [1, 'yellow'],
    [2, 'green'],
  ])('maps Hangzhou integer %s to %s with its EdDSA key and its own layout', async (source, color) => {
    const credential = await credentialFor(hangzhou, source);
    expect(credential).toMatchObject({ color, sourceColor: source, advisory: false, colorMapVersion: '3', issuer: { partnerId: 'hangzhou', region: '330100' } });
    expect(credential.subject).toEqual({ nameMasked: '张*猛', documentType: 'resident_id', documentMasked: '1101**********002X' });
  });

  it('verifies the same code given as SMART Health Cards numeric QR text and as a URL fragment', async () => {
    const jws = await beijing.code({ color: '未见异常', now: gw.clock.now(), document });
    const numeric = `shc:/${[...jws].map((c) => String(c.charCodeAt(0) - 45).padStart(2, '0')).join('')}`;
    for (const text of [numeric, `https://jkb.beijing.example/scan#${jws}`, `  ${jws}\n`]) {
      expect((await verify(gw, text))['credential']).toMatchObject({ color: 'green', issuer: { partnerId: 'beijing' } });
    }
  });

  it('reports the issue and expiry times of the code in the normalised credential', async () => {
    const credential = await credentialFor(hangzhou, 2);
    expect(credential.issuedAt).toBe(new Date(Math.floor(gw.clock.now() / 1000) * 1000).toISOString());
    expect(Date.parse(credential.expiresAt) - Date.parse(credential.issuedAt)).toBe(900_000);
  });

  it.each([
    ['Beijing', '紫码'],
    ['Beijing', '灰码'],
    ['Beijing', 'green'],
    ['Beijing', 'constructor'],
    ['Beijing', 2],
    ['Hangzhou', 7],
    ['Hangzhou', -1],
    ['Hangzhou', 2.5],
    ['Hangzhou', '2'],
    ['Hangzhou', 'green'],
  ])('refuses a %s code whose colour value %p its map does not name, never green', async (name, value) => {
    const city = name === 'Beijing' ? beijing : hangzhou;
    const body = await verify(gw, await city.code({ color: value as string | number, now: gw.clock.now(), document }));
    expect(body['valid']).toBe(false);
    expect(body['error'].code).toBe('ERR_COLOR_UNMAPPED');
    expect(body['credential']).toBeUndefined();
  });

  it('refuses a code whose colour claim is an object or missing', async () => {
    const payload = await beijing.payload({ color: '未见异常', now: gw.clock.now(), document });
    (payload['hc'] as Record<string, unknown>)['status'] = { value: '未见异常' };
    expect(await verdict(gw, await beijing.sign(payload))).toBe('ERR_COLOR_UNMAPPED');
    delete (payload['hc'] as Record<string, unknown>)['status'];
    expect(await verdict(gw, await beijing.sign(payload))).toBe('ERR_COLOR_UNMAPPED');
  });

  it('does not read one city\'s colour word through another city\'s map', async () => {
    // 未见异常 at Hangzhou's pointer: Hangzhou speaks integers only.
    const payload = await hangzhou.payload({ color: '未见异常', now: gw.clock.now(), document });
    expect(await verdict(gw, await hangzhou.sign(payload))).toBe('ERR_COLOR_UNMAPPED');
  });

  it('refuses a partner code that expired by the gateway clock', async () => {
    const code = await beijing.code({ color: '未见异常', now: gw.clock.now() - 3_600_000, document });
    expect(await verdict(gw, code)).toBe('ERR_TOKEN_EXPIRED');
  });
});
