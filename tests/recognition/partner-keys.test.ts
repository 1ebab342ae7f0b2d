import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { classifyAddress } from '../../gateway/partners/address-policy.js';
import request from 'supertest';
import type { TestGateway } from '../helpers/test-gateway.js';
import { PartnerCity } from './partner-city.js';
import { BEIJING, HANGZHOU } from './profiles.js';
import { JWKS, eventually, gatewayWith, metric, partnerStatus, verdict } from './setup.js';

/** This machine's host name and the class of its first non-public address, if it has one. */
const INTERNAL_HOST = await (async () => {
  const host = hostname();
  const resolved = await lookup(host, { all: true }).catch(() => []);
  const cls = resolved.map((a) => classifyAddress(a.address)).find((c) => c !== 'public');
  return cls ? { host, cls } : undefined;
})();

/**
 * The life of a partner's keys seen from outside the gateway: rotation, outages, a server that
 * never answers, and floods of made-up key ids. Every partner is a real HTTP server on loopback;
 * the gateway's clock is the TestClock, which its key cache uses too.
 */
let cities: PartnerCity[];
let gateways: TestGateway[];
const document = { type: 'resident_id' as const, number: '110101199001010028' };

beforeEach(() => {
  cities = [];
  gateways = [];
});

afterEach(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await Promise.all(cities.map((c) => c.close()));
});

async function city(profile = BEIJING): Promise<PartnerCity> {
  const c = await PartnerCity.start(profile);
  cities.push(c);
  return c;
}

async function gateway(...partners: PartnerCity[]): Promise<TestGateway> {
  return gatewayOf(partners.map((c) => c.partner()));
}

async function gatewayOf(partners: ReturnType<PartnerCity['partner']>[], options: Parameters<typeof gatewayWith>[1] = {}): Promise<TestGateway> {
  const gw = await gatewayWith(partners, options);
  gateways.push(gw);
  return gw;
}

const green = (c: PartnerCity, gw: TestGateway): Promise<string> => c.code({ color: c.profile.colorMap.valueType === 'integer' ? 2 : '未见异常', now: gw.clock.now(), document });

describe('key rotation by a partner city', () => {
  it('verifies a code signed with a newly published key after exactly one refetch', async () => {
    const bj = await city();
    const gw = await gateway(bj);
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    expect(bj.requests).toBe(1);

    const oldKey = bj.signingKey;
    await bj.rotate();
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    expect(bj.requests).toBe(2);
    expect((await partnerStatus(gw, 'beijing')).keyCount).toBe(2);

    // The old key's codes still verify while the city publishes it, without another fetch.
    expect(await verdict(gw, await bj.code({ color: '未见异常', now: gw.clock.now(), document, key: oldKey }))).toBe('valid');
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    expect(bj.requests).toBe(2);
    expect(await metric(gw, 'gateway_jwks_fetches_total', { partner: 'beijing', outcome: 'ok' })).toBe(2);
    expect(await metric(gw, 'gateway_jwks_fetches_total', { partner: 'beijing', outcome: 'error' })).toBe(0);
    expect(await metric(gw, 'gateway_partner_keys', { partner: 'beijing' })).toBe(2);
    expect(await metric(gw, 'gateway_partner_keys_age_seconds', { partner: 'beijing' })).toBe(0);
    expect(await metric(gw, 'gateway_partner_keys_stale_served_total', { partner: 'beijing' })).toBe(0);
  });

  it('stops accepting a retired key once the gateway has fetched the new set', async () => {
    const bj = await city();
    const gw = await gateway(bj);
    const oldKey = bj.signingKey;
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    await bj.rotate();
    bj.retire(oldKey.kid);
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    expect(await verdict(gw, await bj.code({ color: '未见异常', now: gw.clock.now(), document, key: oldKey }))).toBe('ERR_KID_UNKNOWN');
  });
});

describe('a partner whose key server goes down', () => {
  it.each([
    ['answers 503', async (c: PartnerCity) => { c.mode = 'unavailable'; }],
    ['is closed', async (c: PartnerCity) => { await c.stop(); }],
    ['resets every connection', async (c: PartnerCity) => { c.mode = 'reset'; }],
  ])('keeps verifying with the last good keys within the stale bound when the server %s, then says the keys are unavailable', async (_how, goDown) => {
    const bj = await city();
    const gw = await gateway(bj);
    const t0 = gw.clock.now();
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    await goDown(bj);

    // Past the refresh period: the gateway answers from its keys and tries a refresh behind.
    gw.clock.advance((JWKS.refreshSeconds + 60) * 1000);
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    await eventually(async () => (await partnerStatus(gw, 'beijing')).lastErrorCode !== null);
    expect(await partnerStatus(gw, 'beijing')).toMatchObject({
      lastErrorCode: 'ERR_KEYS_UNAVAILABLE',
      lastFetchAt: new Date(t0).toISOString(),
      keyCount: 1,
    });

    // The first code past the refresh time did not know yet that the partner was unreachable;
    // none counted as stale so far.
    expect(await metric(gw, 'gateway_partner_keys_stale_served_total', { partner: 'beijing' })).toBe(0);
    expect(await metric(gw, 'gateway_jwks_fetches_total', { partner: 'beijing', outcome: 'error' })).toBe(1);

    // Still inside the bound, a second before it ends: served stale, and /metrics says so.
    gw.clock.set(new Date(t0 + JWKS.staleMaxSeconds * 1000 - 1000).toISOString());
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    expect(await metric(gw, 'gateway_partner_keys_stale_served_total', { partner: 'beijing' })).toBe(1);
    expect(await metric(gw, 'gateway_partner_keys_age_seconds', { partner: 'beijing' })).toBe(JWKS.staleMaxSeconds - 1);
    expect(await metric(gw, 'gateway_partner_keys', { partner: 'beijing' })).toBe(1);

    // Past the bound: keys unavailable — not "invalid signature", and never valid.
    gw.clock.set(new Date(t0 + JWKS.staleMaxSeconds * 1000 + 1000).toISOString());
    expect(await verdict(gw, await green(bj, gw))).toBe('ERR_KEYS_UNAVAILABLE');
    expect(await partnerStatus(gw, 'beijing')).toMatchObject({ lastErrorCode: 'ERR_KEYS_UNAVAILABLE', lastFetchAt: new Date(t0).toISOString() });
    expect(await metric(gw, 'gateway_partner_keys_stale_served_total', { partner: 'beijing' })).toBe(1);
    expect(await metric(gw, 'gateway_partner_keys_age_seconds', { partner: 'beijing' })).toBe(JWKS.staleMaxSeconds + 1);
    expect(await metric(gw, 'gateway_jwks_fetches_total', { partner: 'beijing', outcome: 'ok' })).toBe(1);
  });

  it('recovers when the key server comes back after the stale bound', async () => {
    const bj = await city();
    const gw = await gateway(bj);
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    bj.mode = 'unavailable';
    gw.clock.advance((JWKS.staleMaxSeconds + 10) * 1000);
    expect(await verdict(gw, await green(bj, gw))).toBe('ERR_KEYS_UNAVAILABLE');
    bj.mode = 'ok';
    gw.clock.advance(60_000); // past the back-off of the failed attempt
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    expect(await partnerStatus(gw, 'beijing')).toMatchObject({ lastErrorCode: null, lastFetchAt: new Date(gw.clock.now()).toISOString() });
  });

  it('says the keys are unavailable, not that the kid is unknown, for a code signed with a new key while the key server is down', async () => {
    // The city rotated and then its key server failed: the gateway cannot know the new key, and
    // "no key with this id" would wrongly tell the officer the code is forged.
    const bj = await city();
    const gw = await gateway(bj);
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    await bj.rotate();
    bj.mode = 'unavailable';
    expect(await verdict(gw, await green(bj, gw))).toBe('ERR_KEYS_UNAVAILABLE');
    expect(bj.requests).toBe(2);
  });

  it('says keys unavailable for a partner that was never reachable, and lists the error', async () => {
    const bj = await city();
    const gw = await gateway(bj);
    bj.mode = 'unavailable';
    expect(await verdict(gw, await green(bj, gw))).toBe('ERR_KEYS_UNAVAILABLE');
    expect(await partnerStatus(gw, 'beijing')).toMatchObject({ keyCount: 0, lastFetchAt: null, lastErrorCode: 'ERR_KEYS_UNAVAILABLE' });
  });
});

describe('a partner whose key server never answers', () => {
  it('answers the verify request with keys unavailable within the timeout and a margin', async () => {
    const bj = await city();
    const gw = await gateway(bj);
    bj.mode = 'hang';
    const started = Date.now();
    expect(await verdict(gw, await green(bj, gw))).toBe('ERR_KEYS_UNAVAILABLE');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(JWKS.timeoutMs - 50);
    expect(elapsed).toBeLessThan(JWKS.timeoutMs + 1500);
    expect((await partnerStatus(gw, 'beijing')).lastErrorCode).toBe('ERR_KEYS_UNAVAILABLE');
    expect(await metric(gw, 'gateway_jwks_fetches_total', { partner: 'beijing', outcome: 'error' })).toBe(1);
    expect(await metric(gw, 'gateway_jwks_fetch_duration_seconds_count', { partner: 'beijing' })).toBe(1);
    expect(await metric(gw, 'gateway_jwks_fetch_duration_seconds_sum', { partner: 'beijing' })).toBeGreaterThanOrEqual((JWKS.timeoutMs - 50) / 1000);
    expect(await metric(gw, 'gateway_partner_keys', { partner: 'beijing' })).toBe(0);
    expect(await metric(gw, 'gateway_partner_keys_age_seconds', { partner: 'beijing' })).toBeUndefined();
  });

  it('answers within the timeout when the key server sends headers and then stalls in the body', async () => {
    const bj = await city();
    const gw = await gateway(bj);
    bj.mode = 'stall';
    const started = Date.now();
    expect(await verdict(gw, await green(bj, gw))).toBe('ERR_KEYS_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(JWKS.timeoutMs + 1500);
  });

  it('shares one hanging fetch among thirty concurrent codes, then refuses at once during the back-off', async () => {
    const bj = await city();
    const gw = await gateway(bj);
    bj.mode = 'hang';
    const codes = await Promise.all(Array.from({ length: 30 }, () => green(bj, gw)));
    const started = Date.now();
    const answers = await Promise.all(codes.map((code) => request(gw.app).post('/v1/verify').send({ code })));
    expect(Date.now() - started).toBeLessThan(JWKS.timeoutMs + 2000);
    for (const res of answers) expect(res.body).toMatchObject({ valid: false, error: { code: 'ERR_KEYS_UNAVAILABLE' } });
    expect(bj.requests).toBe(1);
    const again = Date.now();
    expect(await verdict(gw, await green(bj, gw))).toBe('ERR_KEYS_UNAVAILABLE');
    expect(Date.now() - again).toBeLessThan(JWKS.timeoutMs);
    expect(bj.requests).toBe(1);
  });

  it('keeps verifying another partner\'s codes at full speed while one partner hangs', async () => {
    const bj = await city();
    const hz = await city(HANGZHOU);
    const gw = await gateway(bj, hz);
    bj.mode = 'hang';
    let slowSettled = false;
    const slow = verdict(gw, await green(bj, gw)).finally(() => { slowSettled = true; });
    expect(await verdict(gw, await hz.code({ color: 2, now: gw.clock.now(), document }))).toBe('valid');
    // Hangzhou's answer came while Beijing's fetch was still hanging.
    expect(slowSettled).toBe(false);
    expect(await slow).toBe('ERR_KEYS_UNAVAILABLE');
  });

  it('answers from cached keys at once while a background refresh hangs', async () => {
    const bj = await city();
    const gw = await gateway(bj);
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    bj.mode = 'hang';
    gw.clock.advance((JWKS.refreshSeconds + 1) * 1000);
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    // Answered while the refresh it started is still hanging (it has not failed yet).
    expect(bj.requests).toBe(2);
    expect((await partnerStatus(gw, 'beijing')).lastErrorCode).toBeNull();
    await eventually(async () => (await partnerStatus(gw, 'beijing')).lastErrorCode === 'ERR_KEYS_UNAVAILABLE');
  });
});

describe('a storm of unknown key ids', () => {
  it('sends one refetch for thirty concurrent codes with made-up kids, then none within the cooldown', async () => {
    const bj = await city();
    const gw = await gateway(bj);
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    expect(bj.requests).toBe(1);

    const codes = await Promise.all(
      Array.from({ length: 30 }, async () => bj.code({ color: '未见异常', now: gw.clock.now(), document, kid: randomBytes(16).toString('base64url') })),
    );
    const answers = await Promise.all(codes.map((code) => request(gw.app).post('/v1/verify').send({ code })));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ valid: false, error: { code: 'ERR_KID_UNKNOWN' } });
    }
    expect(bj.requests).toBe(2);

    // Within the cooldown: more unknown kids cost the partner nothing.
    gw.clock.advance((JWKS.kidCooldownSeconds - 5) * 1000);
    for (let i = 0; i < 5; i++) {
      expect(await verdict(gw, await bj.code({ color: '未见异常', now: gw.clock.now(), document, kid: `made-up-${i}` }))).toBe('ERR_KID_UNKNOWN');
    }
    expect(bj.requests).toBe(2);
    // Genuine codes keep verifying during the storm.
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');

    // After the cooldown, one more refetch is allowed.
    gw.clock.advance(10_000);
    expect(await verdict(gw, await bj.code({ color: '未见异常', now: gw.clock.now(), document, kid: 'made-up-after' }))).toBe('ERR_KID_UNKNOWN');
    expect(bj.requests).toBe(3);
  });

  it('shares one fetch among thirty concurrent first codes of a partner never fetched before', async () => {
    const bj = await city();
    const gw = await gateway(bj);
    const codes = await Promise.all(Array.from({ length: 30 }, () => green(bj, gw)));
    const answers = await Promise.all(codes.map((code) => request(gw.app).post('/v1/verify').send({ code })));
    for (const res of answers) expect(res.body.valid).toBe(true);
    expect(bj.requests).toBe(1);
  });
});

describe('a partner whose key server misbehaves', () => {
  it.each([
    ['answers 500', 'error500'],
    ['answers garbage that is not JSON', 'garbage'],
    ['answers JSON that is not a key set', 'not_jwks'],
    ['sends a key set padded past the 64 KiB cap', 'oversized'],
  ] as const)('says keys unavailable for a partner never fetched whose server %s, and /metrics counts the failed fetch', async (_how, mode) => {
    const bj = await city();
    const gw = await gateway(bj);
    bj.mode = mode;
    expect(await verdict(gw, await green(bj, gw))).toBe('ERR_KEYS_UNAVAILABLE');
    expect(await partnerStatus(gw, 'beijing')).toMatchObject({ keyCount: 0, lastFetchAt: null, lastErrorCode: 'ERR_KEYS_UNAVAILABLE' });
    expect(await metric(gw, 'gateway_jwks_fetches_total', { partner: 'beijing', outcome: 'error' })).toBe(1);
    expect(await metric(gw, 'gateway_jwks_fetches_total', { partner: 'beijing', outcome: 'ok' })).toBe(0);
    expect(await metric(gw, 'gateway_partner_keys', { partner: 'beijing' })).toBe(0);
    expect(await metric(gw, 'gateway_partner_keys_age_seconds', { partner: 'beijing' })).toBeUndefined();
  });

  it.each([
    ['answers 500', 'error500'],
    ['answers garbage that is not JSON', 'garbage'],
    ['sends a key set padded past the 64 KiB cap', 'oversized'],
  ] as const)('keeps the last good keys when a refresh %s, and counts each code served with them as stale', async (_how, mode) => {
    const bj = await city();
    const gw = await gateway(bj);
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    bj.mode = mode;
    gw.clock.advance((JWKS.refreshSeconds + 1) * 1000);
    expect(await verdict(gw, await green(bj, gw))).toBe('valid'); // starts the refresh behind
    await eventually(async () => (await partnerStatus(gw, 'beijing')).lastErrorCode !== null);
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    expect(await verdict(gw, await green(bj, gw))).toBe('valid');
    expect(await metric(gw, 'gateway_partner_keys_stale_served_total', { partner: 'beijing' })).toBe(2);
    expect(await metric(gw, 'gateway_jwks_fetches_total', { partner: 'beijing', outcome: 'error' })).toBe(1);
    expect(await metric(gw, 'gateway_partner_keys_age_seconds', { partner: 'beijing' })).toBe(JWKS.refreshSeconds + 1);
    expect(await metric(gw, 'gateway_partner_keys', { partner: 'beijing' })).toBe(1);
  });

  it('does not follow a redirect of the key fetch to an internal address, which receives no request', async () => {
    const bj = await city();
    const internal = await city({ ...BEIJING, id: 'internal' }); // stands for an internal service on loopback
    const gw = await gateway(bj);
    bj.mode = 'redirect';
    bj.redirectTo = internal.jwksUri; // http on loopback: an address the test gateway may even reach
    expect(await verdict(gw, await green(bj, gw))).toBe('ERR_KEYS_UNAVAILABLE');
    expect(bj.requests).toBe(1);
    expect(internal.requests).toBe(0);
    expect(internal.connections).toBe(0);
    expect(await metric(gw, 'gateway_jwks_fetches_total', { partner: 'beijing', outcome: 'error' })).toBe(1);
    expect(await metric(gw, 'gateway_fetch_addresses_refused_total')).toBe(0); // never even tried
  });

  // The machine's own host name is not "localhost", so the load-time URI check lets it through;
  // where it resolves to a loopback or private address, the connect-time guard must refuse it.
  // Where it resolves only to public addresses it cannot stand for an internal host: skipped, visibly.
  (INTERNAL_HOST ? it : it.skip)('refuses to connect when the partner\'s key host resolves to an internal address, and counts it by address class', async () => {
    const { host, cls } = INTERNAL_HOST!;
    const internal = await city({ ...BEIJING, id: 'internal' });
    const bj = await city();
    const partner = bj.partner({ jwksUri: `https://${host}:${new URL(internal.base).port}/.well-known/jwks.json` });
    const gw = await gatewayOf([partner], { overrides: { allowInsecureLoopbackJwks: false } });
    expect(await verdict(gw, await green(bj, gw))).toBe('ERR_KEYS_UNAVAILABLE');
    expect(internal.connections).toBe(0);
    expect(await metric(gw, 'gateway_fetch_addresses_refused_total', { class: cls })).toBe(1);
    expect(await metric(gw, 'gateway_jwks_fetches_total', { partner: 'beijing', outcome: 'error' })).toBe(1);
    const text = (await request(gw.app).get('/metrics')).text as string;
    expect(text).not.toContain(host + ':');
    expect(text).not.toContain(partner.jwksUri);
  });
});
