import { allocateStatusIndex } from '../../gateway/status-list/allocate-index.js';
import type { Store } from '../../gateway/store/store.js';
import { location, makeSubject, storeKinds, T0, type StoreLocation } from './store-helpers.js';

/**
 * Issue 18: the store side of Xinji's Token Status List, on SQLite and PostgreSQL alike — an index
 * is taken by one credential until its hold ends, two gateways racing for one index never both get
 * it, a code's index and JWS are kept with it, and the INVALID indices are those of unexpired codes
 * withdrawn early.
 */
const { enabled, skipped } = storeKinds();

function contract(kind: 'sqlite' | 'postgres'): void {
  let loc: StoreLocation;
  let store: Store;
  beforeAll(async () => {
    loc = await location(kind);
    store = await loc.open();
  });
  afterAll(async () => {
    await store.close();
    await loc.dispose();
  });

  test('an index held by one credential is refused to another until its hold ends, then taken', async () => {
    expect(await store.reserveStatusIndex(7, 'code-a', T0 + 1_000, T0)).toBe(true);
    expect(await store.reserveStatusIndex(7, 'code-b', T0 + 9_000, T0 + 1_000)).toBe(false);
    expect(await store.reserveStatusIndex(7, 'code-b', T0 + 9_000, T0 + 1_001)).toBe(true);
    expect(await store.reserveStatusIndex(7, 'code-c', T0 + 20_000, T0 + 8_999)).toBe(false);
  });

  test('two gateways racing for the same index: exactly one gets it', async () => {
    const second = await loc.open();
    try {
      const results = await Promise.all([
        store.reserveStatusIndex(99, 'code-x', T0 + 5_000, T0),
        second.reserveStatusIndex(99, 'code-y', T0 + 5_000, T0),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  test('the allocator draws another index when the one drawn is held, and gives up with ERR_OVERLOADED when all are', async () => {
    const draws = [500, 500, 501];
    const deps = { store, now: () => T0, clockToleranceSeconds: 60, random: () => draws.shift()!, size: 1024 };
    expect(await allocateStatusIndex(deps, 'first', T0 + 900_000)).toBe(500);
    expect(await allocateStatusIndex(deps, 'second', T0 + 900_000)).toBe(501);
    await expect(allocateStatusIndex({ ...deps, random: () => 500 }, 'third', T0 + 900_000)).rejects.toMatchObject({ code: 'ERR_OVERLOADED' });
  });

  test('lists the indices of unexpired credentials withdrawn early, and returns a subject\'s current code with its JWS', async () => {
    const subject = makeSubject();
    await store.insertSubject(subject);
    const base = { subjectId: subject.id, color: 'green' as const, kid: 'k', issuedAt: T0, statusAt: null, facts: 'f' };
    await store.insertCredential({ ...base, jti: `${subject.id}-1`, expiresAt: T0 + 900_000, status: 'active', statusIdx: 11, jws: 'a.b.c' });
    await store.insertCredential({ ...base, jti: `${subject.id}-2`, issuedAt: T0 + 1, expiresAt: T0 + 900_001, status: 'active', statusIdx: 12, jws: 'd.e.f' });
    await store.insertCredential({ ...base, jti: `${subject.id}-3`, expiresAt: T0 + 100, status: 'active', statusIdx: 13, jws: 'g.h.i' });
    expect(await store.currentCredential(subject.id, T0 + 10)).toMatchObject({ jti: `${subject.id}-2`, jws: 'd.e.f', facts: 'f', statusIdx: 12 });
    await store.invalidateCredentials(subject.id, 'superseded', T0 + 50);
    expect((await store.listInvalidStatusIndices(T0 + 60)).filter((i) => i >= 11 && i <= 13).sort()).toEqual([11, 12, 13]);
    // Expired codes are not marked: past its exp, index 13 is VALID again.
    expect((await store.listInvalidStatusIndices(T0 + 200)).filter((i) => i >= 11 && i <= 13).sort()).toEqual([11, 12]);
    expect(await store.currentCredential(subject.id, T0 + 60)).toBeUndefined();
  });
}

describe.each(enabled)('%s store: status-list indices', (kind) => contract(kind));
if (skipped.length > 0) describe.skip.each(skipped)('%s store: status-list indices', (kind) => contract(kind));
