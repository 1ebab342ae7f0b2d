import request from 'supertest';
import { personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { declared, getCode, jwsOf, payloadOf, personEvent, postEvents, useStoreGateway, TEST_DATABASE_URL, warnPostgresSkipped } from './issuer-helpers.js';

/**
 * Issue 9, item 2: a code issued while a risk event is applied must not escape the status list.
 * Fresh codes are requested while a confirmed case arrives for the same person, many times over;
 * once the feed has answered, every green code any of those requests received must be listed as
 * superseded — a partner that reads the list after the event would otherwise accept it.
 */
const ROUNDS = 25;
const CONCURRENT_CODES = 4;
/** 25 rounds take a few seconds on a quiet machine; the bound is for a loaded one. */
const TIMEOUT_MS = 180_000;

function race(kind: 'sqlite' | 'postgres'): void {
  let gw: TestGateway;
  useStoreGateway(kind, 'all', (made) => (gw = made));

  test(`after a confirmed case is answered, every green code issued during it is in the status list (${ROUNDS} rounds)`, async () => {
    const escaped: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const body = personDeclaration(600 + round);
      const person = await declared(gw, body);
      const codes = Array.from({ length: CONCURRENT_CODES }, () => getCode(gw, person.subjectId, person.holderToken).then((res) => res));
      const event = postEvents(gw, [personEvent(gw, 'confirmed_case', body)]);
      const answered = await event;
      expect(answered.status).toBe(200);
      const listed = await request(gw.app).get('/.well-known/health-code-status');
      const results = await Promise.all(codes);
      const after = await request(gw.app).get('/.well-known/health-code-status');
      // A code handed out after the list was read cannot be in it yet; it must be in the next one,
      // and one handed out before the event's answer must already be in the first.
      const listedNow = new Set((listed.body.entries as Array<{ jti: string }>).map((e) => e.jti));
      const listedAfter = new Set((after.body.entries as Array<{ jti: string }>).map((e) => e.jti));
      for (const res of results) {
        expect(res.status).toBe(200);
        if (res.body.color !== 'green') continue;
        const jti = String(payloadOf(jwsOf(res))['jti']);
        if (!listedAfter.has(jti)) escaped.push(`round ${round}: ${jti} never listed`);
      }
      // The declaration's own green code was outstanding before the event: listed at its answer.
      const first = String(payloadOf(person.jws)['jti']);
      if (!listedNow.has(first)) escaped.push(`round ${round}: the declared code not listed at the answer`);
    }
    expect(escaped).toEqual([]);
  }, TIMEOUT_MS);

  test('a code handed out green before the event was answered is listed in the list read right after the answer', async () => {
    // The stronger form: a code received before the feed's answer must be in the very next list.
    const escaped: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const body = personDeclaration(700 + round);
      const person = await declared(gw, body);
      const received: Array<{ jti: string; color: string }> = [];
      const codes = Array.from({ length: CONCURRENT_CODES }, () =>
        getCode(gw, person.subjectId, person.holderToken).then((res) => {
          received.push({ jti: String(payloadOf(jwsOf(res))['jti']), color: String(res.body.color) });
        }),
      );
      const answered = await postEvents(gw, [personEvent(gw, 'confirmed_case', body)]);
      expect(answered.status).toBe(200);
      const before = received.filter((r) => r.color === 'green').map((r) => r.jti);
      const listed = await request(gw.app).get('/.well-known/health-code-status');
      const jtis = new Set((listed.body.entries as Array<{ jti: string }>).map((e) => e.jti));
      for (const jti of before) if (!jtis.has(jti)) escaped.push(`round ${round}: ${jti}`);
      await Promise.all(codes);
    }
    expect(escaped).toEqual([]);
  }, TIMEOUT_MS);
}

describe('issuing while a risk event is applied, SQLite', () => race('sqlite'));
warnPostgresSkipped('the issue/event race tests');
(TEST_DATABASE_URL ? describe : describe.skip)('issuing while a risk event is applied, PostgreSQL', () => race('postgres'));
