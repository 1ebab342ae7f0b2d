import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { loadConfig, ConfigError } from '../../gateway/config/load-config.js';
import type { PartnerStatus } from '../../gateway/types/schemas.js';
import { TestClock, type TestGateway } from '../helpers/test-gateway.js';
import { PartnerCity } from '../recognition/partner-city.js';
import { BEIJING, SHANGHAI } from '../recognition/profiles.js';
import { gatewayWith, JWKS, metric, reload, verdict, writePartner } from '../recognition/setup.js';
import { federationKey, TrustListServer, writePinnedKeys, type FederationKey } from './trust-list-server.js';

/**
 * One gateway whose partners come from a federation's trust list served over real HTTP, with
 * simulated member cities (their own key servers). What an operator of one city sees: refresh
 * timing, expiry, local files beside the list, /v1/partners and the metrics.
 */
const clock = new TestClock();
/** The first fetches of a cold process can take longer than setup.ts's 300 ms on a loaded machine. */
const SLOW_MACHINE_JWKS = { ...JWKS, timeoutMs: 3000 };
let server: TrustListServer;
let fedKey: FederationKey;
let beijing: PartnerCity;
let shanghai: PartnerCity;
let dir: string;
let gw: TestGateway;
let sequence = 0;

async function publish(members = [beijing.partner(), shanghai.partner()], options: { ttlSeconds?: number } = {}): Promise<void> {
  await server.publish(members, fedKey, ++sequence, { now: clock.now(), ...options });
  await gw.trustList!.refresh();
}

async function partners(): Promise<PartnerStatus[]> {
  return (await request(gw.app).get('/v1/partners')).body.partners as PartnerStatus[];
}

const code = (city: PartnerCity, color: string): Promise<string> => city.code({ color, now: clock.now(), document: null });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hcg-trust-list-'));
  server = await TrustListServer.start();
  fedKey = await federationKey('EdDSA');
  beijing = await PartnerCity.start(BEIJING);
  shanghai = await PartnerCity.start(SHANGHAI);
  await server.publish([beijing.partner(), shanghai.partner()], fedKey, ++sequence, { now: clock.now() });
  gw = await gatewayWith([], {
    clock,
    dir,
    overrides: { jwks: SLOW_MACHINE_JWKS, trustList: { uri: server.uri, keysFile: writePinnedKeys(dir, [fedKey]), staleMaxSeconds: 86_400, maxBytes: 1_048_576 } },
  });
});

afterAll(async () => {
  await gw?.close();
  await Promise.all([server?.close(), beijing?.close(), shanghai?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('a gateway configured with TRUST_LIST_URI and TRUST_LIST_KEYS', () => {
  it('loads its partners from the list at start and verifies their codes', async () => {
    expect(gw.trustList!.status()).toMatchObject({ sequence: 1, inForce: true, members: 2 });
    expect(await verdict(gw, await code(beijing, '未见异常'))).toBe('valid');
    expect((await partners()).map((p) => [p.id, p.source])).toEqual([['xinji', 'self'], ['beijing', 'trust-list'], ['shanghai', 'trust-list']]);
  });

  it.each([
    ['max-age=1', 10_000],
    ['max-age=86400', 300_000],
    [null, 30_000],
    ['no-store', 10_000],
  ])('refreshes after the server\'s Cache-Control (%s) held to 10 s – 5 min', async (header, expected) => {
    server.cacheControl = header;
    await publish();
    expect(gw.trustList!.status().refreshMs).toBe(expected);
    server.cacheControl = 'max-age=60';
  });

  it('refuses a list past its expiresAt, and stops recognising members once the held list expires', async () => {
    await publish(undefined, { ttlSeconds: 120 });
    const held = gw.trustList!.status().sequence;
    // The server keeps serving the same list: past its expiresAt it is refused as expired.
    clock.advance(121_000);
    await gw.trustList!.refresh();
    expect(gw.trustList!.status()).toMatchObject({ sequence: held, inForce: false, lastError: { reason: 'expired' } });
    expect(await verdict(gw, await code(beijing, '未见异常'))).toBe('ERR_ISSUER_UNKNOWN');
    expect(await metric(gw, 'gateway_trust_list_members')).toBe(0);
    await publish();
    expect(await verdict(gw, await code(beijing, '未见异常'))).toBe('valid');
  });

  it('serves the same list again as unchanged, and refuses the same sequence with other members', async () => {
    await publish();
    await gw.trustList!.refresh();
    expect(gw.trustList!.status().lastError).toBeNull();
    expect(await metric(gw, 'gateway_trust_list_fetches_total', { outcome: 'unchanged' })).toBeGreaterThanOrEqual(1);
    await server.publish([beijing.partner()], fedKey, sequence, { now: clock.now() });
    await gw.trustList!.refresh();
    expect(gw.trustList!.status()).toMatchObject({ members: 2, lastError: { reason: 'replayed' } });
  });

  it('a local file may suspend a listed partner, which /v1/partners shows', async () => {
    await publish();
    writePartner(dir, { ...beijing.partner(), status: 'suspended' });
    expect((await reload(gw)).status).toBe(200);
    expect((await partners()).find((p) => p.id === 'beijing')).toMatchObject({ source: 'trust-list', status: 'suspended', suspendedLocally: true });
    expect(await verdict(gw, await code(beijing, '未见异常'))).toBe('ERR_ISSUER_SUSPENDED');
    rmSync(join(dir, 'partners', 'beijing.json'));
    expect((await reload(gw)).status).toBe(200);
    expect(await verdict(gw, await code(beijing, '未见异常'))).toBe('valid');
  });

  it('a local file never adds keys to a listed partner, under its id or under another id with its issuer', async () => {
    const impostor = await PartnerCity.start(SHANGHAI);
    try {
      // A file under the listed id, then one under another id naming the listed issuer: both point
      // at the impostor's key server, whose key signs a code claiming to be Shanghai's.
      const forged = await impostor.code({ color: '绿码', now: clock.now(), document: null, iss: shanghai.issuer });
      for (const [file, id] of [['shanghai.json', 'shanghai'], ['shanghai-extra.json', 'shanghai-extra']] as const) {
        writePartner(dir, { ...shanghai.partner(), id, jwksUri: impostor.jwksUri });
        expect((await reload(gw)).status).toBe(200);
        expect(await verdict(gw, forged)).toBe('ERR_KID_UNKNOWN');
        expect(await verdict(gw, await code(shanghai, '绿码'))).toBe('valid');
        const listed = await partners();
        expect(listed.find((p) => p.id === 'shanghai')).toMatchObject({ source: 'trust-list', status: 'active' });
        expect(listed.map((p) => p.id)).not.toContain('shanghai-extra');
        expect(impostor.requests).toBe(0);
        rmSync(join(dir, 'partners', file));
      }
    } finally {
      rmSync(join(dir, 'partners', 'shanghai.json'), { force: true });
      rmSync(join(dir, 'partners', 'shanghai-extra.json'), { force: true });
      await reload(gw);
      await impostor.close();
    }
  });

  it('local partners not on the list keep working beside it', async () => {
    const other = await PartnerCity.start({ ...SHANGHAI, id: 'wuhan', name: '武汉市', region: '420100' });
    try {
      writePartner(dir, other.partner());
      expect((await reload(gw)).status).toBe(200);
      expect((await partners()).find((p) => p.id === 'wuhan')).toMatchObject({ source: 'local' });
      expect(await verdict(gw, await code(other, '绿码'))).toBe('valid');
    } finally {
      rmSync(join(dir, 'partners', 'wuhan.json'));
      await reload(gw);
      await other.close();
    }
  });

  it('exports the list\'s health as metrics', async () => {
    await publish();
    expect(await metric(gw, 'gateway_trust_list_in_force')).toBe(1);
    expect(await metric(gw, 'gateway_trust_list_sequence')).toBe(sequence);
    expect(await metric(gw, 'gateway_trust_list_members')).toBe(2);
    expect(await metric(gw, 'gateway_trust_list_age_seconds')).toBe(0);
    expect(await metric(gw, 'gateway_trust_list_expires_in_seconds')).toBe(86_400);
  });
});

describe('a restarted gateway', () => {
  it('still refuses an older list than the one it took before the restart (the sequence is kept in its database)', async () => {
    const keep = mkdtempSync(join(tmpdir(), 'hcg-trust-restart-'));
    const overrides = { jwks: SLOW_MACHINE_JWKS, trustList: { uri: server.uri, keysFile: join(dir, 'federation.jwks.json'), staleMaxSeconds: 3600, maxBytes: 1_048_576 } };
    try {
      const older = await server.publish([beijing.partner()], fedKey, 1000, { now: clock.now() });
      await server.publish([beijing.partner(), shanghai.partner()], fedKey, 1001, { now: clock.now() });
      const first = await gatewayWith([], { clock, dir: keep, overrides });
      expect(first.trustList!.status()).toMatchObject({ sequence: 1001, inForce: true });
      await first.close();
      server.body = older;
      const second = await gatewayWith([], { clock, dir: keep, overrides });
      try {
        expect(second.trustList!.status()).toMatchObject({ sequence: null, inForce: false, lastError: { reason: 'replayed' } });
        expect(await verdict(second, await code(beijing, '未见异常'))).toBe('ERR_ISSUER_UNKNOWN');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(keep, { recursive: true, force: true });
      sequence = 1001;
    }
  });
});

describe('trust-list configuration', () => {
  it('TRUST_LIST_URI without TRUST_LIST_KEYS stops the start with a message naming both', () => {
    expect(() => loadConfig({ TRUST_LIST_URI: 'https://hebei.example/trust-list.jws' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_LIST_URI: 'https://hebei.example/trust-list.jws' })).toThrow(/keysFile/);
  });

  it('a TRUST_LIST_KEYS file holding a private key stops the start', async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'hcg-pinned-'));
    try {
      const key = await federationKey();
      writeFileSync(join(keysDir, 'keys.json'), JSON.stringify({ keys: [key.privateJwk] }));
      await expect(gatewayWith([], { overrides: { trustList: { uri: 'http://127.0.0.1:9/list', keysFile: join(keysDir, 'keys.json'), staleMaxSeconds: 3600, maxBytes: 4096 } } })).rejects.toThrow(/not a public JWK Set/);
    } finally {
      rmSync(keysDir, { recursive: true, force: true });
    }
  });

  it('a list URI that is not https (or loopback with the test setting) is never fetched', async () => {
    const other = await gatewayWith([], {
      clock,
      overrides: { allowInsecureLoopbackJwks: false, trustList: { uri: server.uri, keysFile: join(dir, 'federation.jwks.json'), staleMaxSeconds: 3600, maxBytes: 1_048_576 } },
    });
    try {
      const before = server.requests;
      await other.trustList!.refresh();
      expect(other.trustList!.status()).toMatchObject({ inForce: false, lastError: { reason: 'insecure_uri' } });
      expect(server.requests).toBe(before);
    } finally {
      await other.close();
    }
  });
});
