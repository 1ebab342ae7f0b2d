import type { Store } from '../../gateway/store/store.js';
import { makeSubject, outcome, sqliteLocation, T0, type StoreLocation } from './store-helpers.js';

/**
 * The SQLite store commits the writes asked for in one turn of the event loop together (one fsync
 * for many declarations on launch day). What a client may notice must not change: each write that
 * resolves is committed (another connection sees it), and a write that fails fails alone.
 */
let loc: StoreLocation;
let store: Store;

beforeEach(async () => {
  loc = await sqliteLocation();
  store = await loc.open();
});

afterEach(async () => {
  await store.close();
  await loc.dispose();
});

describe('writes committed together on SQLite', () => {
  it('refuses only the duplicate among declarations written in the same turn, and commits the others', async () => {
    const first = makeSubject();
    const duplicate = makeSubject({ documentKey: first.documentKey });
    const third = makeSubject();
    const results = await Promise.all([first, duplicate, third].map((s) => outcome(store.insertSubject(s))));
    expect(results).toEqual(['fulfilled', 'document_exists', 'fulfilled']);
    const rows = await loc.sql('SELECT id FROM subjects ORDER BY id');
    expect(rows.map((r) => r['id']).sort()).toEqual([first.id, third.id].sort());
  });

  it('has every write committed, as another connection sees it, by the time its promise resolves', async () => {
    const subjects = Array.from({ length: 50 }, () => makeSubject());
    await Promise.all(subjects.map((s) => store.insertSubject(s)));
    const credentials = subjects.map((s, i) => ({
      jti: `jti-${i}`, subjectId: s.id, color: 'green' as const, kid: 'k', issuedAt: T0, expiresAt: T0 + 900_000, status: 'active' as const, statusAt: null,
    }));
    await Promise.all(credentials.map((c) => store.insertCredential(c)));
    expect(await loc.sql('SELECT count(*) AS n FROM subjects')).toEqual([{ n: 50 }]);
    expect(await loc.sql('SELECT count(*) AS n FROM credentials')).toEqual([{ n: 50 }]);
  });

  it('commits a write asked for just before the store is closed', async () => {
    const subject = makeSubject();
    const pending = store.insertSubject(subject);
    await store.close();
    await expect(pending).resolves.toBeUndefined();
    expect(await loc.sql('SELECT id FROM subjects')).toEqual([{ id: subject.id }]);
  });
});
