import { PartnerRegistry } from '../../gateway/partners/registry.js';
import { RemoteStatusSource } from '../../gateway/partners/status-cache.js';
import { partner } from './fixtures.js';
import { loopbackPerTest, outcomeOf } from './loopback-harness.js';
import { entry, StatusListServer } from './status-list-server.js';

/**
 * Issue 9: a status list is only as new as its generatedAt says. An older list must never replace
 * a newer one (a replay or a stale cache would bring withdrawn codes back to life), and a list's
 * age — the stale bound — counts from generatedAt, not from when the gateway fetched it.
 */
const JWKS = { timeoutMs: 2000, staleMaxSeconds: 3600 };
const T0 = Date.UTC(2026, 10, 27, 0, 0, 0);
const loop = loopbackPerTest(JWKS.timeoutMs);

let t: number;
let generatedAt: number;
let reasons: Array<string | null>;

beforeEach(() => {
  t = T0;
  generatedAt = T0;
  reasons = [];
});

async function setup(): Promise<{ s: StatusListServer; lists: RemoteStatusSource; p: ReturnType<typeof partner> }> {
  const s = loop.server(await new StatusListServer('https://healthkit.beijing.example', () => generatedAt).start());
  const p = partner({ statusUri: s.url });
  const lists = loop.source(new RemoteStatusSource({
    registry: new PartnerRegistry([p]), jwks: JWKS, allowInsecureLoopback: true, now: () => t, dispatcher: loop.dispatcher, background: false,
    clockToleranceSeconds: 60, backoff: { initialMs: 1, maxMs: 1 },
    hooks: { onFetch: (_id, _outcome, _seconds, reason) => reasons.push(reason) },
  }));
  return { s, lists, p };
}

const outcome = (p: Promise<unknown>): Promise<string> => outcomeOf(p, 'accepted');

describe('the order and age of partner status lists', () => {
  it('refuses a list generated before the list in force, keeps the newer entries, and reports the rollback', async () => {
    const { s, lists, p } = await setup();
    // 10:00: the list revokes a code.
    generatedAt = T0;
    s.entries = [entry('withdrawn', 'revoked', T0)];
    expect(await outcome(lists.check(p, 'withdrawn'))).toBe('ERR_CREDENTIAL_REVOKED');
    // Later, the partner (or something between) serves a list generated before it, without the entry.
    t = T0 + 600_000;
    generatedAt = T0 - 60_000;
    s.entries = [];
    await lists.refresh(p.id);
    expect(reasons).toEqual([null, 'older_list']);
    expect(lists.status(p.id)).toMatchObject({ entryCount: 1, lastFetchAt: T0, lastErrorReason: 'older_list' });
    expect(await outcome(lists.check(p, 'withdrawn'))).toBe('ERR_CREDENTIAL_REVOKED');
    // A list as new as the one in force, or newer, is accepted again.
    generatedAt = T0 + 500_000;
    await lists.refresh(p.id);
    expect(await outcome(lists.check(p, 'withdrawn'))).toBe('accepted');
  });

  it('counts the age of a list from its generatedAt: a list generated more than the stale bound ago is unusable however fresh the fetch', async () => {
    const { lists, p } = await setup();
    generatedAt = T0 - (JWKS.staleMaxSeconds + 1) * 1000;
    expect(await outcome(lists.check(p, 'any-code'))).toBe('ERR_STATUS_UNAVAILABLE');
    // The same list made a second inside the bound is usable, and turns unusable as it ages.
    generatedAt = T0 - (JWKS.staleMaxSeconds - 1) * 1000;
    await lists.refresh(p.id);
    expect(await outcome(lists.check(p, 'any-code'))).toBe('accepted');
    t = T0 + 2000;
    expect(await outcome(lists.check(p, 'any-code'))).toBe('ERR_STATUS_UNAVAILABLE');
  });

  it('refuses a list generated in the future beyond the clock tolerance, which would outrank every honest list after it', async () => {
    const { lists, p } = await setup();
    generatedAt = T0 + 3_600_000;
    expect(await outcome(lists.check(p, 'any-code'))).toBe('ERR_STATUS_UNAVAILABLE');
    expect(lists.status(p.id)).toMatchObject({ lastFetchAt: null, lastErrorReason: 'generated_in_future' });
  });
});
