import request from 'supertest';
import { createTestGateway, TestClock, type TestGateway } from '../helpers/test-gateway.js';
import { clientKey, TokenBuckets } from '../../gateway/http/rate-limit.js';
import { asDevice, registerDevice } from '../helpers/devices.js';

/**
 * Public endpoints (no token) are limited per client address with a token bucket: a client may
 * send `burst` requests at once and `perSecond` after that; beyond, 429 ERR_RATE_LIMITED with
 * Retry-After. The clock is the test's, so refills are exact.
 */
const LIMIT = { enabled: true, perSecond: 2, burst: 3, maxClients: 100 };
const VERIFY_BODY = { code: 'not-a-code' };

describe('rate limit on public endpoints', () => {
  let gw: TestGateway;
  let clock: TestClock;
  beforeEach(async () => {
    clock = new TestClock();
    gw = await createTestGateway({ clock, overrides: { rateLimit: LIMIT } });
  });
  afterEach(async () => {
    await gw.close();
  });

  const verify = (forwardedFor?: string) => {
    const req = request(gw.app).post('/v1/verify');
    if (forwardedFor) req.set('x-forwarded-for', forwardedFor);
    return req.send(VERIFY_BODY);
  };

  test('answers 429 ERR_RATE_LIMITED with Retry-After once a client has spent its burst, and serves it again after the refill', async () => {
    for (let i = 0; i < LIMIT.burst; i++) expect((await verify()).status).toBe(200);
    const limited = await verify();
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('ERR_RATE_LIMITED');
    expect(limited.headers['retry-after']).toBe('1');

    clock.advance(499);
    expect((await verify()).status).toBe(429);
    clock.advance(1);
    expect((await verify()).status).toBe(200);
    expect((await verify()).status).toBe(429);
  });

  test('limits the JWKS, issuer metadata and status list from one shared bucket per client', async () => {
    const paths = ['/.well-known/jwks.json', '/.well-known/health-code-issuer', '/.well-known/health-code-status'];
    for (const path of paths) expect((await request(gw.app).get(path)).status).toBe(200);
    const res = await request(gw.app).get(paths[0]!);
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('ERR_RATE_LIMITED');
  });

  test('limits checkpoint scans per device, not per address: another device at the same address keeps its own bucket', async () => {
    const [first, second] = [await registerDevice(gw), await registerDevice(gw)];
    const scan = (token: string) => request(gw.app).post('/v1/checkpoint/scans').set(asDevice(token)).send({});
    for (let i = 0; i < LIMIT.burst; i++) expect((await scan(first)).status).toBe(400);
    const limited = await scan(first);
    expect({ status: limited.status, code: limited.body.error.code, retryAfter: limited.headers['retry-after'] }).toEqual({ status: 429, code: 'ERR_RATE_LIMITED', retryAfter: '1' });
    expect((await scan(second)).status).toBe(400);
    // The scans took nothing from the address's bucket of the public endpoints.
    for (let i = 0; i < LIMIT.burst; i++) expect((await verify()).status).toBe(200);
  });

  test('does not limit endpoints that carry their own tokens, nor health probes', async () => {
    for (let i = 0; i < LIMIT.burst + 2; i++) {
      expect((await request(gw.app).get('/healthz')).status).toBe(200);
      expect((await request(gw.app).post('/v1/risk-events').send({})).status).toBe(401);
    }
  });

  test('ignores X-Forwarded-For unless TRUST_PROXY is set: a client cannot pick a fresh bucket', async () => {
    for (let i = 0; i < LIMIT.burst; i++) expect((await verify(`198.51.100.${i}`)).status).toBe(200);
    expect((await verify('198.51.100.99')).status).toBe(429);
  });
});

describe('rate limit behind a trusted proxy', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await createTestGateway({ overrides: { rateLimit: LIMIT, http: { requestTimeoutMs: 10_000, headersTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000, trustProxy: 'loopback' } } });
  });
  afterEach(async () => {
    await gw.close();
  });

  test('keeps one bucket per forwarded client address when the proxy is trusted', async () => {
    const verify = (client: string) => request(gw.app).post('/v1/verify').set('x-forwarded-for', client).send(VERIFY_BODY);
    for (let i = 0; i < LIMIT.burst; i++) expect((await verify('198.51.100.1')).status).toBe(200);
    expect((await verify('198.51.100.1')).status).toBe(429);
    expect((await verify('198.51.100.2')).status).toBe(200);
  });
});

describe('token buckets', () => {
  test('keep memory bounded: past maxClients the least recently seen client starts again with a full bucket', () => {
    const clock = new TestClock();
    const buckets = new TokenBuckets({ perSecond: 1, burst: 1, maxClients: 100 }, clock.now);
    expect(buckets.take('a').ok).toBe(true);
    expect(buckets.take('a').ok).toBe(false);
    for (let i = 0; i < 100; i++) buckets.take(`other-${i}`);
    expect(buckets.take('a').ok).toBe(true);
  });

  test('say how many whole seconds to wait', () => {
    const clock = new TestClock();
    const buckets = new TokenBuckets({ perSecond: 0.25, burst: 1, maxClients: 100 }, clock.now);
    buckets.take('a');
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 4 });
  });

  test('count IPv6 clients per /64 and IPv4-mapped addresses as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7');
  });
});
