import { createTestGateway, exampleDeclaration, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { approve, declare, declared, getCode, modify, personEvent, postEvents, useStoreGateway, TEST_DATABASE_URL, warnPostgresSkipped, type Body } from './issuer-helpers.js';
import { recovered } from './recovery-helpers.js';

/** 代人申请 (notice Q3): a green holder declares for at most 3 people; a person has at most 3 holders. */

let gw: TestGateway;
beforeEach(async () => {
  gw = await createTestGateway();
});
afterEach(async () => {
  await gw.close();
});

describe('declaring for others', () => {
  test('a green holder declares for another person with its holder token and gets 201 with the code but never the person\'s own holder token', async () => {
    const holder = await declared(gw, personDeclaration(1));
    const res = await declare(gw, personDeclaration(2), holder.holderToken);
    expect(res.status).toBe(201);
    expect(res.body.color).toBe('green');
    expect(res.body.holderToken).toBeUndefined();
  });

  test('a yellow holder (declared symptoms) may not declare for others: 403 ERR_PROXY_NOT_GREEN', async () => {
    const holder = await declared(gw, personDeclaration(1, { symptoms: ['fever'] }));
    const res = await declare(gw, personDeclaration(2), holder.holderToken);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ERR_PROXY_NOT_GREEN');
  });

  test('a holder turned red by the epidemic feed may not declare for others: 403 ERR_PROXY_NOT_GREEN', async () => {
    const body = personDeclaration(1);
    const holder = await declared(gw, body);
    await postEvents(gw, [personEvent(gw, 'close_contact', body)]).expect(200);
    const res = await declare(gw, personDeclaration(2), holder.holderToken);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ERR_PROXY_NOT_GREEN');
  });

  test('a refused proxy declaration leaves no trace: the person can still declare themself', async () => {
    const holder = await declared(gw, personDeclaration(1, { travel14d: ['overseas'] }));
    expect((await declare(gw, personDeclaration(2), holder.holderToken)).status).toBe(403);
    expect((await declare(gw, personDeclaration(2))).status).toBe(201);
  });

  test('a holder declares for at most 3 people: the 4th gets 409 ERR_PROXY_HOLDER_LIMIT', async () => {
    const holder = await declared(gw, personDeclaration(1));
    for (const n of [2, 3, 4]) expect((await declare(gw, personDeclaration(n), holder.holderToken)).status).toBe(201);
    const fourth = await declare(gw, personDeclaration(5), holder.holderToken);
    expect(fourth.status).toBe(409);
    expect(fourth.body.error.code).toBe('ERR_PROXY_HOLDER_LIMIT');
    // The refused person was not registered either.
    expect((await declare(gw, personDeclaration(5))).status).toBe(201);
  });

  test('a person has at most 3 holders: the 2nd and 3rd are approved, approving a 4th gets 409 ERR_PROXY_SUBJECT_LIMIT', async () => {
    const holders = [];
    for (const n of [1, 2, 3, 4]) holders.push(await declared(gw, personDeclaration(n)));
    const person = personDeclaration(10);
    const first = await declare(gw, person, holders[0]!.holderToken);
    expect(first.status).toBe(201);
    const own = (await recovered(gw, person)).holderToken;
    for (const holder of holders.slice(1, 3)) {
      const res = await declare(gw, person, holder.holderToken);
      expect(res.status).toBe(202);
      // The person's own holder token is never revealed to another holder, nor anything else.
      expect(Object.keys(res.body).sort()).toEqual(['requestId', 'status']);
      expect((await approve(gw, first.body.subjectId, res.body.requestId, own)).status).toBe(200);
      // An approved holder is a proxy like the first: it may fetch the person's code.
      expect((await getCode(gw, first.body.subjectId, holder.holderToken)).status).toBe(200);
    }
    const fourth = await declare(gw, person, holders[3]!.holderToken);
    expect(fourth.status).toBe(202);
    const refused = await approve(gw, first.body.subjectId, fourth.body.requestId, own);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('ERR_PROXY_SUBJECT_LIMIT');
  });

  test('a second holder naming a registered person with another name or phone is refused with 409', async () => {
    const a = await declared(gw, personDeclaration(1));
    const b = await declared(gw, personDeclaration(2));
    const person = personDeclaration(10);
    expect((await declare(gw, person, a.holderToken)).status).toBe(201);
    const otherPhone = { ...person, applicant: { ...(person['applicant'] as Body), phone: '13700000000' } };
    const res = await declare(gw, otherPhone, b.holderToken);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ERR_DOCUMENT_ALREADY_REGISTERED');
  });

  test('a holder naming itself as the person gets 400 ERR_PROXY_SELF', async () => {
    const body = personDeclaration(1);
    const holder = await declared(gw, body);
    const res = await declare(gw, body, holder.holderToken);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ERR_PROXY_SELF');
  });

  test('an unknown holder token gets 401 ERR_UNAUTHENTICATED and registers nobody', async () => {
    const res = await declare(gw, personDeclaration(2), 'hct_not-a-real-token-at-all-0123456789abcdef');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('ERR_UNAUTHENTICATED');
    expect((await declare(gw, personDeclaration(2))).status).toBe(201);
  });
});

describe('what a proxy may do', () => {
  let holder: { subjectId: string; holderToken: string };
  let mine: { subjectId: string; holderToken: string };
  let other: { subjectId: string; holderToken: string };
  beforeEach(async () => {
    holder = await declared(gw, personDeclaration(1));
    mine = await declared(gw, personDeclaration(2), holder.holderToken);
    other = await declared(gw, personDeclaration(3));
  });

  test('a proxy gets a fresh code of a person it declared for', async () => {
    const res = await getCode(gw, mine.subjectId, holder.holderToken);
    expect(res.status).toBe(200);
    expect(res.body.subjectId).toBe(mine.subjectId);
  });

  test('a proxy modifies the declaration of a person it declared for', async () => {
    const res = await modify(gw, mine.subjectId, personDeclaration(2, { symptoms: ['cough'] }), holder.holderToken);
    expect(res.status).toBe(200);
    expect(res.body.color).toBe('yellow');
  });

  test('a proxy may not get the code of someone else: 403 ERR_FORBIDDEN', async () => {
    const res = await getCode(gw, other.subjectId, holder.holderToken);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ERR_FORBIDDEN');
  });

  test('a proxy may not modify the declaration of someone else: 403 ERR_FORBIDDEN', async () => {
    const res = await modify(gw, other.subjectId, personDeclaration(3), holder.holderToken);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ERR_FORBIDDEN');
  });

  test('the person declared for may not act on its proxy: 403 ERR_FORBIDDEN', async () => {
    const own = await recovered(gw, personDeclaration(2));
    expect((await getCode(gw, holder.subjectId, own.holderToken)).status).toBe(403);
  });

  test('a missing or wrong token gets 401 ERR_UNAUTHENTICATED for codes and modifications', async () => {
    for (const res of [
      await getCode(gw, mine.subjectId),
      await getCode(gw, mine.subjectId, 'hct_wrong-token-0123456789abcdefghijklmnopq'),
      await modify(gw, mine.subjectId, personDeclaration(2)),
      await modify(gw, mine.subjectId, personDeclaration(2), 'hct_wrong-token-0123456789abcdefghijklmnopq'),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('ERR_UNAUTHENTICATED');
    }
  });
});

/** Limits under concurrent requests: the database decides, so exactly 3 win whatever the interleaving. */
function concurrency(kind: 'sqlite' | 'postgres'): void {
  let store: TestGateway;
  useStoreGateway(kind, 'each', (made) => (store = made));

  test('12 concurrent proxied declarations by one holder: exactly 3 succeed, the rest get ERR_PROXY_HOLDER_LIMIT', async () => {
    const holder = await declared(store, personDeclaration(1));
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => declare(store, personDeclaration(100 + i), holder.holderToken)));
    // Declared: 201, or 202 queued when the issue pool was busy (the link is written with the queued subject).
    const made = (r: { status: number; body: { status?: string } }): boolean => r.status === 201 || (r.status === 202 && r.body.status === 'queued');
    expect(results.filter(made)).toHaveLength(3);
    expect(results.filter((r) => !made(r)).map((r) => `${r.status} ${r.body.error?.code}`)).toEqual(Array(9).fill('409 ERR_PROXY_HOLDER_LIMIT'));
    // The 9 refused people were not registered behind the limit's back.
    const again = await Promise.all(results.map((_, i) => declare(store, personDeclaration(100 + i))));
    expect(again.filter(made)).toHaveLength(9);
  });

  test('12 concurrent approvals of 12 green holders asking for one person: exactly 3 are linked, the rest get ERR_PROXY_SUBJECT_LIMIT', async () => {
    const holders = [];
    for (let i = 0; i < 12; i++) holders.push(await declared(store, personDeclaration(200 + i)));
    const person = personDeclaration(300);
    const own = await declared(store, person);
    const asked = await Promise.all(holders.map((h) => declare(store, person, h.holderToken)));
    expect(asked.map((r) => r.status)).toEqual(Array(12).fill(202));
    const results = await Promise.all(asked.map((r) => approve(store, own.subjectId, r.body.requestId, own.holderToken)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.body.error?.code}`)).toEqual(Array(9).fill('409 ERR_PROXY_SUBJECT_LIMIT'));
  });

  test('12 concurrent new declarations of one person by 12 holders: one is registered, the others only ask or meet the registration', async () => {
    const holders = [];
    for (let i = 0; i < 12; i++) holders.push(await declared(store, personDeclaration(400 + i)));
    const person = personDeclaration(500);
    const results = await Promise.all(holders.map((h) => declare(store, person, h.holderToken)));
    // Registered: 201, or 202 queued when the issue pool was busy; the others ask (202 pending).
    const registered = (r: { status: number; body: { status?: string } }): boolean => r.status === 201 || (r.status === 202 && r.body.status === 'queued');
    expect(results.filter(registered)).toHaveLength(1);
    // A racer that saw no subject yet and lost the insert meets the document's uniqueness (409).
    expect(results.filter((r) => !registered(r)).every((r) => (r.status === 202 && r.body.status === 'pending') || (r.status === 409 && r.body.error.code === 'ERR_DOCUMENT_ALREADY_REGISTERED'))).toBe(true);
    expect(results.some((r) => r.status === 200)).toBe(false);
  });
}

describe('proxy limits under concurrency, SQLite', () => concurrency('sqlite'));
warnPostgresSkipped('the proxy concurrency tests');
(TEST_DATABASE_URL ? describe : describe.skip)('proxy limits under concurrency, PostgreSQL', () => concurrency('postgres'));

test('the example person may be declared by a green holder for them (代人申请 of the issue example)', async () => {
  const holder = await declared(gw, personDeclaration(1));
  const res = await declare(gw, exampleDeclaration(), holder.holderToken);
  expect(res.status).toBe(201);
});
