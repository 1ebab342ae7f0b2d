import { createTestGateway, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { maskName } from '../../gateway/identity/documents.js';
import { approve, asOwner, declare, declared, factsOf, getCode, modify, payloadOf, type Body } from './issuer-helpers.js';
import { recovered } from './recovery-helpers.js';

/**
 * Issue 9, item 1: 代人申请 only with the person's consent. A holder naming a person who already
 * has a code only asks (202); the person approves or declines with its own holder token, sees and
 * removes its proxies; a proxy acts on health facts only, never on who the person is.
 */

const HOUR_MS = 3_600_000;

let gw: TestGateway;
beforeEach(async () => {
  gw = await createTestGateway();
});
afterEach(async () => {
  await gw.close();
});

type Holder = { subjectId: string; holderToken: string };

const requests = (subject: Holder, token = subject.holderToken) => asOwner(gw, 'get', `/v1/subjects/${subject.subjectId}/proxy-requests`, token);
const proxies = (subject: Holder, token = subject.holderToken) => asOwner(gw, 'get', `/v1/subjects/${subject.subjectId}/proxies`, token);
const decline = (subject: Holder, requestId: string, token = subject.holderToken) =>
  asOwner(gw, 'post', `/v1/subjects/${subject.subjectId}/proxy-requests/${requestId}/decline`, token);
const remove = (subject: Holder, proxyId: string, token = subject.holderToken) => asOwner(gw, 'delete', `/v1/subjects/${subject.subjectId}/proxies/${proxyId}`, token);

/** A person who declared for themself, and a green stranger who knows their name, phone and document. */
async function victimAndStranger(): Promise<{ victim: Holder; stranger: Holder; victimBody: Body }> {
  const victimBody = personDeclaration(20);
  const victim = await declared(gw, victimBody);
  const stranger = await declared(gw, personDeclaration(21));
  return { victim, stranger, victimBody };
}

describe('a holder naming a person who already has a code', () => {
  test('a stranger who knows the name, phone and document gets only a pending request: 202, no colour, code or subject id, and no access', async () => {
    const { victim, stranger, victimBody } = await victimAndStranger();
    const res = await declare(gw, victimBody, stranger.holderToken);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ requestId: expect.stringMatching(/^prq_/), status: 'pending' });
    for (const denied of [
      await getCode(gw, victim.subjectId, stranger.holderToken),
      await modify(gw, victim.subjectId, personDeclaration(20, { symptoms: ['fever'] }), stranger.holderToken),
    ]) {
      expect(denied.status).toBe(403);
      expect(denied.body.error.code).toBe('ERR_FORBIDDEN');
    }
    // The victim is still green: nobody changed its declaration.
    expect((await getCode(gw, victim.subjectId, victim.holderToken)).body.color).toBe('green');
  });

  test('asking twice renews the same request instead of adding another', async () => {
    const { victim, stranger, victimBody } = await victimAndStranger();
    const first = await declare(gw, victimBody, stranger.holderToken);
    gw.clock.advance(HOUR_MS);
    const second = await declare(gw, victimBody, stranger.holderToken);
    expect(second.body.requestId).toBe(first.body.requestId);
    // Renewed: the one request now runs 72 hours from the second ask, not the first.
    expect((await requests(victim)).body.requests).toEqual([
      expect.objectContaining({ requestId: first.body.requestId, requestedAt: new Date(gw.clock.ms).toISOString(), expiresAt: new Date(gw.clock.ms + 72 * HOUR_MS).toISOString() }),
    ]);
  });
});

describe('the person decides', () => {
  test('the person lists pending requests with the requester masked name only, and approving makes the requester a proxy', async () => {
    const { victim, stranger, victimBody } = await victimAndStranger();
    const asked = await declare(gw, victimBody, stranger.holderToken);
    const listed = await requests(victim);
    expect(listed.status).toBe(200);
    expect(listed.body.requests).toEqual([
      { requestId: asked.body.requestId, requesterName: maskName('测试21号'), requestedAt: expect.any(String), expiresAt: new Date(gw.clock.ms + 72 * HOUR_MS).toISOString() },
    ]);
    const approved = await approve(gw, victim.subjectId, asked.body.requestId, victim.holderToken);
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({ proxyId: stranger.subjectId, name: maskName('测试21号'), since: new Date(gw.clock.ms).toISOString() });
    expect((await getCode(gw, victim.subjectId, stranger.holderToken)).status).toBe(200);
    expect((await requests(victim)).body.requests).toEqual([]);
    expect((await proxies(victim)).body.proxies).toEqual([approved.body]);
  });

  test('declining deletes the request and the requester stays refused', async () => {
    const { victim, stranger, victimBody } = await victimAndStranger();
    const asked = await declare(gw, victimBody, stranger.holderToken);
    expect((await decline(victim, asked.body.requestId)).status).toBe(204);
    expect((await requests(victim)).body.requests).toEqual([]);
    const late = await approve(gw, victim.subjectId, asked.body.requestId, victim.holderToken);
    expect(late.status).toBe(404);
    expect(late.body.error.code).toBe('ERR_PROXY_REQUEST_NOT_FOUND');
    expect((await getCode(gw, victim.subjectId, stranger.holderToken)).status).toBe(403);
  });

  test('a pending request lapses after 72 hours: it is no longer listed and cannot be approved', async () => {
    const { victim, stranger, victimBody } = await victimAndStranger();
    const asked = await declare(gw, victimBody, stranger.holderToken);
    gw.clock.advance(72 * HOUR_MS - 1);
    expect((await requests(victim)).body.requests).toHaveLength(1);
    gw.clock.advance(1);
    expect((await requests(victim)).body.requests).toEqual([]);
    const res = await approve(gw, victim.subjectId, asked.body.requestId, victim.holderToken);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ERR_PROXY_REQUEST_NOT_FOUND');
  });

  test('pending requests count toward no limit: a holder with 5 pending requests still declares for 3 new people', async () => {
    const holder = await declared(gw, personDeclaration(1));
    for (const n of [30, 31, 32, 33, 34]) {
      await declared(gw, personDeclaration(n));
      expect((await declare(gw, personDeclaration(n), holder.holderToken)).status).toBe(202);
    }
    for (const n of [40, 41, 42]) expect((await declare(gw, personDeclaration(n), holder.holderToken)).status).toBe(201);
  });

  test('an approval beyond the limit gets 409 and the request stays pending until a proxy is removed', async () => {
    const person = personDeclaration(50);
    const own = await declared(gw, person);
    const holders: Holder[] = [];
    for (const n of [51, 52, 53, 54]) holders.push(await declared(gw, personDeclaration(n)));
    const asked = [];
    for (const h of holders) asked.push((await declare(gw, person, h.holderToken)).body.requestId as string);
    for (const id of asked.slice(0, 3)) expect((await approve(gw, own.subjectId, id, own.holderToken)).status).toBe(200);
    const fourth = await approve(gw, own.subjectId, asked[3]!, own.holderToken);
    expect(fourth.status).toBe(409);
    expect(fourth.body.error.code).toBe('ERR_PROXY_SUBJECT_LIMIT');
    expect((await requests(own)).body.requests).toHaveLength(1);
    expect((await remove(own, holders[0]!.subjectId)).status).toBe(204);
    expect((await approve(gw, own.subjectId, asked[3]!, own.holderToken)).status).toBe(200);
  });

  test('a requester whose code is no longer green cannot be approved: 403 ERR_PROXY_NOT_GREEN', async () => {
    const { victim, stranger, victimBody } = await victimAndStranger();
    const asked = await declare(gw, victimBody, stranger.holderToken);
    expect((await modify(gw, stranger.subjectId, personDeclaration(21, { symptoms: ['fever'] }), stranger.holderToken)).status).toBe(200);
    const res = await approve(gw, victim.subjectId, asked.body.requestId, victim.holderToken);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ERR_PROXY_NOT_GREEN');
    expect((await proxies(victim)).body.proxies).toEqual([]);
  });

  test('only the person own token decides: a proxy or a stranger gets 403, no token 401, unknown ids 404', async () => {
    const holder = await declared(gw, personDeclaration(1));
    const child = { ...(await declared(gw, personDeclaration(2), holder.holderToken)), ...(await recovered(gw, personDeclaration(2))) };
    const other = await declared(gw, personDeclaration(3));
    const asked = await declare(gw, personDeclaration(2), other.holderToken);
    for (const res of [
      await requests(child, holder.holderToken),
      await proxies(child, holder.holderToken),
      await approve(gw, child.subjectId, asked.body.requestId, holder.holderToken),
      await decline(child, asked.body.requestId, other.holderToken),
      await remove(child, holder.subjectId, other.holderToken),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('ERR_FORBIDDEN');
    }
    expect((await requests(child, '')).status).toBe(401);
    expect((await approve(gw, child.subjectId, 'prq_nope', child.holderToken)).body.error.code).toBe('ERR_PROXY_REQUEST_NOT_FOUND');
    expect((await decline(child, 'x'.repeat(60))).body.error.code).toBe('ERR_PROXY_REQUEST_NOT_FOUND');
    expect((await remove(child, other.subjectId)).body.error.code).toBe('ERR_PROXY_NOT_FOUND');
    expect((await remove(child, 'sub_x')).body.error.code).toBe('ERR_PROXY_NOT_FOUND');
    expect((await requests({ subjectId: 'sub_AAAAAAAAAAAAAAAAAAAAAA', holderToken: child.holderToken })).body.error.code).toBe('ERR_SUBJECT_NOT_FOUND');
  });
});

describe('proxies of a person', () => {
  test('the person removes a proxy and the removed proxy gets 403 from its next request on', async () => {
    const holder = await declared(gw, personDeclaration(1));
    await declared(gw, personDeclaration(2), holder.holderToken);
    const child = await recovered(gw, personDeclaration(2));
    expect((await proxies(child)).body.proxies).toEqual([{ proxyId: holder.subjectId, name: maskName('测试1号'), since: expect.any(String) }]);
    expect((await getCode(gw, child.subjectId, holder.holderToken)).status).toBe(200);
    expect((await remove(child, holder.subjectId)).status).toBe(204);
    const res = await getCode(gw, child.subjectId, holder.holderToken);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ERR_FORBIDDEN');
    expect((await modify(gw, child.subjectId, personDeclaration(2), holder.holderToken)).status).toBe(403);
    expect((await proxies(child)).body.proxies).toEqual([]);
    expect((await remove(child, holder.subjectId)).status).toBe(404);
  });

  test('a proxy may update the health facts once a day but never the name, phone or document: 403 ERR_PROXY_IDENTITY_CHANGE', async () => {
    const { victim, stranger, victimBody } = await victimAndStranger();
    const asked = await declare(gw, victimBody, stranger.holderToken);
    expect((await approve(gw, victim.subjectId, asked.body.requestId, victim.holderToken)).status).toBe(200);
    const applicant = victimBody['applicant'] as Body;
    const changes: Body[] = [
      { ...applicant, name: '冒名顶替' },
      { ...applicant, phone: '13700000001' },
      { ...applicant, document: (personDeclaration(99)['applicant'] as Body)['document'] },
    ];
    for (const changed of changes) {
      const res = await modify(gw, victim.subjectId, { ...victimBody, applicant: changed }, stranger.holderToken);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('ERR_PROXY_IDENTITY_CHANGE');
    }
    const health = await modify(gw, victim.subjectId, { ...victimBody, symptoms: ['cough'] }, stranger.holderToken);
    expect(health.status).toBe(200);
    expect(health.body.color).toBe('yellow');
    const again = await modify(gw, victim.subjectId, victimBody, stranger.holderToken);
    expect(again.status).toBe(429);
    expect(again.body.error.code).toBe('ERR_MODIFICATION_LIMIT');
  });

  test('the person itself still changes its own name with its own token', async () => {
    const { victim, victimBody } = await victimAndStranger();
    const applicant = victimBody['applicant'] as Body;
    const res = await modify(gw, victim.subjectId, { ...victimBody, applicant: { ...applicant, name: '改名了' } }, victim.holderToken);
    expect(res.status).toBe(200);
    expect(factsOf(res.body.credential.jws).name).toBe(maskName('改名了'));
  });
});
