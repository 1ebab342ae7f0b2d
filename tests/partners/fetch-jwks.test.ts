import { MockAgent } from 'undici';
import { fetchJwks, type FetchJwksOptions } from '../../gateway/partners/fetch-jwks.js';
import { partner, testKey } from './fixtures.js';

const ORIGIN = 'https://healthkit.beijing.example';
const PATH = '/.well-known/jwks.json';

let agent: MockAgent;
let options: FetchJwksOptions;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  options = { dispatcher: agent, timeoutMs: 2000, maxBytes: 4096, maxKeys: 5, allowInsecureLoopback: false };
});
afterEach(async () => { await agent.close(); });

function serve(status: number, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): void {
  agent.get(ORIGIN).intercept({ path: PATH, method: 'GET' }).reply(status, typeof body === 'string' ? body : JSON.stringify(body), { headers });
}

async function failure(p = partner()): Promise<{ code: string; reason: string }> {
  try {
    await fetchJwks(p, options);
  } catch (error) {
    return error as { code: string; reason: string };
  }
  throw new Error('fetchJwks did not fail');
}

// What a fetched set may contain (private members, enc keys, weak RSA, keys that do not fit the
// partner's algorithms, too many keys) is in the hostile corpus, end to end: tests/hostile/corpus.ts.
describe('fetchJwks', () => {
  it('returns the partner keys imported for their pinned algorithm, copied from an allowlist of members', async () => {
    const a = await testKey('a');
    serve(200, { keys: [{ ...a.publicJwk, x5u: 'https://evil.example/cert', ext: true, 'ignored-member': 1 }] });
    const { keys } = await fetchJwks(partner(), options);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.kid).toBe('a');
    expect(keys[0]!.alg).toBe('ES256');
    expect(Object.keys(keys[0]!.jwk).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect((keys[0]!.key as { type: string }).type).toBe('public');
  });

  it('imports an RSA key without alg once for each pinned RSA algorithm', async () => {
    const r = await testKey('r', 'RS256');
    const { alg: _alg, ...noAlg } = r.publicJwk;
    serve(200, { keys: [noAlg] });
    const { keys } = await fetchJwks(partner({ algorithms: ['RS256', 'PS256'] }), options);
    expect(keys.map((k) => k.alg).sort()).toEqual(['PS256', 'RS256']);
  });

  it('refuses a body larger than the cap', async () => {
    serve(200, { keys: [], padding: 'x'.repeat(5000) });
    expect(await failure()).toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE', reason: 'too_large' });
  });

  it('skips an encryption key and keeps the signing key beside it', async () => {
    const a = await testKey('a');
    const e = await testKey('e', 'ES256', { use: 'enc' });
    serve(200, { keys: [a.publicJwk, e.publicJwk] });
    const result = await fetchJwks(partner(), options);
    expect(result.keys.map((k) => k.kid)).toEqual(['a']);
    expect(result.skipped).toEqual([{ kid: 'e', reason: 'use enc' }]);
  });

  it('skips a key without kid and keys whose kid is published twice', async () => {
    const a = await testKey('a');
    const b1 = await testKey('b');
    const b2 = await testKey('b');
    const { kid: _kid, ...noKid } = (await testKey('x')).publicJwk;
    serve(200, { keys: [noKid, a.publicJwk, b1.publicJwk, b2.publicJwk] });
    const result = await fetchJwks(partner(), options);
    expect(result.keys.map((k) => k.kid)).toEqual(['a']);
  });

  it('refuses a redirect instead of following it', async () => {
    serve(302, '', { location: 'http://169.254.169.254/latest/meta-data' });
    expect(await failure()).toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE', reason: 'redirect' });
  });

  it('refuses a body that is not JSON', async () => {
    serve(200, '<html>maintenance</html>', { 'content-type': 'text/html' });
    expect(await failure()).toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE', reason: 'not_json' });
  });

  it('refuses a server error', async () => {
    serve(500, { error: 'boom' });
    expect(await failure()).toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE', reason: 'http_status' });
  });

  it('refuses JSON that is not a JWK Set', async () => {
    serve(200, { keys: 'none' });
    expect(await failure()).toMatchObject({ code: 'ERR_KEYS_UNAVAILABLE', reason: 'invalid_jwks' });
  });

  it('refuses a plain http JWKS URI without sending any request', async () => {
    // No interceptor: a request would fail with a network error, not insecure_uri.
    expect(await failure(partner({ jwksUri: 'http://healthkit.beijing.example/jwks.json' }))).toMatchObject({ reason: 'insecure_uri' });
  });
});
