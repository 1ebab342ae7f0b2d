import request from 'supertest';
import { createTestGateway, DAY_MS, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { declare, declared, getCode, verify, type Body } from './issuer-helpers.js';

/**
 * 健康打卡 (issue 21, item 4): POST /v1/subjects/{id}/check-ins, by the holder or a proxy, once per
 * Asia/Shanghai day; a symptom or a fever turns the code yellow by the rules, a clean check-in
 * never turns it green by itself.
 */
let gw: TestGateway;
beforeEach(async () => {
  gw = await createTestGateway();
});
afterEach(async () => {
  await gw.close();
});

function checkIn(subjectId: string, body: unknown, token?: string): request.Test {
  const req = request(gw.app).post(`/v1/subjects/${encodeURIComponent(subjectId)}/check-ins`);
  if (token !== undefined) req.set('authorization', `Bearer ${token}`);
  return req.send(body as object);
}

const codeOf = (body: Body): string => (body['error'] as Body | undefined)?.['code'] as string;

test('a clean check-in is recorded for today (Asia/Shanghai) and the code stays green', async () => {
  const { subjectId, holderToken } = await declared(gw, personDeclaration(1));
  const res = await checkIn(subjectId, { temperatureC: 36.6, symptoms: [] }, holderToken);
  expect(res.status).toBe(201);
  // The test clock is 2026-11-27 08:00 in Shanghai.
  expect(res.body).toEqual({ subjectId, day: '2026-11-27', fever: false, color: 'green', reasons: [] });
  expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('green');
});

test('a fever at check-in turns the code yellow at once and the green code shown before is superseded', async () => {
  const { subjectId, holderToken, jws } = await declared(gw, personDeclaration(2));
  const res = await checkIn(subjectId, { temperatureC: 37.3, symptoms: [] }, holderToken);
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ fever: true, color: 'yellow', reasons: ['check_in_fever'] });
  expect((await getCode(gw, subjectId, holderToken)).body).toMatchObject({ color: 'yellow', reasons: ['check_in_fever'] });
  expect(((await verify(gw, jws))['error'] as Body)['code']).toBe('ERR_CREDENTIAL_SUPERSEDED');
  // Operators see what check-ins report (no person in the labels).
  const metrics = (await request(gw.app).get('/metrics')).text;
  expect(metrics).toMatch(/^gateway_check_ins_total\{reported="fever"\} 1$/m);
  expect(metrics).toMatch(/^gateway_check_ins_total\{reported="clean"\} 0$/m);
});

test('a symptom turns the code yellow, and the next day a clean check-in does not turn it green; 14 days later it is green again', async () => {
  const { subjectId, holderToken } = await declared(gw, personDeclaration(3));
  expect((await checkIn(subjectId, { temperatureC: 36.8, symptoms: ['cough'] }, holderToken)).body).toMatchObject({ color: 'yellow', reasons: ['check_in_symptoms'] });
  gw.clock.advance(DAY_MS);
  expect((await checkIn(subjectId, { temperatureC: 36.5, symptoms: [] }, holderToken)).body).toMatchObject({ color: 'yellow', reasons: ['check_in_symptoms'] });
  gw.clock.advance(13 * DAY_MS);
  expect((await getCode(gw, subjectId, holderToken)).body).toMatchObject({ color: 'green', reasons: [] });
});

test('the second check-in of the day is refused with 409 ERR_CHECK_IN_LIMIT and changes nothing; after midnight in Shanghai it is allowed', async () => {
  const { subjectId, holderToken } = await declared(gw, personDeclaration(4));
  await checkIn(subjectId, { temperatureC: 36.5, symptoms: [] }, holderToken).expect(201);
  // The page is told before the form (GET …/declaration).
  expect((await request(gw.app).get(`/v1/subjects/${subjectId}/declaration`).set('authorization', `Bearer ${holderToken}`)).body.checkedInToday).toBe(true);
  gw.clock.advance(60 * 60_000);
  const second = await checkIn(subjectId, { temperatureC: 38.5, symptoms: ['fever'] }, holderToken);
  expect([second.status, codeOf(second.body)]).toEqual([409, 'ERR_CHECK_IN_LIMIT']);
  expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('green');
  // 08:00 + 1 h + 15 h = 00:00 the next day in Asia/Shanghai.
  gw.clock.advance(15 * 60 * 60_000);
  expect((await checkIn(subjectId, { temperatureC: 36.5, symptoms: [] }, holderToken)).body).toMatchObject({ day: '2026-11-28' });
});

test('check-ins older than the rules read are deleted as new ones arrive', async () => {
  const { subjectId, holderToken } = await declared(gw, personDeclaration(9));
  await checkIn(subjectId, { temperatureC: 36.5, symptoms: ['cough'] }, holderToken).expect(201);
  gw.clock.advance(16 * DAY_MS);
  const other = await declared(gw, personDeclaration(10));
  await checkIn(other.subjectId, { temperatureC: 36.5, symptoms: [] }, other.holderToken).expect(201);
  expect(await gw.deps.store.checkIns(subjectId, 0)).toEqual([]);
  expect(await gw.deps.store.checkIns(other.subjectId, 0)).toHaveLength(1);
});

test('a proxy checks in for the person it declared for; a stranger and no token are refused', async () => {
  const holder = await declared(gw, personDeclaration(5));
  const person = await declare(gw, personDeclaration(6), holder.holderToken).expect(201);
  const personId = person.body.subjectId as string;
  expect((await checkIn(personId, { temperatureC: 37.8, symptoms: [] }, holder.holderToken)).body).toMatchObject({ subjectId: personId, color: 'yellow' });
  // The proxy's own code is untouched.
  expect((await getCode(gw, holder.subjectId, holder.holderToken)).body.color).toBe('green');
  const stranger = await declared(gw, personDeclaration(7));
  const refused = await checkIn(personId, { temperatureC: 36.5, symptoms: [] }, stranger.holderToken);
  expect([refused.status, codeOf(refused.body)]).toEqual([403, 'ERR_FORBIDDEN']);
  const anonymous = await checkIn(personId, { temperatureC: 36.5, symptoms: [] });
  expect([anonymous.status, codeOf(anonymous.body)]).toEqual([401, 'ERR_UNAUTHENTICATED']);
});

test('a temperature out of range or an unknown symptom is a 400 naming the field, and nothing is recorded', async () => {
  const { subjectId, holderToken } = await declared(gw, personDeclaration(8));
  const hot = await checkIn(subjectId, { temperatureC: 50, symptoms: [] }, holderToken);
  expect([hot.status, codeOf(hot.body), (hot.body.error as Body)['field']]).toEqual([400, 'ERR_VALIDATION', 'temperatureC']);
  const odd = await checkIn(subjectId, { temperatureC: 36.5, symptoms: ['sneezing'] }, holderToken);
  expect([odd.status, codeOf(odd.body)]).toEqual([400, 'ERR_VALIDATION']);
  await checkIn(subjectId, { temperatureC: 36.5, symptoms: [] }, holderToken).expect(201);
});
