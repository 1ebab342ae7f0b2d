import { CompactSign, compactVerify } from 'jose';
import { RemoteKeySource, type RemoteKeySourceOptions } from '../../gateway/partners/key-cache.js';
import { PartnerRegistry } from '../../gateway/partners/registry.js';
import type { GatewayConfig, Partner } from '../../gateway/types/schemas.js';
import { partner, testKey, type TestKey } from './fixtures.js';
import { JwksServer } from './jwks-server.js';
import { loopbackPerTest, outcomeOf } from './loopback-harness.js';

const JWKS: GatewayConfig['jwks'] = { timeoutMs: 1000, maxBytes: 65536, maxKeys: 20, refreshSeconds: 3600, kidCooldownSeconds: 30, staleMaxSeconds: 86400 };
const T0 = Date.UTC(2020, 2, 16, 8, 0, 0);

let t: number;
const loop = loopbackPerTest(JWKS.timeoutMs);
let keyA: TestKey;
let keyB: TestKey;

beforeAll(async () => {
  keyA = await testKey('beijing-2020-a');
  keyB = await testKey('beijing-2020-b');
});

beforeEach(() => {
  t = T0;
});

async function server(...keys: TestKey[]): Promise<JwksServer> {
  const s = loop.server(await new JwksServer().start());
  s.keys = keys.map((k) => k.publicJwk);
  return s;
}

function source(partners: Partner[], extra: Partial<RemoteKeySourceOptions> = {}): RemoteKeySource {
  return loop.source(new RemoteKeySource({
    registry: new PartnerRegistry(partners), jwks: JWKS, allowInsecureLoopback: true, now: () => t, dispatcher: loop.dispatcher, background: false, ...extra,
  }));
}

const code = (p: Promise<unknown>): Promise<string> => outcomeOf(p, 'resolved');

const beijing = (s: JwksServer, extra: Partial<Partner> = {}): Partner => partner({ jwksUri: s.url(), ...extra });

describe('RemoteKeySource against real key servers on loopback', () => {
  it('fetches a partner key that verifies a code the partner signed', async () => {
    const s = await server(keyA);
    const p = beijing(s);
    const keys = source([p]);
    const jws = await new CompactSign(new TextEncoder().encode('{"hc":{"color":"未见异常"}}'))
      .setProtectedHeader({ alg: 'ES256', kid: keyA.kid }).sign(keyA.privateKey);
    const key = await keys.getKey(p, keyA.kid, 'ES256');
    await expect(compactVerify(jws, key.key)).resolves.toBeDefined();
    expect(keys.status(p.id)).toMatchObject({ keyCount: 1, lastFetchAt: T0, lastErrorCode: null });
  });

  it('picks up a rotated key: an unknown kid triggers one refetch that finds it', async () => {
    const s = await server(keyA);
    const p = beijing(s);
    const keys = source([p]);
    await keys.refreshAll();
    s.keys = [keyA.publicJwk, keyB.publicJwk];
    t += 1000;
    const key = await keys.getKey(p, keyB.kid, 'ES256');
    expect(key.kid).toBe(keyB.kid);
    expect(s.requests).toBe(2);
  });

  it('serves the last good keys while the partner answers 503, until the staleness bound, then refuses', async () => {
    const s = await server(keyA);
    const p = beijing(s);
    const keys = source([p]);
    await keys.refreshAll();
    s.mode = 'unavailable';
    t = T0 + JWKS.refreshSeconds * 1000; // due: a refresh is attempted behind the answer
    await expect(keys.getKey(p, keyA.kid, 'ES256')).resolves.toMatchObject({ kid: keyA.kid });
    await keys.refresh(p.id);
    expect(keys.status(p.id)).toMatchObject({ lastFetchAt: T0, lastErrorCode: 'ERR_KEYS_UNAVAILABLE', lastErrorReason: 'http_status' });
    t = T0 + JWKS.staleMaxSeconds * 1000;
    await expect(keys.getKey(p, keyA.kid, 'ES256')).resolves.toMatchObject({ kid: keyA.kid });
    t += 1;
    expect(await code(keys.getKey(p, keyA.kid, 'ES256'))).toBe('ERR_KEYS_UNAVAILABLE');
  });

  it('serves the last good keys while the partner server is gone, until the staleness bound', async () => {
    const s = await server(keyA);
    const p = beijing(s);
    const keys = source([p]);
    await keys.refreshAll();
    await s.close();
    t = T0 + JWKS.refreshSeconds * 1000;
    await keys.refresh(p.id);
    expect(keys.status(p.id).lastErrorReason).toBe('network');
    await expect(keys.getKey(p, keyA.kid, 'ES256')).resolves.toMatchObject({ kid: keyA.kid });
    t = T0 + JWKS.staleMaxSeconds * 1000 + 1;
    expect(await code(keys.getKey(p, keyA.kid, 'ES256'))).toBe('ERR_KEYS_UNAVAILABLE');
  });

  it('gives ERR_KEYS_UNAVAILABLE, without hanging, when a partner never answers', async () => {
    const s = await server(keyA);
    s.mode = 'hang';
    const p = beijing(s);
    const keys = source([p]);
    const started = Date.now();
    expect(await code(keys.getKey(p, keyA.kid, 'ES256'))).toBe('ERR_KEYS_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(keys.status(p.id)).toMatchObject({ keyCount: 0, lastFetchAt: null, lastErrorReason: 'timeout' });
  });

  it('stops reading an endless body at the size cap', async () => {
    const s = await server(keyA);
    s.mode = 'endless';
    const p = beijing(s);
    const keys = source([p]);
    const started = Date.now();
    expect(await code(keys.getKey(p, keyA.kid, 'ES256'))).toBe('ERR_KEYS_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(keys.status(p.id).lastErrorReason).toBe('too_large');
  });

  it('answers a storm of 50 unknown kids with exactly one refetch, and none more within the cooldown', async () => {
    const s = await server(keyA);
    const p = beijing(s);
    const keys = source([p]);
    await keys.refreshAll();
    expect(s.requests).toBe(1);
    const codes = await Promise.all(Array.from({ length: 50 }, (_, i) => code(keys.getKey(p, `made-up-${i}`, 'ES256'))));
    expect(new Set(codes)).toEqual(new Set(['ERR_KID_UNKNOWN']));
    expect(s.requests).toBe(2);
    t += (JWKS.kidCooldownSeconds - 1) * 1000;
    for (let i = 0; i < 10; i++) expect(await code(keys.getKey(p, `again-${i}`, 'ES256'))).toBe('ERR_KID_UNKNOWN');
    expect(s.requests).toBe(2);
    t += 1000;
    expect(await code(keys.getKey(p, 'after-cooldown', 'ES256'))).toBe('ERR_KID_UNKNOWN');
    expect(s.requests).toBe(3);
  });

  it("never finds one partner's key among another partner's keys, even under the same kid", async () => {
    const fujianKey = await testKey('fujian-1');
    const sameKid = await testKey(keyA.kid);
    const sBeijing = await server(keyA);
    const sFujian = await server(fujianKey, sameKid);
    const pBeijing = beijing(sBeijing);
    const pFujian = partner({ id: 'fujian', issuer: 'https://fujian.example', jwksUri: sFujian.url() });
    const keys = source([pBeijing, pFujian]);
    await keys.refreshAll();
    expect(await code(keys.getKey(pBeijing, fujianKey.kid, 'ES256'))).toBe('ERR_KID_UNKNOWN');
    expect((await keys.getKey(pBeijing, keyA.kid, 'ES256')).jwk.x).toBe(keyA.publicJwk.x);
    expect((await keys.getKey(pFujian, keyA.kid, 'ES256')).jwk.x).toBe(sameKid.publicJwk.x);
  });

  it('sends no request at all for a suspended partner', async () => {
    const s = await server(keyA);
    const p = beijing(s, { status: 'suspended' });
    const keys = source([p]);
    await keys.refreshAll();
    expect(await code(keys.getKey(p, keyA.kid, 'ES256'))).toBe('ERR_ISSUER_SUSPENDED');
    await keys.refresh(p.id);
    expect(s.requests).toBe(0);
  });

  it('refuses an algorithm the partner is not pinned to without any request', async () => {
    const s = await server(keyA);
    const p = beijing(s);
    const keys = source([p]);
    expect(await code(keys.getKey(p, keyA.kid, 'HS256'))).toBe('ERR_JWS_ALG_NOT_ALLOWED');
    expect(s.requests).toBe(0);
  });

  it('backs off exponentially while a never-fetched partner keeps failing', async () => {
    const s = await server(keyA);
    s.mode = 'unavailable';
    const p = beijing(s);
    const keys = source([p], { backoff: { initialMs: 1000, maxMs: 4000 } });
    const attempt = async (): Promise<number> => {
      expect(await code(keys.getKey(p, keyA.kid, 'ES256'))).toBe('ERR_KEYS_UNAVAILABLE');
      return s.requests;
    };
    expect(await attempt()).toBe(1);
    expect(await attempt()).toBe(1); // within 1 s
    t += 1000;
    expect(await attempt()).toBe(2);
    t += 1000;
    expect(await attempt()).toBe(2); // now 2 s
    t += 1000;
    expect(await attempt()).toBe(3);
    t += 4000; // bounded at 4 s
    expect(await attempt()).toBe(4);
    t += 4000;
    s.mode = 'ok';
    await expect(keys.getKey(p, keyA.kid, 'ES256')).resolves.toMatchObject({ kid: keyA.kid });
    expect(s.requests).toBe(5);
  });

  it('reports every fetch to the metrics hook with its outcome', async () => {
    const s = await server(keyA);
    const p = beijing(s);
    const seen: Array<[string, string]> = [];
    const keys = source([p], { hooks: { onFetch: (id, outcome, seconds) => { expect(seconds).toBeGreaterThanOrEqual(0); seen.push([id, outcome]); } } });
    await keys.refreshAll();
    s.mode = 'unavailable';
    t += JWKS.refreshSeconds * 1000;
    await keys.refresh(p.id);
    expect(seen).toEqual([['beijing', 'ok'], ['beijing', 'error']]);
  });

  it('drops cached keys when a reload points the partner at another key server', async () => {
    const s1 = await server(keyA);
    const s2 = await server(keyB);
    const registry = new PartnerRegistry([beijing(s1)]);
    const keys = source([], { registry });
    await keys.refreshAll();
    registry.reload([beijing(s2)]);
    const moved = registry.byId('beijing')!;
    expect(await code(keys.getKey(moved, keyA.kid, 'ES256'))).toBe('ERR_KID_UNKNOWN');
    expect((await keys.getKey(moved, keyB.kid, 'ES256')).kid).toBe(keyB.kid);
  });

  it('stops fetching once closed', async () => {
    const s = await server(keyA);
    const p = beijing(s);
    const keys = source([p], { background: true });
    await keys.refreshAll();
    await keys.close();
    await keys.refreshAll();
    expect(s.requests).toBe(1);
  });
});
