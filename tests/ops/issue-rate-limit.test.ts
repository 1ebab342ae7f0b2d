import request from 'supertest';
import { createTestGateway, personDeclaration, TestClock, type TestGateway } from '../helpers/test-gateway.js';
import { loadConfig } from '../../gateway/config/load-config.js';
import { fakeWallClock } from '../helpers/wall-clock.js';

/**
 * Issue 9, item 5: declarations and code requests are limited per client address with a bucket of
 * their own (ISSUE_RATE_LIMIT_*), so one address cannot squat documents or probe name and phone in
 * bulk, while a carrier-grade NAT address shared by many phones keeps a generous allowance.
 */
const PUBLIC = { enabled: true, perSecond: 1000, burst: 1000, maxClients: 100 };
// A window of 60 s: long enough that rate-limiter-flexible's real expiry timer never fires within a test (rate-limit.test.ts says why).
const ISSUE = { perSecond: 0.05, burst: 3 };
const TRUSTED = { requestTimeoutMs: 10_000, headersTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000, trustProxy: 'loopback' };

describe('rate limit on declarations and code requests', () => {
  let gw: TestGateway;
  let clock: TestClock;
  beforeEach(async () => {
    clock = new TestClock();
    gw = await createTestGateway({ clock, overrides: { rateLimit: PUBLIC, issueRateLimit: ISSUE, http: TRUSTED } });
  });
  afterEach(async () => {
    await gw.close();
  });

  const declareFrom = (client: string, n: number) => request(gw.app).post('/v1/declarations').set('x-forwarded-for', client).send(personDeclaration(n));

  test('one client address gets 429 ERR_RATE_LIMITED with Retry-After past its burst of declarations; another address is unaffected', async () => {
    const wall = fakeWallClock();
    try {
      for (let i = 0; i < ISSUE.burst; i++) expect((await declareFrom('198.51.100.7', i)).status).toBe(201);
      const limited = await declareFrom('198.51.100.7', 10);
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('ERR_RATE_LIMITED');
      // burst 3 at 0.05 per second: a window of 60 seconds.
      expect(limited.headers['retry-after']).toBe('60');
      expect((await declareFrom('198.51.100.8', 10)).status).toBe(201);
      wall.advance(60_000);
      expect((await declareFrom('198.51.100.7', 11)).status).toBe(201);
    } finally {
      wall.restore();
    }
  });

  test('code requests share the bucket of declarations', async () => {
    const person = await declareFrom('198.51.100.9', 20);
    const code = () => request(gw.app).get(`/v1/subjects/${person.body.subjectId}/code`).set('x-forwarded-for', '198.51.100.9').set('authorization', `Bearer ${person.body.holderToken}`);
    for (let i = 1; i < ISSUE.burst; i++) expect((await code()).status).toBe(200);
    const limited = await code();
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('ERR_RATE_LIMITED');
  });

  test('the issuing bucket is apart from the public one: spending it leaves verification open', async () => {
    for (let i = 0; i < ISSUE.burst + 1; i++) await declareFrom('198.51.100.10', 30 + i);
    expect((await request(gw.app).post('/v1/verify').set('x-forwarded-for', '198.51.100.10').send({ code: 'x' })).status).toBe(200);
  });
});

test('the defaults allow 100 at once and 10 per second from one address, and ISSUE_RATE_LIMIT_* changes them', () => {
  expect(loadConfig({}).issueRateLimit).toEqual({ perSecond: 10, burst: 100 });
  expect(loadConfig({ ISSUE_RATE_LIMIT_PER_SECOND: '50', ISSUE_RATE_LIMIT_BURST: '500' }).issueRateLimit).toEqual({ perSecond: 50, burst: 500 });
  expect(() => loadConfig({ ISSUE_RATE_LIMIT_BURST: '0' })).toThrow(/ISSUE_RATE_LIMIT_BURST/);
});
