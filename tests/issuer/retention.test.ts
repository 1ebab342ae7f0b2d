import request from 'supertest';
import { createTestGateway, DAY_MS, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { runSubjectsCommand } from '../../gateway/subjects/subjects-command.js';
import { asDevice, registerDevice } from '../helpers/devices.js';
import { documentKey } from '../../gateway/declarations/secrets.js';
import { declare, declared, getCode, payloadOf, tokenStatusOf, personEvent, postEvents, useStoreGateway, TEST_DATABASE_URL, verify, warnPostgresSkipped, type Body } from './issuer-helpers.js';

/**
 * Issue 19, item 6: personal data ends with its purpose (PIPL). A subject with no declaration, code
 * request or scan for RETENTION_DAYS is deleted — its codes listed as revoked first, so nothing
 * deleted still passes — by a daily job or `subjects -- purge --inactive-since <ISO time>`; after
 * POLICY_END the gateway answers 410 ERR_POLICY_ENDED and `subjects -- purge --all` deletes
 * every subject. What remains holds no personal data.
 */
async function run(gw: TestGateway, argv: string[], policyEnd?: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSubjectsCommand(argv, { store: gw.deps.store, now: gw.clock.now, defaultOperator: 'os-user', pepper: gw.deps.pepper, policyEnd, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const iso = (ms: number): string => new Date(ms).toISOString();
const statusOf = async (gw: TestGateway, jws: string): Promise<unknown> => {
  const list = await request(gw.app).get('/.well-known/health-code-status');
  return (list.body.entries as Body[]).find((e) => e['jti'] === payloadOf(jws)['jti'])?.['status'];
};

function retention(kind: 'sqlite' | 'postgres'): void {
  let gw: TestGateway;
  useStoreGateway(kind, 'each', (made) => (gw = made));

  test('purge --inactive-since deletes the inactive subject and prints how many: its code is listed as revoked, its token and personal data are gone, its document can be declared again', async () => {
    const person = personDeclaration(70);
    const quiet = await declared(gw, person);
    const other = await declared(gw, personDeclaration(71));
    const proxied = await declared(gw, personDeclaration(72), quiet.holderToken);
    gw.clock.advance(60_000);
    // The other person fetched a code since: it stays.
    expect((await getCode(gw, other.subjectId, other.holderToken)).status).toBe(200);

    // The gateway holds its Token Status List from before the purge.
    expect(await tokenStatusOf(gw, quiet.jws)).toBe(0);
    const result = await run(gw, ['purge', '--inactive-since', iso(gw.clock.now() - 30_000)]);
    expect(result.code).toBe(0);
    // The quiet person and the person it declared for (both inactive since); not the other one.
    expect(result.out).toEqual(['2']);
    expect(result.err.join('\n')).toMatch(/2 subject\(s\) purged, 2 code\(s\) listed as revoked/);
    expect(result.err.join('\n')).not.toContain(quiet.subjectId);

    // The code still unexpired is listed as revoked and refused; the token is refused. The purge
    // ran outside the gateway (as `npm run subjects` does), so no change reached the held list:
    // its Token Status List shows the purge once that list is rebuilt (5 s), and the other
    // person's code stays valid.
    gw.clock.advance(5_000);
    expect(await tokenStatusOf(gw, quiet.jws)).toBe(1);
    expect(await tokenStatusOf(gw, other.jws)).toBe(0);
    expect(await statusOf(gw, quiet.jws)).toBe('revoked');
    expect(((await verify(gw, quiet.jws))['error'] as Body)['code']).toBe('ERR_CREDENTIAL_REVOKED');
    expect((await getCode(gw, quiet.subjectId, quiet.holderToken)).status).toBe(401);
    expect((await getCode(gw, proxied.subjectId, proxied.holderToken)).status).toBe(401);
    // What is left of the row is anonymous.
    const row = await gw.deps.store.getSubject(quiet.subjectId);
    expect(row && { name: row.nameMasked, document: row.documentMasked, binding: row.binding, key: row.documentKey }).toEqual({
      name: '', document: '', binding: '', key: `purged:${quiet.subjectId}`,
    });
    // The document is free: its owner declares again.
    expect((await declare(gw, person)).status).toBe(201);
    expect((await getCode(gw, other.subjectId, other.holderToken)).status).toBe(200);

    // Once its codes cannot be presented any more (a day past their exp), the row goes too.
    gw.clock.advance(2 * DAY_MS);
    const later = await run(gw, ['purge', '--inactive-since', iso(gw.clock.now() - 30 * DAY_MS)]);
    expect(later.err.join('\n')).toMatch(/0 subject\(s\) purged, 0 code\(s\) listed as revoked, 2 anonymous row\(s\) removed/);
    expect(await gw.deps.store.getSubject(quiet.subjectId)).toBeUndefined();
  });

  test('a scan of the subject code keeps it: scans count as activity', async () => {
    const scanned = await declared(gw, personDeclaration(73));
    const device = asDevice(await registerDevice(gw));
    gw.clock.advance(60_000);
    const scan = await request(gw.app).post('/v1/checkpoint/scans').set(device).send({ code: scanned.jws, temperatureC: 36.4, document: (personDeclaration(73)['applicant'] as Body)['document'] });
    expect(scan.body.decision).toBe('pass');
    expect((await run(gw, ['purge', '--inactive-since', iso(gw.clock.now() - 30_000)])).out).toEqual(['0']);
    expect((await getCode(gw, scanned.subjectId, scanned.holderToken)).status).toBe(200);
  });

  test('a scan by the document alone (一证通行, issue 25) keeps it too: a person without a phone is not inactive', async () => {
    const person = await declared(gw, personDeclaration(74));
    const device = asDevice(await registerDevice(gw));
    gw.clock.advance(60_000);
    const scan = await request(gw.app).post('/v1/checkpoint/scans').set(device).send({ temperatureC: 36.4, document: (personDeclaration(74)['applicant'] as Body)['document'] });
    expect(scan.body).toMatchObject({ decision: 'pass', method: 'document' });
    expect((await run(gw, ['purge', '--inactive-since', iso(gw.clock.now() - 30_000)])).out).toEqual(['0']);
    expect((await getCode(gw, person.subjectId, person.holderToken)).status).toBe(200);
  });
}

describe('retention, SQLite', () => retention('sqlite'));
warnPostgresSkipped('the retention tests');
(TEST_DATABASE_URL ? describe : describe.skip)('retention, PostgreSQL', () => retention('postgres'));

describe('the purge command refuses', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await createTestGateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  test('a time that is not ISO or lies in the future, and purge --all before POLICY_END', async () => {
    expect((await run(gw, ['purge', '--inactive-since', 'last week'])).code).toBe(2);
    expect((await run(gw, ['purge', '--inactive-since', iso(gw.clock.now() + DAY_MS)])).err[0]).toMatch(/in the future/);
    expect((await run(gw, ['purge', '--all'])).err[0]).toMatch(/set POLICY_END/);
    expect((await run(gw, ['purge', '--all'], iso(gw.clock.now() + DAY_MS))).code).toBe(2);
  });
});

describe('POLICY_END', () => {
  let gw: TestGateway;
  afterEach(async () => {
    await gw?.close();
  });

  test('from POLICY_END on, declarations, modifications, code requests, check-ins, recovery, sign-in and scans answer 410 ERR_POLICY_ENDED; purge --all deletes every subject and person event', async () => {
    const clockStart = Date.parse('2026-11-27T08:00:00+08:00');
    const end = iso(clockStart + 3_600_000);
    gw = await createTestGateway({ overrides: { policyEnd: end } });
    const person = await declared(gw, personDeclaration(80));
    await postEvents(gw, [personEvent(gw, 'close_contact', personDeclaration(81))]).expect(200);
    const device = asDevice(await registerDevice(gw));
    gw.clock.advance(3_600_000);

    const gone = [
      await declare(gw, personDeclaration(82)),
      await request(gw.app).put(`/v1/subjects/${person.subjectId}/declaration`).set('authorization', `Bearer ${person.holderToken}`).send(personDeclaration(80)),
      await getCode(gw, person.subjectId, person.holderToken),
      await request(gw.app).post('/v1/checkpoint/scans').set(device).send({}),
      await request(gw.app).post(`/v1/subjects/${person.subjectId}/check-ins`).set('authorization', `Bearer ${person.holderToken}`).send({ temperatureC: 36.5, symptoms: [] }),
      await request(gw.app).post('/v1/recovery').send({}),
      await request(gw.app).post('/v1/recovery/verify').send({}),
      await request(gw.app).get('/v1/sign-in'),
      await request(gw.app).post('/v1/sign-in/callback').send({}),
    ];
    expect(gone.map((r) => [r.status, r.body.error?.code])).toEqual(Array(9).fill([410, 'ERR_POLICY_ENDED']));

    const purged = await run(gw, ['purge', '--all'], end);
    expect({ code: purged.code, out: purged.out }).toEqual({ code: 0, out: ['1'] });
    // Its code has expired (nothing to list); the anonymous row stays a day past that exp, like
    // every code record; the feed's events about persons go with the subjects.
    expect(purged.err.join('\n')).toMatch(/1 subject\(s\) purged, 0 code\(s\) listed as revoked, 0 anonymous row\(s\) removed, 1 person event\(s\) deleted/);
    expect((await gw.deps.store.getSubject(person.subjectId))?.documentKey).toBe(`purged:${person.subjectId}`);
    const contact = (personDeclaration(81)['applicant'] as { document: { type: 'resident_id'; number: string } }).document;
    expect(await gw.deps.store.personEvents(documentKey(gw.deps.pepper, contact))).toEqual([]);
  });
});

describe('RETENTION_DAYS', () => {
  test('the daily job purges, at start and then every day, the subjects inactive that long', async () => {
    const first = await createTestGateway();
    const stale = await declared(first, personDeclaration(90));
    await first.close();
    // Thirty-one days later, a gateway with RETENTION_DAYS=30 starts on the same data.
    const clock = first.clock;
    clock.advance(31 * DAY_MS);
    const gw = await createTestGateway({ dir: first.dir, clock, backgroundRefresh: true, overrides: { retentionDays: 30 } });
    try {
      const deadline = Date.now() + 10_000;
      // Its codes expired a month ago: nothing is left of it, not even the anonymous row.
      while ((await gw.deps.store.getSubject(stale.subjectId)) !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await gw.deps.store.getSubject(stale.subjectId)).toBeUndefined();
      expect((await getCode(gw, stale.subjectId, stale.holderToken)).status).toBe(401);
    } finally {
      await gw.close();
    }
  });
});
