import request from 'supertest';
import { createTestGateway, exampleDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { asDevice, registerDevice } from '../helpers/devices.js';
import { fakeWallClock } from '../helpers/wall-clock.js';

/**
 * Issue 19, item 3: 120 scans with a wrong device token all got 401 and none 429; 150 reads of
 * proxy requests with wrong holder tokens likewise. Failed authentications now count against the
 * client address, and past AUTH_FAILURE_LIMIT the address is refused before any work.
 */
const TRUSTED = { requestTimeoutMs: 10_000, headersTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000, trustProxy: 'loopback' };
const LIMIT = { points: 5, windowSeconds: 600 };
const WRONG_DEVICE = `dvt_${'A'.repeat(43)}`;
const WRONG_HOLDER = `hct_${'B'.repeat(43)}`;

describe('failed authentications count against the address', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await createTestGateway({
      overrides: { rateLimit: { enabled: true, perSecond: 1000, burst: 1000, maxClients: 1000 }, authFailureLimit: LIMIT, http: TRUSTED },
    });
  });
  afterEach(async () => {
    await gw.close();
  });

  const scan = (client: string, token: string) =>
    request(gw.app).post('/v1/checkpoint/scans').set('x-forwarded-for', client).set(asDevice(token)).send({});

  test('scans with a wrong device token get 429 once the address failed AUTH_FAILURE_LIMIT times, even with a right token then; another address is served', async () => {
    const device = await registerDevice(gw);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await scan('198.51.100.50', WRONG_DEVICE)).status);
    expect(statuses).toEqual([...Array<number>(LIMIT.points).fill(401), ...Array<number>(12 - LIMIT.points).fill(429)]);
    // Refused before the token is looked up: a right token from the same address waits too.
    const refused = await scan('198.51.100.50', device);
    expect({ status: refused.status, code: refused.body.error.code }).toEqual({ status: 429, code: 'ERR_RATE_LIMITED' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await scan('198.51.100.51', device)).status).toBe(400);
    // An operator sees the refusals, by the limit that made them (gateway_rate_limited_total).
    const metrics = (await request(gw.app).get('/metrics')).text;
    expect(metrics).toMatch(/^gateway_rate_limited_total\{limit="auth_failures"\} 8$/m);
    expect(metrics).toMatch(/^gateway_rate_limited_total\{limit="device"\} 0$/m);
  });

  test('reads of proxy requests with wrong holder tokens get 429 past the limit, and the address is served again when the window ends', async () => {
    const wall = fakeWallClock();
    try {
      const holder = await request(gw.app).post('/v1/declarations').set('x-forwarded-for', '198.51.100.60').send(exampleDeclaration());
      const read = (token: string) =>
        request(gw.app).get(`/v1/subjects/${holder.body.subjectId}/proxy-requests`).set('x-forwarded-for', '198.51.100.61').set('authorization', `Bearer ${token}`);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await read(WRONG_HOLDER)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      expect((await read(holder.body.holderToken)).status).toBe(429);
      wall.advance(LIMIT.windowSeconds * 1000);
      expect((await read(holder.body.holderToken)).status).toBe(200);
    } finally {
      wall.restore();
    }
  });

  test('successful requests cost nothing: an address of many honest holders is never refused for them', async () => {
    const holder = await request(gw.app).post('/v1/declarations').set('x-forwarded-for', '198.51.100.70').send(exampleDeclaration());
    for (let i = 0; i < LIMIT.points * 3; i++) {
      const res = await request(gw.app).get(`/v1/subjects/${holder.body.subjectId}/proxies`).set('x-forwarded-for', '198.51.100.70').set('authorization', `Bearer ${holder.body.holderToken}`);
      expect(res.status).toBe(200);
    }
  });

  test('the risk feed and the admin reload count failures too', async () => {
    const feed = () => request(gw.app).post('/v1/risk-events').set('x-forwarded-for', '198.51.100.80').set('authorization', 'Bearer wrong-feed-token-0123456789').send({});
    for (let i = 0; i < LIMIT.points; i++) expect((await feed()).status).toBe(401);
    expect((await feed()).status).toBe(429);
    const reload = () => request(gw.app).post('/v1/admin/partners/reload').set('x-forwarded-for', '198.51.100.80');
    expect((await reload()).status).toBe(429);
  });
});
