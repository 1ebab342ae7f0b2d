import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { freePort } from '../../demo/processes.js';
import { partnerFromIssuerMetadata } from '../../gateway/issuer/issuer-metadata.js';
import type { Partner, PartnerStatus } from '../../gateway/types/schemas.js';
import { personDeclaration, TestClock, type TestGateway } from '../helpers/test-gateway.js';
import { gatewayWith, JWKS, metric, verdict } from '../recognition/setup.js';
import { federationKey, TrustListServer, writePinnedKeys, type FederationKey } from './trust-list-server.js';

/**
 * Three cities of one province, each its own gateway listening on loopback, all configured with
 * the same trust-list server (real HTTP) and the federation's pinned key. Nobody exchanges
 * partner files: membership is the signed list. Each step publishes a list and has every gateway
 * refresh once — no restart, no reload.
 */
interface City {
  gw: TestGateway;
  partner: Partner;
}

const clock = new TestClock();
let server: TrustListServer;
let fedKey: FederationKey;
let dir: string;
let xinji: City;
let dingzhou: City;
let hengshui: City;
let people = 0;

async function startCity(id: string, name: string, region: string, pinned: string): Promise<City> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const gw = await gatewayWith([], {
    clock,
    overrides: {
      port, host: '127.0.0.1',
      // A cold gateway's first answers (schemas compiled on first use) can take longer than 300 ms on a loaded machine.
      jwks: { ...JWKS, timeoutMs: 3000 },
      issuer: { url, id, name, region, signingAlg: 'ES256' },
      trustList: { uri: server.uri, keysFile: pinned, staleMaxSeconds: 3600, maxBytes: 1_048_576 },
    },
  });
  await gw.listen();
  return { gw, partner: partnerFromIssuerMetadata(gw.deps.metadata) };
}

/** A fresh code of a new person, issued by `city`'s own gateway. */
async function codeOf(city: City): Promise<string> {
  const res = await request(city.gw.app).post('/v1/declarations').send(personDeclaration(++people));
  expect(res.status).toBe(201);
  return res.body.credential.jws as string;
}

async function refreshAll(): Promise<void> {
  for (const c of [xinji, dingzhou, hengshui]) await c.gw.trustList!.refresh();
}

async function listed(city: City): Promise<PartnerStatus[]> {
  return (await request(city.gw.app).get('/v1/partners')).body.partners as PartnerStatus[];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hcg-federation-'));
  server = await TrustListServer.start();
  fedKey = await federationKey();
  const pinned = writePinnedKeys(dir, [fedKey]);
  // The gateways start before any list is published: they start, recognise nobody, and keep trying.
  xinji = await startCity('xinji', '辛集市', '130181', pinned);
  dingzhou = await startCity('dingzhou', '定州市', '130682', pinned);
  hengshui = await startCity('hengshui', '衡水市', '131100', pinned);
  await server.publish([xinji.partner, dingzhou.partner], fedKey, 1, { now: clock.now() });
  await refreshAll();
}, 30_000);

afterAll(async () => {
  for (const c of [xinji, dingzhou, hengshui]) await c?.gw.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('three cities sharing one signed trust list', () => {
  it('members recognise each other\'s codes, and /v1/partners says they came from the list', async () => {
    expect(await verdict(dingzhou.gw, await codeOf(xinji))).toBe('valid');
    expect(await verdict(xinji.gw, await codeOf(dingzhou))).toBe('valid');
    const atDingzhou = await listed(dingzhou);
    expect(atDingzhou.find((p) => p.id === 'xinji')).toMatchObject({ source: 'trust-list', status: 'active', keyCount: 1 });
    expect(atDingzhou.find((p) => p.id === 'dingzhou')).toMatchObject({ source: 'self' });
  });

  it('a city not on the list is refused as an unknown issuer, and the joining city itself already recognises the members', async () => {
    expect(await verdict(xinji.gw, await codeOf(hengshui))).toBe('ERR_ISSUER_UNKNOWN');
    expect(await verdict(hengshui.gw, await codeOf(xinji))).toBe('valid');
  });

  it('a city added to the list is recognised by the others after one refresh, without a restart', async () => {
    const code = await codeOf(hengshui);
    expect(await verdict(xinji.gw, code)).toBe('ERR_ISSUER_UNKNOWN');
    await server.publish([xinji.partner, dingzhou.partner, hengshui.partner], fedKey, 2, { now: clock.now() });
    await refreshAll();
    expect(await verdict(xinji.gw, code)).toBe('valid');
    expect(await verdict(dingzhou.gw, code)).toBe('valid');
  });

  it('a city removed from the list is refused after one refresh, even a code verified moments before', async () => {
    const code = await codeOf(dingzhou);
    expect(await verdict(xinji.gw, code)).toBe('valid');
    await server.publish([xinji.partner, hengshui.partner], fedKey, 3, { now: clock.now() });
    await refreshAll();
    expect(await verdict(xinji.gw, code)).toBe('ERR_ISSUER_UNKNOWN');
    expect(await verdict(hengshui.gw, code)).toBe('ERR_ISSUER_UNKNOWN');
    expect((await listed(xinji)).map((p) => p.id)).not.toContain('dingzhou');
  });

  it('a replayed older list, validly signed, is refused: the removed city stays refused', async () => {
    const older = await server.publish([xinji.partner, dingzhou.partner, hengshui.partner], fedKey, 2, { now: clock.now() });
    expect(older.split('.')[2]).toBeTruthy();
    await refreshAll();
    const code = await codeOf(dingzhou);
    expect(await verdict(xinji.gw, code)).toBe('ERR_ISSUER_UNKNOWN');
    expect(xinji.gw.trustList!.status()).toMatchObject({ sequence: 3, inForce: true, lastError: { reason: 'replayed' } });
    expect(await metric(xinji.gw, 'gateway_trust_list_fetches_total', { outcome: 'replayed' })).toBe(1);
  });

  it('a list signed by a key the gateways do not pin is refused, whatever its sequence', async () => {
    const intruder = await federationKey();
    await server.publish([xinji.partner, dingzhou.partner, hengshui.partner], intruder, 99, { now: clock.now() });
    await refreshAll();
    expect(await verdict(hengshui.gw, await codeOf(dingzhou))).toBe('ERR_ISSUER_UNKNOWN');
    expect(hengshui.gw.trustList!.status()).toMatchObject({ sequence: 3, lastError: { reason: 'unpinned_key' } });
    expect(await metric(hengshui.gw, 'gateway_trust_list_fetches_total', { outcome: 'unpinned_key' })).toBe(1);
    expect(await metric(hengshui.gw, 'gateway_trust_list_sequence')).toBe(3);
  });

  it('a list whose signature was altered is refused', async () => {
    const good = await server.publish([xinji.partner, dingzhou.partner, hengshui.partner], fedKey, 4, { now: clock.now() });
    const [h, p, s] = good.split('.') as [string, string, string];
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
    server.body = `${h}.${p}.${flipped}`;
    await refreshAll();
    expect(xinji.gw.trustList!.status()).toMatchObject({ sequence: 3, lastError: { reason: 'bad_signature' } });
    expect(await verdict(xinji.gw, await codeOf(dingzhou))).toBe('ERR_ISSUER_UNKNOWN');
  });

  it('when the list cannot be refreshed, the last good one holds within the bound, then its members are refused (fail closed)', async () => {
    await server.publish([xinji.partner, hengshui.partner], fedKey, 5, { now: clock.now() });
    await refreshAll();
    await server.stop();
    clock.advance(3000 * 1000); // within TRUST_LIST_STALE_MAX_SECONDS (3600)
    await xinji.gw.trustList!.refresh();
    expect(xinji.gw.trustList!.status()).toMatchObject({ inForce: true, lastError: { reason: 'network' } });
    expect(await verdict(xinji.gw, await codeOf(hengshui))).toBe('valid');
    clock.advance(700 * 1000); // past it
    await xinji.gw.trustList!.refresh();
    expect(xinji.gw.trustList!.status()).toMatchObject({ inForce: false, members: 0 });
    expect(await verdict(xinji.gw, await codeOf(hengshui))).toBe('ERR_ISSUER_UNKNOWN');
    expect(await metric(xinji.gw, 'gateway_trust_list_in_force')).toBe(0);
    // Its own codes are unaffected: the gateway's own issuer never comes from the list.
    expect(await verdict(xinji.gw, await codeOf(xinji))).toBe('valid');
    await server.restart();
    await xinji.gw.trustList!.refresh();
    expect(xinji.gw.trustList!.status()).toMatchObject({ inForce: true, sequence: 5 });
    expect(await verdict(xinji.gw, await codeOf(hengshui))).toBe('valid');
  });
});
