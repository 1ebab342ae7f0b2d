import { gzipSync } from 'node:zlib';
import request from 'supertest';
import type { TestGateway } from '../helpers/test-gateway.js';
import { asDevice, registerDevice } from '../helpers/devices.js';
import { PartnerCity, type CityKey } from '../recognition/partner-city.js';
import { BEIJING, SHANGHAI } from '../recognition/profiles.js';
import { gatewayWith, verdict } from '../recognition/setup.js';
import { CODE_FIXTURES, DOCUMENT, KEY_SET_FIXTURES, type CorpusContext } from './corpus.js';
import { metricLabelViolations } from '../helpers/metric-labels.js';

/**
 * The hostile corpus (corpus.ts) posted to POST /v1/verify of a real gateway whose partners serve
 * their keys from real loopback servers. Every fixture must be refused inside 200 { valid: false }
 * with its own error code: never valid, never a 5xx. A server standing for an internal service
 * (the target of jku / x5u) must never receive a connection.
 */
let beijing: PartnerCity;
let shanghai: PartnerCity;
let internal: PartnerCity;
let gw: TestGateway;

let device: string;

beforeAll(async () => {
  beijing = await PartnerCity.start(BEIJING);
  shanghai = await PartnerCity.start(SHANGHAI);
  internal = await PartnerCity.start({ ...BEIJING, id: 'internal' });
  gw = await gatewayWith([beijing.partner(), shanghai.partner()]);
  device = await registerDevice(gw);
  // Both partners' keys are cached first: a fixture refused "before any key fetch" must leave the
  // counters where they are, and a genuine code of each verifies.
  expect(await verdict(gw, await beijing.code({ color: '未见异常', now: gw.clock.now(), document: DOCUMENT }))).toBe('valid');
  expect(await verdict(gw, await shanghai.code({ color: '绿码', now: gw.clock.now(), document: DOCUMENT }))).toBe('valid');
});

afterAll(async () => {
  await gw.close();
  await Promise.all([beijing.close(), shanghai.close(), internal.close()]);
});

function context(): CorpusContext {
  return { beijing, shanghai, internal, now: gw.clock.now(), toleranceSeconds: gw.config.clockToleranceSeconds };
}

async function refusal(target: TestGateway, code: string): Promise<string> {
  const res = await request(target.app).post('/v1/verify').send({ code });
  expect(res.status).toBe(200);
  expect(res.body.valid).toBe(false);
  expect(res.body.credential).toBeUndefined();
  return String(res.body.error?.code);
}

describe('hostile codes', () => {
  it('holds at least 50 named fixtures, each name used once', () => {
    const names = [...CODE_FIXTURES, ...KEY_SET_FIXTURES].map((f) => f.name);
    expect(names.length).toBeGreaterThanOrEqual(50);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(CODE_FIXTURES.map((f) => [f.name, f.expect, f] as const))('refuses %s with %s at /v1/verify and at the checkpoint, never a 5xx', async (_name, expected, fixture) => {
    const requestsBefore = beijing.requests + shanghai.requests;
    const code = await fixture.code(context());
    expect(await refusal(gw, code)).toBe(expected);
    // The same code scanned at a checkpoint (with the holder's real document): denied as invalid.
    const scan = await request(gw.app).post('/v1/checkpoint/scans').set(asDevice(device)).send({ code, temperatureC: 36.5, document: DOCUMENT });
    expect(scan.status).toBe(200);
    expect(scan.body).toMatchObject({ decision: 'deny', color: null, reasons: ['code_invalid'], error: { code: expected } });
    expect(internal.connections).toBe(0);
    if (fixture.beforeKeyFetch) expect(beijing.requests + shanghai.requests).toBe(requestsBefore);
  });
});

describe('hostile key sets', () => {
  let city: PartnerCity;
  let keysGw: TestGateway | undefined;

  afterEach(async () => {
    await keysGw?.close();
    keysGw = undefined;
    await city.close();
  });

  it.each(KEY_SET_FIXTURES.map((f) => [f.name, f.expect, f] as const))('refuses a code whose partner publishes %s with %s', async (_name, expected, fixture) => {
    const built = await fixture.build();
    city = await PartnerCity.start({ ...BEIJING, id: 'keyset' });
    // The city serves exactly the crafted key set (published entries are only read for publicJwk).
    city.published = built.keys.map((publicJwk) => ({ publicJwk }) as unknown as CityKey);
    keysGw = await gatewayWith([city.partner({ algorithms: fixture.algorithms ?? ['ES256'] })]);
    const payload = await city.payload({ color: '未见异常', now: keysGw.clock.now(), document: DOCUMENT });
    const b64 = (text: string): string => Buffer.from(text).toString('base64url');
    const input = `${b64(JSON.stringify({ alg: built.alg, kid: built.kid, typ: BEIJING.typ }))}.${b64(JSON.stringify(payload))}`;
    const signature = built.sign ? await built.sign(input) : Buffer.alloc(64, 1);
    expect(await refusal(keysGw, `${input}.${Buffer.from(signature).toString('base64url')}`)).toBe(expected);
    expect(city.requests).toBeGreaterThanOrEqual(1);
    // Why the set was refused is not public (the code is); the partner's key status records it.
    const status = keysGw.deps.keySource.status('keyset') as { lastErrorReason?: string | null };
    expect(status.lastErrorReason ?? null).toBe(fixture.reason ?? null);
  });
});

describe('hostile request bodies', () => {
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

  it.each([
    ['a request body that is a gzip bomb', () => request(gw.app).post('/v1/verify').set('content-type', 'application/json').set('content-encoding', 'gzip').send(gzipSync(Buffer.from(JSON.stringify({ code: 'A'.repeat(20_000_000) })))), [400, 413], ['ERR_INVALID_JSON', 'ERR_BODY_TOO_LARGE']],
    ['a body in an unsupported content encoding', () => request(gw.app).post('/v1/verify').set('content-type', 'application/json').set('content-encoding', 'compress').send('{"code":"x"}'), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['a body in Latin-1', () => request(gw.app).post('/v1/verify').set('content-type', 'application/json; charset=iso-8859-1').send('{"code":"x"}'), 415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['a body whose only member is __proto__', () => request(gw.app).post('/v1/verify').set('content-type', 'application/json').send('{"__proto__":{"code":"x"}}'), 400, 'ERR_VALIDATION'],
    ['a body with a constructor member beside the code', () => request(gw.app).post('/v1/verify').set('content-type', 'application/json').send('{"code":"x","constructor":{"prototype":{"a":1}}}'), 400, 'ERR_VALIDATION'],
    ['a code nested 5000 arrays deep', () => request(gw.app).post('/v1/verify').set('content-type', 'application/json').send(`{"code":${'['.repeat(5000)}${']'.repeat(5000)}}`), 400, 'ERR_VALIDATION'],
    ['a path with broken percent-encoding', () => request(gw.app).get('/v1/subjects/%E0%A4%A/code'), 404, 'ERR_NOT_FOUND'],
    ['a path with a non-hex percent escape', () => request(gw.app).get('/v1/subjects/%ZZ/code').set('authorization', 'Bearer x'), 404, 'ERR_NOT_FOUND'],
  ] as Array<[string, () => request.Test, number | number[], string | string[]]>)('answers %s with a 4xx code, never a 5xx', async (_what, send, status, code) => {
    const res = await send();
    expect([status].flat()).toContain(res.status);
    expect([code].flat()).toContain(res.body.error.code);
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

describe('after the corpus', () => {
  it('every metric label is still within its bounded set', async () => {
    expect(await metricLabelViolations(gw)).toEqual([]);
  });
});
