import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../gateway/store/sqlite-store.js';
import { StoreConflict, type CredentialRecord, type Store } from '../../gateway/store/store.js';
import { DAY, T0, declaration, location, makeSubject, outcome, storeKinds, type StoreLocation } from './store-helpers.js';
import { MIGRATIONS } from '../../gateway/store/migrations.js';

const { enabled, skipped } = storeKinds();

function contract(kind: 'sqlite' | 'postgres'): void {
  let loc: StoreLocation;
  let store: Store;

  beforeAll(async () => {
    loc = await location(kind);
    store = await loc.open();
  });
  afterAll(async () => {
    await store?.close();
    await loc?.dispose();
  });

  test('reports which database it runs on', () => {
    expect(store.kind).toBe(kind);
  });

  test('answers a ping while open and rejects one once closed (readiness)', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    const other = await loc.open();
    await other.close();
    await expect(other.ping()).rejects.toThrow();
  });

  describe('subjects', () => {
    test('returns a stored subject unchanged by id, by document key and by token hash', async () => {
      const s = makeSubject({ declaration: declaration({ travel14d: ['110101', 'overseas'], symptoms: ['fever', 'cough'], contactWithCase: true, residence: 'arriving' }) });
      await store.insertSubject(s);
      expect(await store.getSubject(s.id)).toEqual(s);
      expect(await store.getSubjectByDocumentKey(s.documentKey)).toEqual(s);
      expect(await store.getSubjectByTokenHash(s.holderTokenHash)).toEqual(s);
    });

    test('answers undefined for an id, document key or token hash it never stored', async () => {
      expect(await store.getSubject('sub_unknown')).toBeUndefined();
      expect(await store.getSubjectByDocumentKey('0'.repeat(64))).toBeUndefined();
      expect(await store.getSubjectByTokenHash('f'.repeat(64))).toBeUndefined();
    });

    test('refuses a second subject with the same document and keeps the first one intact', async () => {
      const first = makeSubject();
      await store.insertSubject(first);
      const second = makeSubject({ documentKey: first.documentKey });
      const err = await store.insertSubject(second).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreConflict);
      expect((err as StoreConflict).kind).toBe('document_exists');
      expect(await store.getSubject(second.id)).toBeUndefined();
      expect(await store.getSubjectByDocumentKey(first.documentKey)).toEqual(first);
    });

    test('lists exactly the subjects whose declaration mentions travel, following modifications', async () => {
      const traveller = makeSubject({ declaration: declaration({ travel14d: ['420100'] }) });
      const stayer = makeSubject();
      await store.insertSubject(traveller);
      await store.insertSubject(stayer);
      let ids = await store.subjectIdsWithTravel();
      expect(ids).toContain(traveller.id);
      expect(ids).not.toContain(stayer.id);

      await store.updateDeclaration(stayer.id, { ...stayer, declaration: declaration({ travel14d: ['overseas'] }) }, '2020-03-16');
      await store.updateDeclaration(traveller.id, { ...traveller, declaration: declaration() }, '2020-03-16');
      ids = await store.subjectIdsWithTravel();
      expect(ids).toContain(stayer.id);
      expect(ids).not.toContain(traveller.id);
    });
  });

  describe('daily modification rule', () => {
    test('applies one modification per calendar day and refuses a second one the same day', async () => {
      const s = makeSubject();
      await store.insertSubject(s);
      const first = { ...s, nameMasked: '李*明', declaration: declaration({ symptoms: ['fever'] }), declaredAt: T0 + 1000 };
      expect(await store.updateDeclaration(s.id, first, '2020-03-16')).toBe('updated');
      const second = { ...s, nameMasked: '王*强', declaredAt: T0 + 2000 };
      expect(await store.updateDeclaration(s.id, second, '2020-03-16')).toBe('already_modified_today');

      const stored = await store.getSubject(s.id);
      expect(stored).toMatchObject({ nameMasked: '李*明', declaredAt: T0 + 1000, modifiedDay: '2020-03-16' });
      expect(stored!.declaration.symptoms).toEqual(['fever']);

      expect(await store.updateDeclaration(s.id, second, '2020-03-17')).toBe('updated');
      expect(await store.getSubject(s.id)).toMatchObject({ nameMasked: '王*强', modifiedDay: '2020-03-17' });
    });

    test('answers not_found for a subject it never stored', async () => {
      const s = makeSubject();
      expect(await store.updateDeclaration(s.id, s, '2020-03-16')).toBe('not_found');
    });

    test('refuses a new document that belongs to someone else without using up the day', async () => {
      const owner = makeSubject();
      const mover = makeSubject();
      await store.insertSubject(owner);
      await store.insertSubject(mover);
      const err = await store.updateDeclaration(mover.id, { ...mover, documentKey: owner.documentKey }, '2020-03-16').catch((e: unknown) => e);
      expect((err as StoreConflict).kind).toBe('document_exists');
      expect(await store.getSubject(mover.id)).toEqual(mover);

      const ownNewDocument = makeSubject();
      const update = { ...mover, documentKey: ownNewDocument.documentKey, documentType: 'passport' as const };
      expect(await store.updateDeclaration(mover.id, update, '2020-03-16')).toBe('updated');
      expect(await store.getSubjectByDocumentKey(ownNewDocument.documentKey)).toMatchObject({ id: mover.id, documentType: 'passport' });
      expect(await store.getSubjectByDocumentKey(mover.documentKey)).toBeUndefined();
    });
  });

  describe('proxy links', () => {
    test('links a proxy to a subject, one way only, and refuses the same link twice', async () => {
      const holder = makeSubject();
      const person = makeSubject();
      await store.insertSubject(holder);
      await store.insertSubject(person);
      await store.addProxyLink(holder.id, person.id, T0);
      expect(await store.isProxyOf(holder.id, person.id)).toBe(true);
      expect(await store.isProxyOf(person.id, holder.id)).toBe(false);
      expect(await outcome(store.addProxyLink(holder.id, person.id, T0 + 1))).toBe('proxy_exists');
      const counts = await store.countProxyLinks();
      expect(counts.byProxy[holder.id]).toBe(1);
      expect(counts.bySubject[person.id]).toBe(1);
    });

    test('lets a holder declare for three people and refuses the fourth', async () => {
      const holder = `proxy_${randomUUID()}`;
      const people = Array.from({ length: 4 }, () => makeSubject());
      for (const p of people) await store.insertSubject(p);
      for (const p of people.slice(0, 3)) await store.addProxyLink(holder, p.id, T0);
      expect(await outcome(store.addProxyLink(holder, people[3]!.id, T0))).toBe('proxy_holder_limit');
      expect(await store.isProxyOf(holder, people[3]!.id)).toBe(false);
      expect((await store.countProxyLinks()).byProxy[holder]).toBe(3);
    });

    test('lets a person have three proxies and refuses the fourth', async () => {
      const person = makeSubject();
      await store.insertSubject(person);
      const holders = Array.from({ length: 4 }, () => `proxy_${randomUUID()}`);
      for (const h of holders.slice(0, 3)) await store.addProxyLink(h, person.id, T0);
      expect(await outcome(store.addProxyLink(holders[3]!, person.id, T0))).toBe('proxy_subject_limit');
      expect((await store.countProxyLinks()).bySubject[person.id]).toBe(3);
    });

    test('reports an existing link before a full holder', async () => {
      const holder = `proxy_${randomUUID()}`;
      const people = Array.from({ length: 3 }, () => makeSubject());
      for (const p of people) await store.insertSubject(p, holder);
      expect(await outcome(store.addProxyLink(holder, people[0]!.id, T0))).toBe('proxy_exists');
    });

    test('refuses to link a proxy to a subject it never stored, without a conflict a client could act on', async () => {
      const holder = `proxy_${randomUUID()}`;
      const err = await store.addProxyLink(holder, `sub_${randomUUID()}`, T0).catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(StoreConflict);
      // Duck-typed: better-sqlite3's error class may come from another jest realm (see store-helpers).
      expect(String((err as { message?: unknown } | undefined)?.message)).toMatch(/foreign key/i);
      expect((await store.countProxyLinks()).byProxy[holder]).toBeUndefined();
    });

    test('inserts a subject declared by a proxy together with its link', async () => {
      const holder = `proxy_${randomUUID()}`;
      const person = makeSubject();
      await store.insertSubject(person, holder);
      expect(await store.getSubject(person.id)).toEqual(person);
      expect(await store.isProxyOf(holder, person.id)).toBe(true);
    });

    test('leaves no subject behind when the proxy is already at its limit', async () => {
      const holder = `proxy_${randomUUID()}`;
      for (let i = 0; i < 3; i++) await store.insertSubject(makeSubject(), holder);
      const refused = makeSubject();
      expect(await outcome(store.insertSubject(refused, holder))).toBe('proxy_holder_limit');
      expect(await store.getSubject(refused.id)).toBeUndefined();
      expect(await store.getSubjectByDocumentKey(refused.documentKey)).toBeUndefined();
      // The document is still free: the person can declare without that proxy.
      await store.insertSubject(refused);
      expect(await store.getSubject(refused.id)).toEqual(refused);
    });
  });

  describe('proxy requests and releases', () => {
    async function pair(): Promise<{ person: ReturnType<typeof makeSubject>; requester: ReturnType<typeof makeSubject> }> {
      const person = makeSubject();
      const requester = makeSubject({ nameMasked: '李*四' });
      await store.insertSubject(person);
      await store.insertSubject(requester);
      return { person, requester };
    }

    test('a request holds no slot, renews for the same pair, lapses at its expiry, and approval links it once', async () => {
      const { person, requester } = await pair();
      const id = await store.insertProxyRequest({ id: `prq_${randomUUID()}`, requesterId: requester.id, subjectId: person.id, createdAt: T0, expiresAt: T0 + DAY });
      const renewed = await store.insertProxyRequest({ id: `prq_${randomUUID()}`, requesterId: requester.id, subjectId: person.id, createdAt: T0 + 1, expiresAt: T0 + 2 * DAY });
      expect(renewed).toBe(id);
      expect(await store.listProxyRequests(person.id, T0 + DAY)).toEqual([
        { id, requesterId: requester.id, requesterNameMasked: '李*四', createdAt: T0 + 1, expiresAt: T0 + 2 * DAY },
      ]);
      expect(await store.isProxyOf(requester.id, person.id)).toBe(false);
      expect(await store.listProxyRequests(person.id, T0 + 2 * DAY)).toEqual([]);
      expect(await store.approveProxyRequest(person.id, id, T0 + 2 * DAY)).toBeUndefined();
      expect(await store.approveProxyRequest(person.id, id, T0 + 2)).toBe(requester.id);
      expect(await store.approveProxyRequest(person.id, id, T0 + 3)).toBeUndefined();
      expect(await store.listProxies(person.id)).toEqual([{ proxyId: requester.id, nameMasked: '李*四', since: T0 + 2 }]);
      expect(await store.removeProxyLink(requester.id, person.id)).toBe(true);
      expect(await store.removeProxyLink(requester.id, person.id)).toBe(false);
      expect(await store.isProxyOf(requester.id, person.id)).toBe(false);
    });

    test('a request is declined once, only by its subject, and expired ones are pruned', async () => {
      const { person, requester } = await pair();
      const id = await store.insertProxyRequest({ id: `prq_${randomUUID()}`, requesterId: requester.id, subjectId: person.id, createdAt: T0, expiresAt: T0 + DAY });
      expect(await store.declineProxyRequest(requester.id, id, T0)).toBe(false);
      expect(await store.declineProxyRequest(person.id, id, T0)).toBe(true);
      expect(await store.declineProxyRequest(person.id, id, T0)).toBe(false);
      await store.insertProxyRequest({ id: `prq_${randomUUID()}`, requesterId: requester.id, subjectId: person.id, createdAt: T0, expiresAt: T0 + DAY });
      expect(await store.deleteExpiredProxyRequests(T0 + DAY)).toBeGreaterThanOrEqual(1);
      expect(await store.listProxyRequests(person.id, T0)).toEqual([]);
    });

    test('recovery codes and counter claims past their expiry are pruned, unexpired ones kept', async () => {
      const { person, requester } = await pair();
      await store.putRecoveryCode({ subjectId: requester.id, codeHash: 'k'.repeat(64), triesLeft: 3, expiresAt: T0 + 300_000, createdAt: T0 });
      expect(await store.releaseSubject(person.id, { id: `rel_${randomUUID()}`, operator: 'ops', reason: 'ticket 9', at: T0 }, { codeHash: 'c'.repeat(64), expiresAt: T0 + 7 * DAY })).toBe('released');
      expect(await store.deleteExpiredOneTimeCodes(T0 + 299_999)).toEqual({ recoveryCodes: 0, documentClaims: 0 });
      expect(await store.spendRecoveryTry(requester.id, T0 + 1)).toBe('k'.repeat(64));
      expect(await store.deleteExpiredOneTimeCodes(T0 + 300_000)).toEqual({ recoveryCodes: 1, documentClaims: 0 });
      expect(await store.spendRecoveryTry(requester.id, T0 + 1)).toBeUndefined();
      expect(await store.getDocumentClaim(person.documentKey, T0 + DAY)).toEqual({ codeHash: 'c'.repeat(64), expiresAt: T0 + 7 * DAY });
      expect(await store.deleteExpiredOneTimeCodes(T0 + 7 * DAY)).toEqual({ recoveryCodes: 0, documentClaims: 1 });
      expect(await store.getDocumentClaim(person.documentKey, T0)).toBeUndefined();
    });

    test('a release frees the document, disables the token, drops links and requests, and is audited once', async () => {
      const { person, requester } = await pair();
      await store.addProxyLink(requester.id, person.id, T0);
      await store.insertProxyRequest({ id: `prq_${randomUUID()}`, requesterId: person.id, subjectId: requester.id, createdAt: T0, expiresAt: T0 + DAY });
      const audit = { id: `rel_${randomUUID()}`, operator: 'ops', reason: 'ticket 1', at: T0 + 5 };
      expect(await store.releaseSubject(person.id, audit)).toBe('released');
      expect(await store.releaseSubject(person.id, { ...audit, id: `rel_${randomUUID()}` })).toBe('already_released');
      expect(await store.releaseSubject(`sub_${randomUUID()}`, audit)).toBe('not_found');
      expect(await store.getSubjectByDocumentKey(person.documentKey)).toBeUndefined();
      expect(await store.getSubjectByTokenHash(person.holderTokenHash)).toBeUndefined();
      expect(await store.isProxyOf(requester.id, person.id)).toBe(false);
      expect(await store.listProxyRequests(requester.id, T0)).toEqual([]);
      expect(await store.listReleases(person.id)).toEqual([audit]);
      await store.insertSubject(makeSubject({ documentKey: person.documentKey }));
    });
  });

  describe('credentials', () => {
    function credential(subjectId: string, over: Partial<CredentialRecord>): CredentialRecord {
      return { jti: `jti_${randomUUID()}`, subjectId, color: 'green', kid: 'kid-1', issuedAt: T0, expiresAt: T0 + DAY, status: 'active', statusAt: null, ...over };
    }

    test('returns a stored credential unchanged and undefined for an unknown jti', async () => {
      const s = makeSubject();
      await store.insertSubject(s);
      const c = credential(s.id, { color: 'yellow' });
      await store.insertCredential(c);
      expect(await store.getCredential(c.jti)).toEqual(c);
      expect(await store.getCredential('jti_unknown')).toBeUndefined();
    });

    test('invalidates the active unexpired credentials except the colour kept, returns the colours it ended, and lists them oldest change first', async () => {
      const s = makeSubject();
      await store.insertSubject(s);
      const now = T0 + 1000;
      const green = credential(s.id, { color: 'green' });
      const red = credential(s.id, { color: 'red' });
      const expiredYellow = credential(s.id, { color: 'yellow', expiresAt: now - 1 });
      const revokedRed = credential(s.id, { color: 'red', status: 'revoked', statusAt: T0 + 10 });
      for (const c of [green, red, expiredYellow, revokedRed]) await store.insertCredential(c);

      expect(await store.invalidateCredentials(s.id, 'superseded', now, 'green')).toEqual(['red']);
      expect(await store.getCredential(red.jti)).toMatchObject({ status: 'superseded', statusAt: now });
      expect(await store.getCredential(green.jti)).toMatchObject({ status: 'active', statusAt: null });
      expect(await store.getCredential(expiredYellow.jti)).toMatchObject({ status: 'active', statusAt: null });
      expect(await store.getCredential(revokedRed.jti)).toMatchObject({ status: 'revoked', statusAt: T0 + 10 });

      expect(await store.invalidateCredentials(s.id, 'revoked', now + 5)).toEqual(['green']);
      expect(await store.getCredential(green.jti)).toMatchObject({ status: 'revoked', statusAt: now + 5 });
      expect(await store.invalidateCredentials(s.id, 'revoked', now + 6)).toEqual([]);

      const mine = (await store.listInvalidatedCredentials(now + 10)).filter((c) => c.subjectId === s.id);
      expect(mine.map((c) => c.jti)).toEqual([revokedRed.jti, red.jti, green.jti]);
      const afterExpiry = (await store.listInvalidatedCredentials(T0 + DAY)).filter((c) => c.subjectId === s.id);
      expect(afterExpiry).toEqual([]);
    });

    test('deletes only the credentials that expired before the given time, and says how many', async () => {
      const s = makeSubject();
      await store.insertSubject(s);
      const old = credential(s.id, { expiresAt: T0 - 2 });
      const edge = credential(s.id, { expiresAt: T0 });
      const live = credential(s.id, { expiresAt: T0 + DAY });
      for (const c of [old, edge, live]) await store.insertCredential(c);
      expect(await store.deleteExpiredCredentials(T0)).toBeGreaterThanOrEqual(1);
      expect(await store.getCredential(old.jti)).toBeUndefined();
      expect(await store.getCredential(edge.jti)).toEqual(edge);
      expect(await store.getCredential(live.jti)).toEqual(live);
      expect(await store.deleteExpiredCredentials(T0)).toBe(0);
    });

    test('touches only the named subject', async () => {
      const a = makeSubject();
      const b = makeSubject();
      await store.insertSubject(a);
      await store.insertSubject(b);
      const cb = credential(b.id, {});
      await store.insertCredential(cb);
      expect(await store.invalidateCredentials(a.id, 'revoked', T0 + 1)).toEqual([]);
      expect(await store.getCredential(cb.jti)).toMatchObject({ status: 'active' });
    });
  });

  describe('risk events', () => {
    test('records a person event once and ignores a second delivery of the same id', async () => {
      const documentKey = makeSubject().documentKey;
      const e1 = { id: `evt_${randomUUID()}`, type: 'close_contact' as const, documentKey, occurredAt: T0 + 50, receivedAt: T0 + 60 };
      const e2 = { id: `evt_${randomUUID()}`, type: 'confirmed_case' as const, documentKey, occurredAt: T0 + 10, receivedAt: T0 + 70 };
      expect(await store.insertPersonEvent(e1)).toBe(true);
      expect(await store.insertPersonEvent({ ...e1, type: 'clearance', occurredAt: T0 + 99 })).toBe(false);
      expect(await store.insertPersonEvent(e2)).toBe(true);
      expect(await store.personEvents(documentKey)).toEqual([e2, e1]);
      expect(await store.personEvents(makeSubject().documentKey)).toEqual([]);
    });

    test('keeps the newest high-risk region list and remembers every event id', async () => {
      const before = await store.highRiskRegions();
      expect(before).toEqual({ regions: [], effectiveAt: 0 });
      const id = (): string => `evt_${randomUUID()}`;
      const [a, older, newer, tie] = [id(), id(), id(), id()];

      expect(await store.setHighRiskRegions(a, ['420100', '110105'], T0 + 100)).toBe(true);
      expect(await store.highRiskRegions()).toEqual({ regions: ['420100', '110105'], effectiveAt: T0 + 100 });
      expect(await store.setHighRiskRegions(a, ['999999'], T0 + 500)).toBe(false);
      expect(await store.setHighRiskRegions(older, ['130181'], T0 + 50)).toBe(false);
      expect(await store.highRiskRegions()).toEqual({ regions: ['420100', '110105'], effectiveAt: T0 + 100 });

      expect(await store.setHighRiskRegions(newer, [], T0 + 200)).toBe(true);
      expect(await store.highRiskRegions()).toEqual({ regions: [], effectiveAt: T0 + 200 });
      // The older list's id was remembered: redelivered after the newer one it still changes nothing.
      expect(await store.setHighRiskRegions(older, ['130181'], T0 + 300)).toBe(false);
      expect(await store.setHighRiskRegions(tie, ['130181'], T0 + 200)).toBe(false);
      expect(await store.highRiskRegions()).toEqual({ regions: [], effectiveAt: T0 + 200 });
    });
  });

  describe('daily check-ins', () => {
    test('records one check-in per subject and day, refuses a second that day, and lists them from a time on', async () => {
      const s = makeSubject();
      await store.insertSubject(s);
      const first = { subjectId: s.id, day: '2026-11-27', temperatureC: 37.5, symptoms: ['cough', 'fever'], at: T0 };
      expect(await store.insertCheckIn(first)).toBe(true);
      expect(await store.insertCheckIn({ ...first, temperatureC: 36.5, symptoms: [], at: T0 + 1000 })).toBe(false);
      const next = { subjectId: s.id, day: '2026-11-28', temperatureC: 36.4, symptoms: [], at: T0 + DAY };
      expect(await store.insertCheckIn(next)).toBe(true);
      expect(await store.checkIns(s.id, T0)).toEqual([first, next]);
      expect(await store.checkIns(s.id, T0 + 1)).toEqual([next]);
      expect(await store.checkIns('sub_unknown', 0)).toEqual([]);
      expect(await store.deleteCheckInsBefore(T0 + 1)).toBeGreaterThanOrEqual(1);
      expect(await store.checkIns(s.id, 0)).toEqual([next]);
    });

    test('two check-ins of the same day sent at once record exactly one', async () => {
      const s = makeSubject();
      await store.insertSubject(s);
      const results = await Promise.all([36.5, 36.6, 36.7, 36.8].map((t, i) => store.insertCheckIn({ subjectId: s.id, day: '2026-11-27', temperatureC: t, symptoms: [], at: T0 + i })));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.checkIns(s.id, 0)).toHaveLength(1);
    });
  });

  describe('trust-list sequence', () => {
    test('remembers the highest sequence taken per list URI, and never lowers it', async () => {
      const uri = `https://hebei.example/${randomUUID()}.jws`;
      expect(await store.trustListHeld(uri)).toBeUndefined();
      expect(await store.recordTrustList(uri, { sequence: 5, payloadHash: 'h5' }, T0)).toBe(true);
      expect(await store.recordTrustList(uri, { sequence: 4, payloadHash: 'h4' }, T0 + 1)).toBe(false);
      expect(await store.recordTrustList(uri, { sequence: 5, payloadHash: 'other' }, T0 + 2)).toBe(false);
      expect(await store.trustListHeld(uri)).toEqual({ sequence: 5, payloadHash: 'h5' });
      expect(await store.recordTrustList(uri, { sequence: 1_700_000_000_123, payloadHash: 'h6' }, T0 + 3)).toBe(true);
      expect(await store.trustListHeld(uri)).toEqual({ sequence: 1_700_000_000_123, payloadHash: 'h6' });
      expect(await store.trustListHeld('https://other.example/list.jws')).toBeUndefined();
    });
  });

  describe('schema', () => {
    test('migrates again without harm and serves the same data to a second connection', async () => {
      const s = makeSubject();
      await store.insertSubject(s);
      await store.migrate();
      const second = await loc.open();
      try {
        expect(await second.getSubject(s.id)).toEqual(s);
      } finally {
        await second.close();
      }
      const versions = await loc.sql('SELECT version FROM schema_migrations');
      expect(versions.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    });

    test('refuses to open a database migrated by a newer gateway', async () => {
      await loc.sql("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)");
      try {
        await expect(loc.open()).rejects.toThrow(/newer/);
      } finally {
        await loc.sql('DELETE FROM schema_migrations WHERE version = 999');
      }
    });
  });
}

describe.each(enabled)('%s store contract', (kind) => contract(kind));
// Visible in the report as skipped (see the console warning naming TEST_DATABASE_URL).
if (skipped.length > 0) describe.skip.each(skipped)('%s store contract', (kind) => contract(kind));

describe('sqlite store durability settings', () => {
  let loc: StoreLocation;
  let store: Store;
  beforeAll(async () => {
    loc = await location('sqlite');
    store = await loc.open();
  });
  afterAll(async () => {
    await store?.close();
    await loc?.dispose();
  });

  test('runs in WAL mode with synchronous FULL, a busy timeout and foreign keys on', () => {
    expect(store).toBeInstanceOf(SqliteStore);
    expect((store as SqliteStore).settings()).toEqual({ journalMode: 'wal', synchronous: 2, busyTimeout: 5000, foreignKeys: 1 });
  });

  test('creates the database file readable by its owner only', async () => {
    const rows = await loc.sql('PRAGMA database_list');
    const file = String(rows[0]!.file);
    expect(file.endsWith(join('', 'gateway.sqlite'))).toBe(true);
    expect(statSync(file).mode & 0o077).toBe(0);
  });
});
