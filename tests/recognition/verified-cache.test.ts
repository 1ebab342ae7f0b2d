import { rmSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { metricLabelViolations } from '../helpers/metric-labels.js';
import { RISK_FEED_TOKEN, TestClock, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { entry, StatusListServer } from '../partners/status-list-server.js';
import { PartnerCity } from './partner-city.js';
import { BEIJING } from './profiles.js';
import { eventually, gatewayWith, metric, payloadOf, reload, verdict, writePartner } from './setup.js';

/**
 * The cache of verified results (VERIFY_CACHE_MAX_ENTRIES) may only ever save work: a code scanned
 * again moments later is answered without a second signature check, but never after its exp,
 * never with a key its partner no longer publishes, never for a partner removed or suspended,
 * never once its issuer says it is superseded or revoked, and never for a code that differs in a
 * single bit. Each test first makes the gateway cache the code, then changes the world.
 */
const document = { type: 'resident_id' as const, number: '110101199001010028' };
const STATUS_REFRESH_MS = 30_000; // a status list without Cache-Control is refreshed after 30 s

let cities: PartnerCity[];
let servers: StatusListServer[];
let gateways: TestGateway[];

beforeEach(() => {
  cities = [];
  servers = [];
  gateways = [];
});

afterEach(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await Promise.all([...cities, ...servers].map((c) => c.close()));
});

async function beijingWithGateway(options: { maxEntries?: number; statusList?: boolean } = {}): Promise<{ bj: PartnerCity; gw: TestGateway; status: StatusListServer | undefined }> {
  const clock = new TestClock();
  const bj = await PartnerCity.start(BEIJING);
  cities.push(bj);
  const status = options.statusList ? await new StatusListServer(bj.issuer, clock.now).start() : undefined;
  if (status) servers.push(status);
  const gw = await gatewayWith([bj.partner(status ? { statusUri: status.url } : {})], {
    clock,
    overrides: { verifyCacheMaxEntries: options.maxEntries ?? 100 },
  });
  gateways.push(gw);
  return { bj, gw, status };
}

const green = (bj: PartnerCity, gw: TestGateway, ttlSeconds = 900): Promise<string> => bj.code({ color: '未见异常', now: gw.clock.now(), document: null, ttlSeconds });

/** Verifies `code` twice; the second answer must come from the cache. */
async function cached(gw: TestGateway, code: string): Promise<void> {
  expect(await verdict(gw, code)).toBe('valid');
  const hits = gw.verifiedCache!.hits;
  expect(await verdict(gw, code)).toBe('valid');
  expect(gw.verifiedCache!.hits).toBe(hits + 1);
}

/** `jws` with the lowest bit of one signature character flipped (still canonical base64url). */
function flipOneBit(jws: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const i = jws.lastIndexOf('.') + 10;
  const flipped = alphabet[alphabet.indexOf(jws[i]!) ^ 1]!;
  return jws.slice(0, i) + flipped + jws.slice(i + 1);
}

describe('repeat scans of a code verified moments ago', () => {
  it('answers a repeat scan from the cache with the same credential, without fetching keys again', async () => {
    const { bj, gw } = await beijingWithGateway();
    const code = await green(bj, gw);
    const first = await request(gw.app).post('/v1/verify').send({ code });
    const requests = bj.requests;
    const second = await request(gw.app).post('/v1/verify').send({ code });
    expect(second.body).toEqual(first.body);
    expect(second.body.valid).toBe(true);
    expect(gw.verifiedCache!.hits).toBe(1);
    expect(bj.requests).toBe(requests);
  });

  it('tells operators in /metrics how full the cache is and how many lookups it answered', async () => {
    const { bj, gw } = await beijingWithGateway();
    await cached(gw, await green(bj, gw));
    await cached(gw, await green(bj, gw));
    expect(await metric(gw, 'gateway_verified_cache_entries')).toBe(2);
    expect(await metric(gw, 'gateway_verified_cache_lookups_total', { outcome: 'hit' })).toBe(2);
    expect(await metric(gw, 'gateway_verified_cache_lookups_total', { outcome: 'miss' })).toBe(2);
    expect(await metricLabelViolations(gw)).toEqual([]);
  });

  it('refuses a cached code once its exp has passed on the gateway clock', async () => {
    const { bj, gw } = await beijingWithGateway();
    const code = await green(bj, gw, 120);
    await cached(gw, code);
    gw.clock.advance((120 + gw.config.clockToleranceSeconds) * 1000);
    expect(await verdict(gw, code)).toBe('ERR_TOKEN_EXPIRED');
  });

  it('refuses a cached code whose key the partner rotated out, once the gateway has fetched the new key set', async () => {
    const { bj, gw } = await beijingWithGateway();
    const code = await green(bj, gw);
    await cached(gw, code);
    const old = bj.signingKey;
    await bj.rotate();
    bj.retire(old.kid);
    expect(await verdict(gw, await green(bj, gw))).toBe('valid'); // an unknown kid: the new set is fetched
    expect(await verdict(gw, code)).toBe('ERR_KID_UNKNOWN');
  });

  it('refuses a cached code of a partner suspended or removed by a reload', async () => {
    const { bj, gw } = await beijingWithGateway();
    const code = await green(bj, gw);
    await cached(gw, code);
    writePartner(gw.dir, bj.partner({ status: 'suspended' }));
    expect((await reload(gw)).status).toBe(200);
    expect(await verdict(gw, code)).toBe('ERR_ISSUER_SUSPENDED');

    writePartner(gw.dir, bj.partner());
    expect((await reload(gw)).status).toBe(200);
    await cached(gw, code);
    rmSync(join(gw.dir, 'partners', 'beijing.json'));
    expect((await reload(gw)).status).toBe(200);
    expect(await verdict(gw, code)).toBe('ERR_ISSUER_UNKNOWN');
  });

  it("refuses a cached code once the partner's status list names it as revoked", async () => {
    const { bj, gw, status } = await beijingWithGateway({ statusList: true });
    const code = await green(bj, gw);
    await cached(gw, code);
    status!.entries = [entry(payloadOf(code)['jti'] as string, 'revoked', gw.clock.now())];
    gw.clock.advance(STATUS_REFRESH_MS + 1000);
    await eventually(async () => (await verdict(gw, code)) === 'ERR_CREDENTIAL_REVOKED');
  });

  it('refuses a cached Xinji code at once when a confirmed case supersedes it', async () => {
    const gw = await gatewayWith([], { overrides: { verifyCacheMaxEntries: 100 } });
    gateways.push(gw);
    const declaration = personDeclaration(7);
    const declared = await request(gw.app).post('/v1/declarations').send(declaration);
    expect(declared.status).toBe(201);
    const code = declared.body.credential.jws as string;
    await cached(gw, code);
    const applicant = declaration['applicant'] as { document: unknown };
    const event = { id: 'case-cache-001', type: 'confirmed_case', document: applicant.document, occurredAt: new Date(gw.clock.now()).toISOString() };
    const fed = await request(gw.app).post('/v1/risk-events').set('authorization', `Bearer ${RISK_FEED_TOKEN}`).send({ events: [event] });
    expect(fed.body.credentialsSuperseded).toBe(1);
    expect(await verdict(gw, code)).toBe('ERR_CREDENTIAL_SUPERSEDED');
  });

  it('verifies a code one bit different from a cached one in full, and refuses it', async () => {
    const { bj, gw } = await beijingWithGateway();
    const code = await green(bj, gw);
    await cached(gw, code);
    const forged = flipOneBit(code);
    expect(forged).not.toBe(code);
    expect(await verdict(gw, forged)).toBe('ERR_JWS_SIGNATURE_INVALID');
    expect(await verdict(gw, code)).toBe('valid');
  });

  it('keeps at most VERIFY_CACHE_MAX_ENTRIES results, the least recently scanned going first', async () => {
    const { bj, gw } = await beijingWithGateway({ maxEntries: 3 });
    const codes = await Promise.all(Array.from({ length: 5 }, () => green(bj, gw)));
    for (const code of codes) expect(await verdict(gw, code)).toBe('valid');
    expect(gw.verifiedCache!.size).toBe(3);
    const hits = gw.verifiedCache!.hits;
    expect(await verdict(gw, codes[0]!)).toBe('valid'); // evicted: verified in full again
    expect(gw.verifiedCache!.hits).toBe(hits);
    expect(await verdict(gw, codes[4]!)).toBe('valid');
    expect(gw.verifiedCache!.hits).toBe(hits + 1);
    expect(gw.verifiedCache!.size).toBe(3);
  });

  it('has no cache when VERIFY_CACHE_MAX_ENTRIES is 0, and still verifies', async () => {
    const { bj, gw } = await beijingWithGateway({ maxEntries: 0 });
    expect(gw.verifiedCache).toBeUndefined();
    const code = await green(bj, gw);
    expect(await verdict(gw, code)).toBe('valid');
    expect(await verdict(gw, code)).toBe('valid');
  });
});

describe('a cold key cache under a crowd', () => {
  it("fetches a partner's keys exactly once for 1,000 concurrent first verifications of its codes", async () => {
    const { bj, gw } = await beijingWithGateway();
    const codes = await Promise.all(Array.from({ length: 1000 }, () => green(bj, gw)));
    expect(bj.requests).toBe(0);
    const outcomes = await Promise.all(codes.map((code) => gw.deps.verify(code)));
    expect(outcomes.filter((o) => o.valid)).toHaveLength(1000);
    expect(bj.requests).toBe(1);
  });
});
