import { createTestGateway, DAY_MS, exampleDeclaration, personDeclaration, residentId, type TestGateway } from '../helpers/test-gateway.js';
import { declare, declared, factsOf, getCode, modify, payloadOf, personEvent, postEvents, rawPayload, verify, type Body } from './issuer-helpers.js';
import { recovered } from './recovery-helpers.js';

/** Notice Q7: personal information may be modified once per day (每天可修改1次), in Asia/Shanghai time. */

let gw: TestGateway;
beforeEach(async () => {
  gw = await createTestGateway();
});
afterEach(async () => {
  await gw.close();
});

function errorCode(body: Body): unknown {
  return (body['error'] as Body | undefined)?.['code'];
}

test('a holder modifies its declaration once; the second modification of the day gets 429 ERR_MODIFICATION_LIMIT', async () => {
  const { subjectId, holderToken } = await declared(gw, exampleDeclaration());
  const first = await modify(gw, subjectId, exampleDeclaration({ travel14d: [] }), holderToken);
  expect(first.status).toBe(200);
  gw.clock.advance(60 * 60_000);
  const second = await modify(gw, subjectId, exampleDeclaration({ travel14d: ['130100'] }), holderToken);
  expect(second.status).toBe(429);
  expect(errorCode(second.body)).toBe('ERR_MODIFICATION_LIMIT');
});

test('a refused second modification changes nothing', async () => {
  const { subjectId, holderToken } = await declared(gw, exampleDeclaration());
  await modify(gw, subjectId, exampleDeclaration(), holderToken).expect(200);
  await modify(gw, subjectId, exampleDeclaration({ symptoms: ['fever'] }), holderToken).expect(429);
  expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('green');
});

test('the next day a modification is allowed again', async () => {
  const { subjectId, holderToken } = await declared(gw, exampleDeclaration());
  await modify(gw, subjectId, exampleDeclaration(), holderToken).expect(200);
  gw.clock.advance(DAY_MS);
  const res = await modify(gw, subjectId, exampleDeclaration(), holderToken);
  expect(res.status).toBe(200);
});

test('the day ends at midnight in Shanghai: 15:59:59Z and 16:00:01Z are two days, both modifications succeed', async () => {
  gw.clock.set('2026-11-27T15:00:00Z');
  const { subjectId, holderToken } = await declared(gw, exampleDeclaration());
  gw.clock.set('2026-11-27T15:59:59Z'); // 23:59:59 on the 27th in Shanghai
  await modify(gw, subjectId, exampleDeclaration(), holderToken).expect(200);
  gw.clock.set('2026-11-27T16:00:01Z'); // 00:00:01 on the 28th in Shanghai
  const res = await modify(gw, subjectId, exampleDeclaration(), holderToken);
  expect(res.status).toBe(200);
});

test('the day is the Shanghai day, not the UTC day: 16:00:01Z and the next 15:59:00Z are one day', async () => {
  gw.clock.set('2026-11-27T15:00:00Z');
  const { subjectId, holderToken } = await declared(gw, exampleDeclaration());
  gw.clock.set('2026-11-27T16:00:01Z'); // 00:00:01 on the 28th in Shanghai
  await modify(gw, subjectId, exampleDeclaration(), holderToken).expect(200);
  gw.clock.set('2026-11-28T15:59:00Z'); // 23:59:00 on the 28th in Shanghai, another UTC day
  const res = await modify(gw, subjectId, exampleDeclaration(), holderToken);
  expect(res.status).toBe(429);
  expect(errorCode(res.body)).toBe('ERR_MODIFICATION_LIMIT');
});

test('the holder and its proxy share the one modification of the day', async () => {
  const holder = await declared(gw, personDeclaration(1));
  const person = await declared(gw, personDeclaration(2), holder.holderToken);
  await modify(gw, person.subjectId, personDeclaration(2), holder.holderToken).expect(200);
  const own = await recovered(gw, personDeclaration(2));
  const res = await modify(gw, person.subjectId, personDeclaration(2), own.holderToken);
  expect(res.status).toBe(429);
});

test('two concurrent modifications on one day: exactly one succeeds', async () => {
  const { subjectId, holderToken } = await declared(gw, exampleDeclaration());
  const results = await Promise.all(Array.from({ length: 6 }, () => modify(gw, subjectId, exampleDeclaration(), holderToken)));
  expect(results.map((r) => r.status).sort()).toEqual([200, 429, 429, 429, 429, 429]);
});

test('adding symptoms re-derives the colour as yellow and supersedes the old green code', async () => {
  const { subjectId, holderToken, jws } = await declared(gw, exampleDeclaration());
  const res = await modify(gw, subjectId, exampleDeclaration({ symptoms: ['fever'] }), holderToken);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ subjectId, color: 'yellow', reasons: ['declared_symptoms'] });
  expect(factsOf(res.body.credential.jws).color).toBe('yellow');
  const old = await verify(gw, jws);
  expect(old['valid']).toBe(false);
  expect(errorCode(old)).toBe('ERR_CREDENTIAL_SUPERSEDED');
  expect((await verify(gw, res.body.credential.jws))['valid']).toBe(true);
});

test('a modification cannot lift a red colour from the epidemic feed', async () => {
  const body = exampleDeclaration({ symptoms: ['fever'] });
  const { subjectId, holderToken } = await declared(gw, body);
  await postEvents(gw, [personEvent(gw, 'confirmed_case', body)]).expect(200);
  const res = await modify(gw, subjectId, exampleDeclaration(), holderToken);
  expect(res.status).toBe(200);
  expect(res.body.color).toBe('red');
});

test('changing the document revokes the old codes and the new code carries the new masked number', async () => {
  const { subjectId, holderToken, jws } = await declared(gw, exampleDeclaration());
  const newNumber = residentId('13018119900307124');
  const changed = exampleDeclaration();
  (changed['applicant'] as Body)['document'] = { type: 'resident_id', number: newNumber };
  const res = await modify(gw, subjectId, changed, holderToken);
  expect(res.status).toBe(200);
  const old = await verify(gw, jws);
  expect(old['valid']).toBe(false);
  expect(errorCode(old)).toBe('ERR_CREDENTIAL_REVOKED');
  const facts = factsOf(res.body.credential.jws);
  expect(facts.doc).toBe('1301**************');
  expect(rawPayload(res.body.credential.jws)).not.toContain(newNumber);
  expect(facts.bind).not.toBe(factsOf(jws).bind);
});

test('the old document is free again after a change, and the new one is taken', async () => {
  const { subjectId, holderToken } = await declared(gw, exampleDeclaration());
  const newNumber = residentId('13018119900307124');
  const changed = exampleDeclaration();
  (changed['applicant'] as Body)['document'] = { type: 'resident_id', number: newNumber };
  await modify(gw, subjectId, changed, holderToken).expect(200);
  expect((await declare(gw, personDeclaration(9, { applicant: { ...(changed['applicant'] as Body), name: '李四' } }))).status).toBe(409);
  expect((await declare(gw, exampleDeclaration())).status).toBe(201);
});

test('changing to a document that belongs to someone else gets 409 ERR_DOCUMENT_ALREADY_REGISTERED', async () => {
  await declared(gw, personDeclaration(2));
  const { subjectId, holderToken } = await declared(gw, personDeclaration(1));
  const res = await modify(gw, subjectId, { ...personDeclaration(1), applicant: (personDeclaration(2)['applicant'] as Body) }, holderToken);
  expect(res.status).toBe(409);
  expect(errorCode(res.body)).toBe('ERR_DOCUMENT_ALREADY_REGISTERED');
});

test('an invalid modification gets the same field errors as a declaration and does not use up the day', async () => {
  const { subjectId, holderToken } = await declared(gw, exampleDeclaration());
  const bad = await modify(gw, subjectId, exampleDeclaration({ attestTruthful: false }), holderToken);
  expect(bad.status).toBe(400);
  expect(errorCode(bad.body)).toBe('ERR_ATTESTATION_REQUIRED');
  await modify(gw, subjectId, exampleDeclaration(), holderToken).expect(200);
});

test('a modification of an unknown subject by a valid holder gets 404 or 403, never a change', async () => {
  const { holderToken } = await declared(gw, exampleDeclaration());
  const res = await modify(gw, 'sub_doesnotexist0000000000', exampleDeclaration(), holderToken);
  expect([403, 404]).toContain(res.status);
});
