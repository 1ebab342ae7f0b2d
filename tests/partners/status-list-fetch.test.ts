import { MockAgent } from 'undici';
import { fetchStatusList, maxAgeOf, type FetchStatusListOptions } from '../../gateway/partners/fetch-status-list.js';
import { partner } from './fixtures.js';

/** fetchStatusList and Cache-Control parsing, with the network blocked (undici MockAgent). */
const ORIGIN = 'https://healthkit.beijing.example';
const p = partner({ statusUri: `${ORIGIN}/.well-known/health-code-status` });
const LIST = { issuer: p.issuer, generatedAt: '2026-11-27T00:00:00Z', entries: [{ jti: 'a', status: 'revoked', since: '2026-11-27T00:00:00Z', expiresAt: '2026-11-27T00:15:00Z' }] };

let agent: MockAgent;
let options: FetchStatusListOptions;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  options = { dispatcher: agent, timeoutMs: 500, maxBytes: 4096, allowInsecureLoopback: false };
});

afterEach(async () => {
  await agent.close();
});

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return `${(error as { code: string }).code}/${(error as { reason: string }).reason}`;
  }
  return 'resolved';
}

describe('maxAgeOf', () => {
  it.each([
    ['public, max-age=30', 30],
    ['max-age="120"', 120],
    ['Max-Age=7, must-revalidate', 7],
    ['no-store', 0],
    ['max-age=60, no-cache', 0],
    [undefined, null],
    ['max-age=-1', null],
    ['max-age=abc', null],
    ['max-age=10, max-age=20', null],
    ['max-age=99999999999', null],
  ] as const)('reads Cache-Control %p as a max-age of %p seconds', (header, expected) => {
    expect(maxAgeOf(header)).toBe(expected);
  });
});

describe('fetchStatusList with the network blocked', () => {
  it('returns the validated list and its max-age', async () => {
    agent.get(ORIGIN).intercept({ path: '/.well-known/health-code-status', method: 'GET' })
      .reply(200, JSON.stringify(LIST), { headers: { 'content-type': 'application/json', 'cache-control': 'max-age=45' } });
    await expect(fetchStatusList(p, options)).resolves.toEqual({ list: LIST, maxAgeSeconds: 45 });
  });

  it('refuses a list that carries a member the schema does not know', async () => {
    agent.get(ORIGIN).intercept({ path: '/.well-known/health-code-status', method: 'GET' })
      .reply(200, JSON.stringify({ ...LIST, signature: 'x' }), { headers: { 'content-type': 'application/json' } });
    expect(await reason(fetchStatusList(p, options))).toBe('ERR_STATUS_UNAVAILABLE/invalid_list');
  });

  it('refuses a permanent redirect without following it', async () => {
    agent.get(ORIGIN).intercept({ path: '/.well-known/health-code-status', method: 'GET' })
      .reply(301, '', { headers: { location: 'http://10.0.0.1/status' } });
    expect(await reason(fetchStatusList(p, options))).toBe('ERR_STATUS_UNAVAILABLE/redirect');
  });

  it('refuses a body over the cap even without a Content-Length', async () => {
    agent.get(ORIGIN).intercept({ path: '/.well-known/health-code-status', method: 'GET' })
      .reply(200, JSON.stringify({ ...LIST, entries: Array.from({ length: 100 }, (_, i) => ({ ...LIST.entries[0], jti: `jti-${i}` })) }));
    expect(await reason(fetchStatusList(p, options))).toBe('ERR_STATUS_UNAVAILABLE/too_large');
  });

  it('refuses a partner without statusUri without any request', async () => {
    expect(await reason(fetchStatusList(partner(), options))).toBe('ERR_STATUS_UNAVAILABLE/no_status_uri');
  });

  it('refuses a status URI that is not https', async () => {
    expect(await reason(fetchStatusList(partner({ statusUri: 'http://healthkit.beijing.example/status' }), options))).toBe('ERR_STATUS_UNAVAILABLE/insecure_uri');
  });
});
