import request from 'supertest';
import { createTestGateway, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { declare, declared, personEvent, postEvents } from './issuer-helpers.js';

/**
 * GET /v1/subjects/{id}/color (issue 21, item 2): what an open code screen polls to learn that the
 * colour changed, with If-None-Match, signing and recording no code.
 */
let gw: TestGateway;
beforeEach(async () => {
  gw = await createTestGateway();
});
afterEach(async () => {
  await gw.close();
});

function color(subjectId: string, token?: string, etag?: string): request.Test {
  const req = request(gw.app).get(`/v1/subjects/${encodeURIComponent(subjectId)}/color`);
  if (token !== undefined) req.set('authorization', `Bearer ${token}`);
  if (etag !== undefined) req.set('if-none-match', etag);
  return req;
}

test('an unchanged colour answers 304 to its ETag; a close-contact event changes the answer and its ETag', async () => {
  const person = personDeclaration(1);
  const { subjectId, holderToken } = await declared(gw, person);
  const first = await color(subjectId, holderToken);
  expect(first.status).toBe(200);
  expect(first.body).toEqual({ subjectId, color: 'green', reasons: [], declaredAt: new Date(gw.clock.ms).toISOString() });
  const etag = first.headers['etag'] as string;
  expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
  const same = await color(subjectId, holderToken, etag);
  expect(same.status).toBe(304);
  expect(same.text).toBe('');

  await postEvents(gw, [personEvent(gw, 'close_contact', person)]).expect(200);
  const changed = await color(subjectId, holderToken, etag);
  expect(changed.status).toBe(200);
  expect(changed.body).toMatchObject({ color: 'red', reasons: ['close_contact'] });
  expect(changed.headers['etag']).not.toBe(etag);
});

test('polling signs and records no code: the status list does not grow', async () => {
  const { subjectId, holderToken } = await declared(gw, personDeclaration(2));
  const before = await gw.deps.store.listInvalidatedCredentials(gw.clock.ms);
  for (let i = 0; i < 5; i++) await color(subjectId, holderToken).expect(200);
  expect(await gw.deps.store.listInvalidatedCredentials(gw.clock.ms)).toEqual(before);
});

test('a proxy may poll the person it acts for; a stranger gets 403 and no token 401', async () => {
  const holder = await declared(gw, personDeclaration(3));
  const person = await declare(gw, personDeclaration(4), holder.holderToken).expect(201);
  await color(person.body.subjectId as string, holder.holderToken).expect(200);
  const stranger = await declared(gw, personDeclaration(5));
  expect((await color(person.body.subjectId as string, stranger.holderToken)).body.error.code).toBe('ERR_FORBIDDEN');
  expect((await color(person.body.subjectId as string)).status).toBe(401);
});
