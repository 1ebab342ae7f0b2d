import request from 'supertest';
import { createTestGateway, TestClock, type TestGateway } from '../helpers/test-gateway.js';
import { clientKey } from '../../gateway/http/rate-limit.js';
import { bucketAsWindow } from '../../gateway/limits/limiter.js';
import { fakeWallClock } from '../helpers/wall-clock.js';
import { asDevice, registerDevice } from '../helpers/devices.js';

/**
 * Public endpoints (no token) are limited per client address: a client may send `burst` requests
 * per window of ⌈burst ÷ perSecond⌉ seconds (rate-limiter-flexible, gateway/limits/limiter.ts);
 * beyond, 429 ERR_RATE_LIMITED with Retry-After. The limiter reads the wall clock, which these
 * tests fake (only Date), so window ends are exact.
 */
// A window of 60 s (burst 3 at 0.05 per second). rate-limiter-flexible also drops a key with a real
// timer of the window's length, which no fake Date stops: a window of 2 s expired on a loaded CI
// machine between a test's first request and its fourth.
const LIMIT = { enabled: true, perSecond: 0.05, burst: 3, maxClients: 100 };
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

  test('answers 429 ERR_RATE_LIMITED with Retry-After once a client has spent its burst, and serves it again when the window ends', async () => {
    const wall = fakeWallClock();
    try {
      for (let i = 0; i < LIMIT.burst; i++) expect((await verify()).status).toBe(200);
      const limited = await verify();
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('ERR_RATE_LIMITED');
      expect(limited.headers['retry-after']).toBe('60');

      wall.advance(59_999);
      expect((await verify()).status).toBe(429);
      wall.advance(1);
      expect((await verify()).status).toBe(200);
    } finally {
      wall.restore();
    }
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
    expect({ status: limited.status, code: limited.body.error.code }).toEqual({ status: 429, code: 'ERR_RATE_LIMITED' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await scan(second)).status).toBe(400);
    // The scans took nothing from the address's bucket of the public endpoints.
    for (let i = 0; i < LIMIT.burst; i++) expect((await verify()).status).toBe(200);
    expect((await verify()).status).toBe(429);
    // Each refusal counted under the limit that made it.
    const metrics = (await request(gw.app).get('/metrics')).text;
    expect(metrics).toMatch(/^gateway_rate_limited_total\{limit="device"\} 1$/m);
    expect(metrics).toMatch(/^gateway_rate_limited_total\{limit="address"\} 1$/m);
  });

  test('limits sign-in by the public budget per address: each start and callback would call the identity provider', async () => {
    // Without an identity provider the routes answer 404, after the budget is spent 429.
    for (let i = 0; i < LIMIT.burst; i++) expect((await request(gw.app).get('/v1/sign-in')).status).toBe(404);
    const start = await request(gw.app).get('/v1/sign-in');
    const callback = await request(gw.app).post('/v1/sign-in/callback').send({ code: 'c', state: 's' });
    expect([start.status, start.body.error.code, callback.status]).toEqual([429, 'ERR_RATE_LIMITED', 429]);
  });

  test('does not limit health probes, nor endpoints that carry their own tokens by the public budget', async () => {
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

describe('windows and client keys', () => {
  test('a token bucket setting becomes burst requests per ⌈burst ÷ perSecond⌉ seconds', () => {
    expect(bucketAsWindow({ burst: 40, perSecond: 20 })).toEqual({ points: 40, windowSeconds: 2 });
    expect(bucketAsWindow({ burst: 100, perSecond: 10 })).toEqual({ points: 100, windowSeconds: 10 });
    expect(bucketAsWindow({ burst: 1, perSecond: 1000 })).toEqual({ points: 1, windowSeconds: 1 });
  });

  test('count IPv6 clients per /64 and IPv4-mapped addresses as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7');
  });
});
