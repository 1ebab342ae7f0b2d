import { CompactSign, compactVerify } from 'jose';
import { MockAgent } from 'undici';
import { RemoteKeySource } from '../../gateway/partners/key-cache.js';
import { CompositeKeySource, LocalKeySource } from '../../gateway/partners/local-key-source.js';
import { PartnerRegistry } from '../../gateway/partners/registry.js';
import type { PublicJwk } from '../../gateway/types/schemas.js';
import { partner, testKey } from './fixtures.js';

const JWKS = { timeoutMs: 1000, maxBytes: 65536, maxKeys: 20, refreshSeconds: 3600, kidCooldownSeconds: 30, staleMaxSeconds: 86400 };
const self = partner({ id: 'xinji', issuer: 'https://gateway.xinji.example', region: '130181', jwksUri: 'https://gateway.xinji.example/.well-known/jwks.json' });

async function code(p: Promise<unknown>): Promise<string> {
  return p.then(() => 'resolved', (e: { code: string }) => e.code);
}

describe('LocalKeySource and CompositeKeySource', () => {
  let agent: MockAgent;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect(); // the own issuer's keys must never be fetched over the network
  });
  afterEach(async () => { await agent.close(); });

  it("verifies the gateway's own codes from the published keys and follows the keystore's rotation", async () => {
    const active = await testKey('own-1');
    const next = await testKey('own-2');
    let published: PublicJwk[] = [active.publicJwk as PublicJwk];
    const local = new LocalKeySource(() => published, () => 1000);
    const jws = await new CompactSign(new TextEncoder().encode('{}')).setProtectedHeader({ alg: 'ES256', kid: 'own-1' }).sign(active.privateKey);
    await expect(compactVerify(jws, (await local.getKey(self, 'own-1', 'ES256')).key)).resolves.toBeDefined();
    expect(await code(local.getKey(self, 'own-2', 'ES256'))).toBe('ERR_KID_UNKNOWN');
    published = [active.publicJwk as PublicJwk, next.publicJwk as PublicJwk];
    expect((await local.getKey(self, 'own-2', 'ES256')).kid).toBe('own-2');
    expect(local.status()).toEqual({ keyCount: 2, lastFetchAt: 1000, lastErrorCode: null });
  });

  it('routes the own issuer to the local keys and partners to the remote source', async () => {
    const own = await testKey('own-1');
    const beijing = partner();
    const local = new LocalKeySource(() => [own.publicJwk as PublicJwk]);
    const remote = new RemoteKeySource({ registry: new PartnerRegistry([beijing], self), jwks: JWKS, allowInsecureLoopback: false, dispatcher: agent, background: false });
    const keys = new CompositeKeySource('xinji', local, remote);
    expect((await keys.getKey(self, 'own-1', 'ES256')).kid).toBe('own-1');
    // The partner goes to the network, which the mock refuses: the keys are unavailable.
    expect(await code(keys.getKey(beijing, 'own-1', 'ES256'))).toBe('ERR_KEYS_UNAVAILABLE');
    expect(keys.status('xinji').keyCount).toBe(1);
    expect(keys.status('beijing')).toMatchObject({ keyCount: 0, lastFetchAt: null, lastErrorCode: 'ERR_KEYS_UNAVAILABLE' });
    await keys.close();
  });

  it('does not fetch the own issuer when warming up the partners', async () => {
    const remote = new RemoteKeySource({ registry: new PartnerRegistry([], self), jwks: JWKS, allowInsecureLoopback: false, dispatcher: agent, background: false });
    await remote.refreshAll();
    expect(remote.status('xinji')).toEqual({ keyCount: 0, lastFetchAt: null, lastErrorCode: null, lastErrorReason: null });
    await remote.close();
  });
});
