import { randomUUID } from 'node:crypto';
import { MAX_PEOPLE_PER_PROXY, MAX_PROXIES_PER_PERSON, type Store } from '../../gateway/store/store.js';
import { DAY, T0, location, makeSubject, outcome, storeKinds, type StoreLocation } from './store-helpers.js';
import { MIGRATIONS } from '../../gateway/store/migrations.js';

const { enabled, skipped } = storeKinds();
const RACERS = 20;

/**
 * Two Store instances on one database stand for two gateway processes: two connections to one
 * SQLite file, or two pools on one PostgreSQL schema. Calls alternate between them and are all
 * started before any is awaited.
 */
function concurrency(kind: 'sqlite' | 'postgres'): void {
  let loc: StoreLocation;
  let a: Store;
  let b: Store;

  beforeAll(async () => {
    loc = await location(kind);
    // Both "processes" start at once: the migrations must serialise, not collide.
    [a, b] = await Promise.all([loc.open(), loc.open()]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await loc?.dispose();
  });

  const pick = (i: number): Store => (i % 2 === 0 ? a : b);

  /** Runs the race while sampling the link counts, and returns outcomes plus the highest count seen. */
  async function race(calls: (() => Promise<unknown>)[], observe: (s: Store) => Promise<number>): Promise<{ outcomes: string[]; maxSeen: number }> {
    let done = false;
    let maxSeen = 0;
    const sampler = (async () => {
      for (let i = 0; !done; i++) maxSeen = Math.max(maxSeen, await observe(pick(i)));
    })();
    const outcomes = await Promise.all(calls.map((call) => outcome(call())));
    done = true;
    await sampler;
    maxSeen = Math.max(maxSeen, await observe(a), await observe(b));
    return { outcomes, maxSeen };
  }

  const tally = (outcomes: string[]): Record<string, number> =>
    outcomes.reduce<Record<string, number>>((t, o) => ({ ...t, [o]: (t[o] ?? 0) + 1 }), {});

  test('the migrations ran exactly once although both stores opened at the same moment', async () => {
    const rows = await loc.sql('SELECT version FROM schema_migrations');
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
  });

  test(`${RACERS} concurrent links of one holder to existing people yield exactly ${MAX_PEOPLE_PER_PROXY}`, async () => {
    const holder = `proxy_${randomUUID()}`;
    const people = Array.from({ length: RACERS }, () => makeSubject());
    for (const [i, p] of people.entries()) await pick(i).insertSubject(p);
    const { outcomes, maxSeen } = await race(
      people.map((p, i) => () => pick(i).addProxyLink(holder, p.id, T0)),
      async (s) => (await s.countProxyLinks()).byProxy[holder] ?? 0,
    );
    expect(tally(outcomes)).toEqual({ fulfilled: MAX_PEOPLE_PER_PROXY, proxy_holder_limit: RACERS - MAX_PEOPLE_PER_PROXY });
    expect(maxSeen).toBe(MAX_PEOPLE_PER_PROXY);
  });

  test(`${RACERS} concurrent proxied declarations by one holder create exactly ${MAX_PEOPLE_PER_PROXY} people and no orphan`, async () => {
    const holder = `proxy_${randomUUID()}`;
    const people = Array.from({ length: RACERS }, () => makeSubject());
    const { outcomes, maxSeen } = await race(
      people.map((p, i) => () => pick(i).insertSubject(p, holder)),
      async (s) => (await s.countProxyLinks()).byProxy[holder] ?? 0,
    );
    expect(tally(outcomes)).toEqual({ fulfilled: MAX_PEOPLE_PER_PROXY, proxy_holder_limit: RACERS - MAX_PEOPLE_PER_PROXY });
    expect(maxSeen).toBe(MAX_PEOPLE_PER_PROXY);
    const stored = await Promise.all(people.map((p) => a.getSubject(p.id)));
    const storedIds = people.filter((_, i) => stored[i] !== undefined).map((p) => p.id);
    const linked = people.filter((_, i) => outcomes[i] === 'fulfilled').map((p) => p.id);
    expect(storedIds).toEqual(linked);
  });

  test(`${RACERS} concurrent holders linking one person yield exactly ${MAX_PROXIES_PER_PERSON}`, async () => {
    const person = makeSubject();
    await a.insertSubject(person);
    const holders = Array.from({ length: RACERS }, () => `proxy_${randomUUID()}`);
    const { outcomes, maxSeen } = await race(
      holders.map((h, i) => () => pick(i).addProxyLink(h, person.id, T0)),
      async (s) => (await s.countProxyLinks()).bySubject[person.id] ?? 0,
    );
    expect(tally(outcomes)).toEqual({ fulfilled: MAX_PROXIES_PER_PERSON, proxy_subject_limit: RACERS - MAX_PROXIES_PER_PERSON });
    expect(maxSeen).toBe(MAX_PROXIES_PER_PERSON);
  });

  /** Pending requests of `requesters` for `subjects` (pairs by index), each with its id. */
  async function ask(pairs: Array<[requester: string, subject: string]>): Promise<string[]> {
    const ids = pairs.map(() => `prq_${randomUUID()}`);
    for (const [i, [requester, subject]] of pairs.entries()) {
      await pick(i).insertProxyRequest({ id: ids[i]!, requesterId: requester, subjectId: subject, createdAt: T0, expiresAt: T0 + DAY });
    }
    return ids;
  }

  test(`${RACERS} concurrent approvals of requests for one person yield exactly ${MAX_PROXIES_PER_PERSON} links; the refused stay pending`, async () => {
    const person = makeSubject();
    await a.insertSubject(person);
    const requesters = Array.from({ length: RACERS }, () => makeSubject());
    for (const [i, r] of requesters.entries()) await pick(i).insertSubject(r);
    const ids = await ask(requesters.map((r) => [r.id, person.id]));
    // Pending requests hold no slot.
    expect((await a.countProxyLinks()).bySubject[person.id]).toBeUndefined();
    const { outcomes, maxSeen } = await race(
      ids.map((id, i) => () => pick(i).approveProxyRequest(person.id, id, T0 + 1)),
      async (s) => (await s.countProxyLinks()).bySubject[person.id] ?? 0,
    );
    expect(tally(outcomes)).toEqual({ fulfilled: MAX_PROXIES_PER_PERSON, proxy_subject_limit: RACERS - MAX_PROXIES_PER_PERSON });
    expect(maxSeen).toBe(MAX_PROXIES_PER_PERSON);
    expect(await a.listProxyRequests(person.id, T0 + 1)).toHaveLength(RACERS - MAX_PROXIES_PER_PERSON);
  });

  test(`${RACERS} people approving one requester at once yield exactly ${MAX_PEOPLE_PER_PROXY} links`, async () => {
    const requester = makeSubject();
    await a.insertSubject(requester);
    const people = Array.from({ length: RACERS }, () => makeSubject());
    for (const [i, p] of people.entries()) await pick(i).insertSubject(p);
    const ids = await ask(people.map((p) => [requester.id, p.id]));
    const { outcomes, maxSeen } = await race(
      ids.map((id, i) => () => pick(i).approveProxyRequest(people[i]!.id, id, T0 + 1)),
      async (s) => (await s.countProxyLinks()).byProxy[requester.id] ?? 0,
    );
    expect(tally(outcomes)).toEqual({ fulfilled: MAX_PEOPLE_PER_PROXY, proxy_holder_limit: RACERS - MAX_PEOPLE_PER_PROXY });
    expect(maxSeen).toBe(MAX_PEOPLE_PER_PROXY);
  });

  test('one request approved concurrently by both processes links once; the other finds no request', async () => {
    const person = makeSubject();
    const requester = makeSubject();
    await a.insertSubject(person);
    await a.insertSubject(requester);
    const [id] = await ask([[requester.id, person.id]]);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => pick(i).approveProxyRequest(person.id, id!, T0 + 1)));
    expect(results.filter((r) => r === requester.id)).toHaveLength(1);
    expect(results.filter((r) => r === undefined)).toHaveLength(9);
    expect((await a.countProxyLinks()).bySubject[person.id]).toBe(1);
  });

  test('the same link requested concurrently is written once and reported as existing otherwise', async () => {
    const person = makeSubject();
    await a.insertSubject(person);
    const holder = `proxy_${randomUUID()}`;
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => outcome(pick(i).addProxyLink(holder, person.id, T0))));
    expect(tally(outcomes)).toEqual({ fulfilled: 1, proxy_exists: 9 });
  });

  test('concurrent modifications on the same day apply exactly once', async () => {
    const s = makeSubject();
    await a.insertSubject(s);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => pick(i).updateDeclaration(s.id, { ...s, nameMasked: `改*${i}` }, '2020-03-16')),
    );
    expect(tally(results)).toEqual({ updated: 1, already_modified_today: 9 });
  });

  test('a region list delivered concurrently to both processes is applied once', async () => {
    const id = `evt_${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => pick(i).setHighRiskRegions(id, ['420100'], T0 + 1000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  test('the schema itself refuses a fourth slot and a reused slot, whatever the code does', async () => {
    const person = makeSubject();
    await a.insertSubject(person);
    const holder = `proxy_${randomUUID()}`;
    const insert = 'INSERT INTO proxy_links (proxy_id, subject_id, proxy_slot, subject_slot, created_at) VALUES ($1, $2, $3, $4, 0)';
    const raw = (p: string, s: string, ps: number, ss: number): Promise<unknown> =>
      loc.sql(kind === 'sqlite' ? insert.replace(/\$\d/g, '?') : insert, [p, s, ps, ss]);
    await expect(raw(holder, person.id, 4, 1)).rejects.toThrow(/check/i);
    await expect(raw(holder, person.id, 1, 4)).rejects.toThrow(/check/i);
    await raw(holder, person.id, 1, 1);
    const other = makeSubject();
    await a.insertSubject(other);
    await expect(raw(holder, other.id, 1, 1)).rejects.toThrow(/unique|duplicate/i);
    await expect(raw(`proxy_${randomUUID()}`, person.id, 1, 1)).rejects.toThrow(/unique|duplicate/i);
  });
}

describe.each(enabled)('%s: proxy limits under concurrency', (kind) => concurrency(kind));
if (skipped.length > 0) describe.skip.each(skipped)('%s: proxy limits under concurrency', (kind) => concurrency(kind));
