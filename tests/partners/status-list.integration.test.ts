import { PartnerRegistry } from '../../gateway/partners/registry.js';
import { createSafeDispatcher } from '../../gateway/partners/safe-dispatcher.js';
import { RemoteStatusSource, type RemoteStatusSourceOptions } from '../../gateway/partners/status-cache.js';
import type { Partner } from '../../gateway/types/schemas.js';
import { partner } from './fixtures.js';
import { loopbackPerTest, outcomeOf } from './loopback-harness.js';
import { entry, StatusListServer } from './status-list-server.js';

/**
 * RemoteStatusSource against real status-list servers on loopback, through the same safe
 * dispatcher as key fetches; the clock is a variable the tests move.
 */
const JWKS = { timeoutMs: 1000, staleMaxSeconds: 3600 };
const T0 = Date.UTC(2026, 10, 27, 0, 0, 0);
const ISSUER = 'https://healthkit.beijing.example';

let t: number;
const loop = loopbackPerTest(JWKS.timeoutMs);

beforeEach(() => {
  t = T0;
});

async function server(issuer = ISSUER): Promise<StatusListServer> {
  return loop.server(await new StatusListServer(issuer, () => t).start());
}

function source(partners: Partner[], extra: Partial<RemoteStatusSourceOptions> = {}, self?: Partner): RemoteStatusSource {
  return loop.source(new RemoteStatusSource({
    registry: new PartnerRegistry(partners, self), jwks: JWKS, allowInsecureLoopback: true, now: () => t, dispatcher: loop.dispatcher, background: false, ...extra,
  }));
}

const outcome = (p: Promise<unknown>): Promise<string> => outcomeOf(p, 'accepted');

const beijing = (s: StatusListServer, extra: Partial<Partner> = {}): Partner => partner({ statusUri: s.url, ...extra });

describe('RemoteStatusSource against real status-list servers on loopback', () => {
  it('refuses a listed superseded jti and a listed revoked jti with their own codes, and accepts an unlisted one', async () => {
    const s = await server();
    s.entries = [entry('code-superseded', 'superseded', T0), entry('code-revoked', 'revoked', T0)];
    const p = beijing(s);
    const lists = source([p]);
    expect(await outcome(lists.check(p, 'code-superseded'))).toBe('ERR_CREDENTIAL_SUPERSEDED');
    expect(await outcome(lists.check(p, 'code-revoked'))).toBe('ERR_CREDENTIAL_REVOKED');
    expect(await outcome(lists.check(p, 'code-live'))).toBe('accepted');
    expect(s.requests).toBe(1);
    expect(lists.status(p.id)).toEqual({ entryCount: 2, lastFetchAt: T0, lastErrorReason: null });
  });

  it('reads a jti listed twice as revoked when either entry says revoked', async () => {
    const s = await server();
    s.entries = [entry('twice', 'revoked', T0), entry('twice', 'superseded', T0)];
    const p = beijing(s);
    expect(await outcome(source([p]).check(p, 'twice'))).toBe('ERR_CREDENTIAL_REVOKED');
  });

  it('refuses a list whose issuer field names another issuer, as a failed fetch', async () => {
    const s = await server('https://jkm.hengshui.example');
    s.entries = [];
    const p = beijing(s);
    const lists = source([p]);
    expect(await outcome(lists.check(p, 'code-live'))).toBe('ERR_STATUS_UNAVAILABLE');
    expect(lists.status(p.id)).toMatchObject({ lastFetchAt: null, lastErrorReason: 'issuer_mismatch' });
  });

  it.each([
    ['redirect', 'redirect'],
    ['not_json', 'not_json'],
    ['invalid', 'invalid_list'],
    ['declared_huge', 'too_large'],
    ['endless', 'too_large'],
    ['unavailable', 'http_status'],
    ['reset', 'network'],
  ] as const)('refuses the codes of a partner whose status server answers %s (reason %s) rather than accepting them', async (mode, reason) => {
    const s = await server();
    s.mode = mode;
    const p = beijing(s);
    const lists = source([p], { maxBytes: 64 * 1024 });
    expect(await outcome(lists.check(p, 'code-live'))).toBe('ERR_STATUS_UNAVAILABLE');
    expect(lists.status(p.id).lastErrorReason).toBe(reason);
  });

  it('keeps using the last good list while the status server is down, within the stale bound, then refuses with ERR_STATUS_UNAVAILABLE', async () => {
    const s = await server();
    s.entries = [entry('code-superseded', 'superseded', T0)];
    const p = beijing(s);
    const lists = source([p], { backoff: { initialMs: 1000, maxMs: 1000 } });
    expect(await outcome(lists.check(p, 'code-live'))).toBe('accepted');
    await s.stop();

    t = T0 + 600_000; // past the refresh period: the refresh behind the answer fails
    expect(await outcome(lists.check(p, 'code-superseded'))).toBe('ERR_CREDENTIAL_SUPERSEDED');
    expect(await outcome(lists.check(p, 'code-live'))).toBe('accepted');
    t = T0 + JWKS.staleMaxSeconds * 1000; // the last moment of the bound
    expect(await outcome(lists.check(p, 'code-live'))).toBe('accepted');
    t += 1;
    expect(await outcome(lists.check(p, 'code-live'))).toBe('ERR_STATUS_UNAVAILABLE');
    expect(await outcome(lists.check(p, 'code-superseded'))).toBe('ERR_STATUS_UNAVAILABLE');
    expect(lists.status(p.id)).toMatchObject({ lastFetchAt: T0, lastErrorReason: 'network' });

    await s.restart();
    t += 2000; // past the back-off
    expect(await outcome(lists.check(p, 'code-live'))).toBe('accepted');
    expect(lists.status(p.id)).toMatchObject({ lastFetchAt: t, lastErrorReason: null });
  });

  it('backs off after a failed fetch instead of fetching again for every code', async () => {
    const s = await server();
    s.mode = 'unavailable';
    const p = beijing(s);
    const lists = source([p], { backoff: { initialMs: 1000, maxMs: 8000 } });
    for (let i = 0; i < 5; i++) expect(await outcome(lists.check(p, `code-${i}`))).toBe('ERR_STATUS_UNAVAILABLE');
    expect(s.requests).toBe(1);
    t += 1000;
    expect(await outcome(lists.check(p, 'code-x'))).toBe('ERR_STATUS_UNAVAILABLE');
    expect(s.requests).toBe(2);
    t += 1999; // the second delay is 2 s
    expect(await outcome(lists.check(p, 'code-y'))).toBe('ERR_STATUS_UNAVAILABLE');
    expect(s.requests).toBe(2);
  });

  it('lets concurrent first verifications share one status fetch', async () => {
    const s = await server();
    s.entries = [entry('code-superseded', 'superseded', T0)];
    const p = beijing(s);
    const lists = source([p]);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(lists.check(p, i % 2 ? 'code-superseded' : `code-${i}`))));
    expect(results.filter((r) => r === 'ERR_CREDENTIAL_SUPERSEDED')).toHaveLength(10);
    expect(results.filter((r) => r === 'accepted')).toHaveLength(10);
    expect(s.requests).toBe(1);
  });

  it('answers from the cached list and refreshes behind it once the max-age has passed, holding max-age to at least 10 s', async () => {
    const s = await server();
    s.cacheControl = 'public, max-age=2';
    const p = beijing(s);
    const lists = source([p]);
    expect(await outcome(lists.check(p, 'code-a'))).toBe('accepted');
    s.entries = [entry('code-a', 'revoked', t)];
    t += 9_999;
    expect(await outcome(lists.check(p, 'code-a'))).toBe('accepted');
    expect(s.requests).toBe(1);
    t += 1;
    // Due: this answer still comes from the cached list; the refresh runs behind it.
    expect(await outcome(lists.check(p, 'code-a'))).toBe('accepted');
    await waitFor(() => lists.status(p.id).entryCount === 1);
    expect(await outcome(lists.check(p, 'code-a'))).toBe('ERR_CREDENTIAL_REVOKED');
    expect(s.requests).toBe(2);
  });

  it('holds a long max-age to 5 minutes, so a list is never trusted for longer between refreshes', async () => {
    const s = await server();
    s.cacheControl = 'max-age=86400';
    const p = beijing(s);
    const lists = source([p]);
    await lists.check(p, 'code-a');
    t += 299_999;
    await lists.check(p, 'code-a');
    expect(s.requests).toBe(1);
    t += 1;
    await lists.check(p, 'code-a');
    await waitFor(() => s.requests === 2);
  });

  it('never fetches a status list for a partner without statusUri, a suspended partner or the gateway itself', async () => {
    const s = await server();
    const without = partner({ id: 'shenzhen', issuer: 'https://hc.shenzhen.example' });
    const suspended = beijing(s, { status: 'suspended' });
    const self = partner({ id: 'xinji', issuer: 'https://gateway.xinji.example', statusUri: s.url });
    const lists = source([without, suspended], {}, self);
    expect(await outcome(lists.check(without, 'code-a'))).toBe('accepted');
    expect(await outcome(lists.check(suspended, 'code-a'))).toBe('ERR_ISSUER_SUSPENDED');
    expect(await outcome(lists.check(self, 'code-a'))).toBe('accepted');
    await lists.refresh('shenzhen');
    await lists.refresh('beijing');
    expect(s.requests).toBe(0);
  });

  it('refuses a plain-http status URI on a non-loopback host without connecting', async () => {
    const p = partner({ statusUri: 'http://status.beijing.example/status' });
    const lists = source([p]);
    expect(await outcome(lists.check(p, 'code-a'))).toBe('ERR_STATUS_UNAVAILABLE');
    expect(lists.status(p.id).lastErrorReason).toBe('insecure_uri');
  });

  it('refuses a loopback status URI when the insecure loopback setting is off, without connecting', async () => {
    const s = await server();
    const strict = createSafeDispatcher({ timeoutMs: JWKS.timeoutMs, allowInsecureLoopback: false });
    try {
      const p = beijing(s, { statusUri: s.url.replace('http://127.0.0.1', 'https://localhost') });
      const lists = source([p], { dispatcher: strict, allowInsecureLoopback: false });
      expect(await outcome(lists.check(p, 'code-a'))).toBe('ERR_STATUS_UNAVAILABLE');
      expect(lists.status(p.id).lastErrorReason).toBe('insecure_uri');
      expect(s.requests).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('drops a cached list when a reload points the partner at another status URI', async () => {
    const first = await server();
    first.entries = [entry('code-a', 'revoked', T0)];
    const second = await server();
    const registry = new PartnerRegistry([beijing(first)]);
    const lists = source([], { registry });
    expect(await outcome(lists.check(beijing(first), 'code-a'))).toBe('ERR_CREDENTIAL_REVOKED');
    registry.reload([beijing(second)]);
    expect(await outcome(lists.check(beijing(second), 'code-a'))).toBe('accepted');
    expect([first.requests, second.requests]).toEqual([1, 1]);
  });
});

/** Polls (real time) until a background refresh nobody awaits has landed. */
async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
