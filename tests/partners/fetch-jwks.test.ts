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

  it('binds an RSA key without alg to the one RSA algorithm the partner pins (ES256 beside it does not count)', async () => {
    const r = await testKey('r', 'RS256');
    const { alg: _alg, ...noAlg } = r.publicJwk;
    serve(200, { keys: [noAlg] });
    const { keys } = await fetchJwks(partner({ algorithms: ['ES256', 'PS256'] }), options);
    expect(keys.map((k) => k.alg)).toEqual(['PS256']);
  });

  it('refuses an RSA key without alg when the partner pins both RS256 and PS256, instead of trusting it for both', async () => {
    const r = await testKey('r', 'RS256');
    const { alg: _alg, ...noAlg } = r.publicJwk;
    const e = await testKey('e');
    serve(200, { keys: [noAlg, e.publicJwk] });
    const result = await fetchJwks(partner({ algorithms: ['ES256', 'RS256', 'PS256'] }), options);
    expect(result.keys.map((k) => `${k.kid} ${k.alg}`)).toEqual(['e ES256']);
    expect(result.skipped).toEqual([{ index: 0, kid: 'r', reason: 'rsa_alg_ambiguous' }]);
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
    expect(result.skipped).toEqual([{ index: 1, kid: 'e', reason: 'not_for_signing' }]);
  });

  it('keeps a key without kid (RFC 7517 §4.5: kid is optional) and skips two keys that share a kid for one algorithm', async () => {
    const a = await testKey('a');
    const b1 = await testKey('b');
    const b2 = await testKey('b');
    const { kid: _kid, ...noKid } = (await testKey('x')).publicJwk;
    serve(200, { keys: [noKid, a.publicJwk, b1.publicJwk, b2.publicJwk] });
    const result = await fetchJwks(partner(), options);
    expect(result.keys.map((k) => k.kid)).toEqual([null, 'a']);
    expect(result.skipped).toEqual([{ index: 2, kid: 'b', reason: 'duplicate_kid' }, { index: 3, kid: 'b', reason: 'duplicate_kid' }]);
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
