import { randomBytes } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { createTestGateway, exampleDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { postgresUrl, redisUrl } from '../helpers/environment.js';
import { asDevice, registerDevice } from '../helpers/devices.js';
import type { GatewayConfig } from '../../gateway/types/schemas.js';

/**
 * Issue 19, item 2: limits that hold for N instances. Two gateways on one PostgreSQL (and one
 * Redis) are two replicas behind a Service: a client gets one budget between them, and a code
 * locked after LOCK_AFTER document mismatches is locked on both — not LOCK_AFTER on each.
 */
const DATABASE_URL = postgresUrl('the limits shared by two gateways');
const REDIS_URL = DATABASE_URL ? redisUrl('the limits shared by two gateways') : undefined;

// 4 requests per window of 400 s: no window ends during a test.
const BUDGET = { enabled: true, perSecond: 0.01, burst: 4, maxClients: 1000 };
const TRUSTED = { requestTimeoutMs: 10_000, headersTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000, trustProxy: 'loopback' };
const xinjiDocument = (exampleDeclaration()['applicant'] as { document: { type: string; number: string } }).document;
const wrongDocument = { type: 'resident_id', number: '130181199003071220' };

function sharedLimits(backend: 'postgres' | 'redis'): void {
  let a: TestGateway;
  let b: TestGateway;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  beforeAll(async () => {
    const overrides: Partial<GatewayConfig> = {
      rateLimit: BUDGET,
      http: TRUSTED,
      ...(backend === 'redis' ? { redisUrl: REDIS_URL!, redisKeyPrefix: `hcg-test-${randomBytes(6).toString('hex')}` } : {}),
    };
    a = await createTestGateway({ postgres: true, pgSchema: schema, overrides });
    // The same database, keys and pepper: a replica of a.
    b = await createTestGateway({ postgres: true, pgSchema: schema, dir: a.dir, overrides });
    expect([a.deps.limits.backend, b.deps.limits.backend]).toEqual([backend, backend]);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  test('one client address gets one budget between two gateways, not one on each', async () => {
    const verify = (gw: TestGateway) => request(gw.app).post('/v1/verify').set('x-forwarded-for', '198.51.100.90').send({ code: 'not-a-code' });
    const statuses = [];
    for (const gw of [a, b, a, b, a, b]) statuses.push((await verify(gw)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    // Another address has its own budget, on either gateway.
    expect((await request(b.app).post('/v1/verify').set('x-forwarded-for', '198.51.100.91').send({ code: 'x' })).status).toBe(200);
  });

  test('a code locked after three document mismatches spread over two gateways is locked on both', async () => {
    const declared = await request(a.app).post('/v1/declarations').set('x-forwarded-for', '198.51.100.92').send(exampleDeclaration());
    expect(declared.status).toBe(201);
    const code = declared.body.credential.jws as string;
    // One checkpoint device per gateway (each device has a budget of 4 scans here).
    const devices = new Map([[a, asDevice(await registerDevice(a))], [b, asDevice(await registerDevice(a))]]);
    const scan = async (gw: TestGateway, document: unknown) => {
      const res = await request(gw.app).post('/v1/checkpoint/scans').set(devices.get(gw)!).send({ code, temperatureC: 36.5, document });
      expect(res.status).toBe(200);
      return res.body.reasons as string[];
    };
    expect(await scan(b, xinjiDocument)).toEqual([]);
    expect(await scan(a, wrongDocument)).toContain('document_mismatch');
    expect(await scan(b, wrongDocument)).toContain('document_mismatch');
    expect(await scan(a, wrongDocument)).toContain('document_mismatch');
    // Locked everywhere, even for the right document, until the code expires.
    expect(await scan(b, xinjiDocument)).toContain('document_mismatch_locked');
    expect(await scan(a, xinjiDocument)).toContain('document_mismatch_locked');
  });

  test('one device gets one budget of scans between two gateways', async () => {
    const device = asDevice(await registerDevice(a));
    const scan = (gw: TestGateway) => request(gw.app).post('/v1/checkpoint/scans').set(device).send({});
    const statuses = [];
    for (const gw of [a, b, a, b, a]) statuses.push((await scan(gw)).status);
    expect(statuses).toEqual([400, 400, 400, 400, 429]);
  });
}

(DATABASE_URL ? describe : describe.skip)('limits shared by two gateways on one PostgreSQL', () => sharedLimits('postgres'));
(DATABASE_URL && REDIS_URL ? describe : describe.skip)('limits shared by two gateways on one PostgreSQL and one Redis', () => sharedLimits('redis'));

test('two gateways without a shared store count alone: each process has its own memory', async () => {
  const a = await createTestGateway({ overrides: { rateLimit: BUDGET } });
  const b = await createTestGateway({ overrides: { rateLimit: BUDGET } });
  try {
    expect([a.deps.limits.backend, b.deps.limits.backend]).toEqual(['memory', 'memory']);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a gateway whose REDIS_URL cannot be reached refuses to start, naming REDIS_URL', async () => {
  await expect(createTestGateway({ overrides: { rateLimit: BUDGET, redisUrl: 'redis://127.0.0.1:9' } })).rejects.toThrow(/REDIS_URL: cannot connect to Redis/);
});
