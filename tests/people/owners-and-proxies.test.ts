import { createTestGateway, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { maskName } from '../../gateway/identity/documents.js';
import { approve, asOwner, declare, declared, getCode, modify } from '../issuer/issuer-helpers.js';
import { recovered } from '../issuer/recovery-helpers.js';

/**
 * Issue 17, item 3: a subject has one owner — the person, once it proves itself — and a proxy is
 * only a proxy: it acts with its own token on the health facts, never holds the person's token,
 * and once removed stays removed.
 */

let gw: TestGateway;
beforeEach(async () => {
  gw = await createTestGateway();
});
afterEach(async () => {
  await gw.close();
});

type Holder = { subjectId: string; holderToken: string };
const represented = (holder: Holder, token = holder.holderToken) => asOwner(gw, 'get', `/v1/subjects/${holder.subjectId}/represented`, token);
const proxyRequests = (subjectId: string, token: string) => asOwner(gw, 'get', `/v1/subjects/${subjectId}/proxy-requests`, token);
const removeProxy = (subjectId: string, proxyId: string, token: string) => asOwner(gw, 'delete', `/v1/subjects/${subjectId}/proxies/${proxyId}`, token);

test('a relative who declares for a new person gets a proxy link, not the person\'s token, and no say over who else may act', async () => {
  const relative = await declared(gw, personDeclaration(1));
  const res = await declare(gw, personDeclaration(2), relative.holderToken);
  expect(res.status).toBe(201);
  expect(res.body.holderToken).toBeUndefined();
  const person = res.body.subjectId as string;
  // As a proxy: the code and the health facts, with its own token.
  expect((await getCode(gw, person, relative.holderToken)).status).toBe(200);
  expect((await modify(gw, person, personDeclaration(2, { symptoms: ['cough'] }), relative.holderToken)).status).toBe(200);
  // Never as the owner: the person's requests and proxies are not the relative's to answer.
  expect((await proxyRequests(person, relative.holderToken)).status).toBe(403);
  expect((await removeProxy(person, relative.subjectId, relative.holderToken)).status).toBe(403);
});

test('the person proves itself with its phone, becomes the owner, removes the relative, and the removal is final', async () => {
  const relative = await declared(gw, personDeclaration(1));
  const person = await declared(gw, personDeclaration(2), relative.holderToken);
  const own = await recovered(gw, personDeclaration(2));
  expect(own.subjectId).toBe(person.subjectId);
  expect((await removeProxy(person.subjectId, relative.subjectId, own.holderToken)).status).toBe(204);
  // Nothing is left to the relative: no code, no modification, no owner route.
  for (const res of [
    await getCode(gw, person.subjectId, relative.holderToken),
    await modify(gw, person.subjectId, personDeclaration(2), relative.holderToken),
    await proxyRequests(person.subjectId, relative.holderToken),
  ]) {
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ERR_FORBIDDEN');
  }
  // Asking again is only a request, which the person alone answers.
  const again = await declare(gw, personDeclaration(2), relative.holderToken);
  expect(again.status).toBe(202);
  expect(Object.keys(again.body).sort()).toEqual(['requestId', 'status']);
  expect((await approve(gw, person.subjectId, again.body.requestId, relative.holderToken)).status).toBe(403);
  expect((await getCode(gw, person.subjectId, relative.holderToken)).status).toBe(403);
});

test('the proxy\'s own page lists the people it may act for and its pending requests, and nothing of anyone else', async () => {
  const relative = await declared(gw, personDeclaration(1));
  const child = await declared(gw, personDeclaration(2), relative.holderToken);
  const neighbour = await declared(gw, personDeclaration(3));
  const asked = await declare(gw, personDeclaration(3), relative.holderToken);
  expect(asked.status).toBe(202);
  const res = await represented(relative);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    people: [{ subjectId: child.subjectId, name: maskName('测试2号'), since: expect.any(String) }],
    requests: [{ requestId: asked.body.requestId, requestedAt: expect.any(String), expiresAt: expect.any(String) }],
  });
  // Another holder's view is its own: the neighbour may not read the relative's.
  expect((await represented(relative, neighbour.holderToken)).status).toBe(403);
  expect((await represented(neighbour)).body).toEqual({ people: [], requests: [] });
});
