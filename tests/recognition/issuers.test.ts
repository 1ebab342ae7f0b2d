import type { TestGateway } from '../helpers/test-gateway.js';
import { PartnerCity, type CityKey } from './partner-city.js';
import { BEIJING, HANGZHOU, SHANGHAI } from './profiles.js';
import { gatewayWith, verdict } from './setup.js';
import { metricLabelViolations } from '../helpers/metric-labels.js';

/**
 * Keys belong to their issuer: a code that names one partner in `iss` and carries another
 * partner's key, kid or signature is never valid, and an issuer the gateway does not know — or
 * has suspended — makes it reach out to nobody.
 */
let beijing: PartnerCity;
let shanghai: PartnerCity;
let hangzhou: PartnerCity;
let suspended: PartnerCity;
let stranger: PartnerCity;
let gw: TestGateway;
const document = { type: 'resident_id' as const, number: '110101199001010028' };
const all = (): PartnerCity[] => [beijing, shanghai, hangzhou, suspended, stranger];
const requests = (): number[] => all().map((c) => c.requests);

beforeAll(async () => {
  beijing = await PartnerCity.start(BEIJING);
  shanghai = await PartnerCity.start(SHANGHAI);
  hangzhou = await PartnerCity.start(HANGZHOU);
  suspended = await PartnerCity.start({ ...SHANGHAI, id: 'wuhan', name: '武汉市', region: '420100' });
  stranger = await PartnerCity.start({ ...BEIJING, id: 'nowhere', name: '无名市', region: '999999' });
  gw = await gatewayWith([beijing.partner(), shanghai.partner(), hangzhou.partner(), suspended.partner({ status: 'suspended' })]);
  // Both registered ES256 cities' keys are loaded, so nothing below is a first fetch.
  expect(await verdict(gw, await beijing.code({ color: '未见异常', now: gw.clock.now(), document }))).toBe('valid');
  expect(await verdict(gw, await shanghai.code({ color: '绿码', now: gw.clock.now(), document }))).toBe('valid');
});

afterAll(async () => {
  await gw.close();
  await Promise.all(all().map((c) => c.close()));
});

/** A Beijing-layout payload claiming to come from Beijing. */
const beijingPayload = (): Promise<Record<string, unknown>> => beijing.payload({ color: '未见异常', now: gw.clock.now(), document });

describe('an issuer claiming another partner\'s key', () => {
  it('refuses a code with Beijing as iss signed with Shanghai\'s key under Shanghai\'s kid, asking Shanghai nothing', async () => {
    const before = requests();
    const code = await shanghai.sign(await beijingPayload(), { key: shanghai.signingKey, header: { typ: 'jkb+jwt' } });
    expect(await verdict(gw, code)).toBe('ERR_KID_UNKNOWN');
    expect(shanghai.requests).toBe(before[1]);
  });

  it('refuses a code with Beijing as iss signed with Shanghai\'s key under Beijing\'s kid', async () => {
    const forged: CityKey = { ...shanghai.signingKey, kid: beijing.signingKey.kid };
    const code = await shanghai.sign(await beijingPayload(), { key: forged, header: { typ: 'jkb+jwt' } });
    expect(await verdict(gw, code)).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  it('refuses a code with Beijing as iss signed with Hangzhou\'s EdDSA key: Beijing is pinned to ES256', async () => {
    const code = await hangzhou.sign(await beijingPayload(), { key: hangzhou.signingKey, header: { typ: 'jkb+jwt' } });
    expect(await verdict(gw, code)).toBe('ERR_JWS_ALG_NOT_ALLOWED');
    expect(hangzhou.requests).toBe(0);
  });

  it('refuses a genuine Shanghai code whose iss was rewritten to Beijing', async () => {
    // Shanghai pins no typ, so the genuine code may carry Beijing's: only the key can tell them apart.
    const genuine = await shanghai.code({ color: '绿码', now: gw.clock.now(), document, header: { typ: 'jkb+jwt' } });
    expect(await verdict(gw, genuine)).toBe('valid');
    const [h, p, s] = genuine.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    payload['iss'] = beijing.issuer;
    const rewritten = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect(await verdict(gw, rewritten)).toBe('ERR_KID_UNKNOWN');
  });

  it('refuses an iss that differs from a registered issuer only by case or a trailing slash', async () => {
    for (const iss of [beijing.issuer.toUpperCase(), `${beijing.issuer}/`]) {
      const code = await beijing.code({ color: '未见异常', now: gw.clock.now(), document, iss });
      expect(await verdict(gw, code)).toBe('ERR_ISSUER_UNKNOWN');
    }
  });
});

describe('issuers the gateway does not trust', () => {
  it('refuses a code from an unregistered issuer without a request to any key server', async () => {
    const before = requests();
    const code = await stranger.code({ color: '未见异常', now: gw.clock.now(), document });
    expect(await verdict(gw, code)).toBe('ERR_ISSUER_UNKNOWN');
    expect(requests()).toEqual(before);
    expect(stranger.requests).toBe(0);
  });

  it('refuses a code from a suspended partner without a request to its key server', async () => {
    const before = requests();
    const code = await suspended.code({ color: '绿码', now: gw.clock.now(), document });
    expect(await verdict(gw, code)).toBe('ERR_ISSUER_SUSPENDED');
    expect(requests()).toEqual(before);
    expect(suspended.requests).toBe(0);
  });

  it('refuses a code without an iss claim', async () => {
    const payload = await beijingPayload();
    delete payload['iss'];
    expect(await verdict(gw, await beijing.sign(payload))).toBe('ERR_CLAIMS_INVALID');
  });
});

describe('after the suite', () => {
  it('every metric label is still within its bounded set', async () => {
    expect(await metricLabelViolations(gw)).toEqual([]);
  });
});
