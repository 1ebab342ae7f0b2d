import request from 'supertest';
import { createTestGateway, DAY_MS, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { declare, declared, getCode, modify, verify, type Body } from './issuer-helpers.js';

/**
 * What 修改信息 and 代人申请 start from (issue 21, item 3): GET /v1/subjects/{id}/declaration, and
 * PUT with the health facts only, which neither the holder nor a proxy has to retype identity for.
 */
let gw: TestGateway;
beforeEach(async () => {
  gw = await createTestGateway();
});
afterEach(async () => {
  await gw.close();
});

function view(subjectId: string, token?: string): request.Test {
  const req = request(gw.app).get(`/v1/subjects/${encodeURIComponent(subjectId)}/declaration`);
  if (token !== undefined) req.set('authorization', `Bearer ${token}`);
  return req;
}

const FACTS = { residence: 'arriving', travel14d: ['110101', 'overseas'], symptoms: [], contactWithCase: false, attestTruthful: true };

test('the holder reads the current declaration: health facts in full, identity masked, today\'s change available', async () => {
  const person = personDeclaration(1, { travel14d: ['130100'], symptoms: ['cough'] });
  const { subjectId, holderToken } = await declared(gw, person);
  const res = await view(subjectId, holderToken);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    subjectId,
    name: '测**号',
    documentType: 'resident_id',
    documentMasked: expect.stringMatching(/\*/),
    residence: 'permanent',
    travel14d: ['130100'],
    symptoms: ['cough'],
    contactWithCase: false,
    declaredAt: new Date(gw.clock.ms).toISOString(),
    modifiableToday: true,
    checkedInToday: false,
    viaProxy: false,
    // Yellow (declared symptoms): declaring for others would be refused.
    declareForOthers: { allowed: false, refusal: 'ERR_PROXY_NOT_GREEN' },
  });
  const applicant = person['applicant'] as { name: string; phone: string; document: { number: string } };
  for (const secret of [applicant.name, applicant.phone, applicant.document.number]) expect(res.text).not.toContain(secret);
});

test('a facts-only modification keeps the identity and the code\'s binding, and uses up the day like a full one', async () => {
  const { subjectId, holderToken, jws } = await declared(gw, personDeclaration(2));
  const res = await modify(gw, subjectId, FACTS, holderToken);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ color: 'yellow', reasons: ['travel_overseas'] });
  // Same identity: the earlier code is superseded by the colour change, not revoked.
  expect(((await verify(gw, jws))['error'] as Body)['code']).toBe('ERR_CREDENTIAL_SUPERSEDED');
  expect((await view(subjectId, holderToken)).body).toMatchObject({ name: '测**号', residence: 'arriving', travel14d: ['110101', 'overseas'], modifiableToday: false });
  const again = await modify(gw, subjectId, { ...FACTS, travel14d: [] }, holderToken);
  expect([again.status, again.body.error.code]).toEqual([429, 'ERR_MODIFICATION_LIMIT']);
  gw.clock.advance(DAY_MS);
  expect((await view(subjectId, holderToken)).body.modifiableToday).toBe(true);
});

test('a proxy reads the person\'s declaration as a proxy and changes the health facts without knowing the identity', async () => {
  const holder = await declared(gw, personDeclaration(3));
  const person = await declare(gw, personDeclaration(4), holder.holderToken).expect(201);
  const personId = person.body.subjectId as string;
  expect((await view(personId, holder.holderToken)).body).toMatchObject({ subjectId: personId, viaProxy: true, declareForOthers: { allowed: true } });
  const res = await modify(gw, personId, { ...FACTS, symptoms: ['fever'] }, holder.holderToken);
  expect(res.body).toMatchObject({ color: 'yellow' });
  expect((await getCode(gw, personId, holder.holderToken)).body.color).toBe('yellow');
});

test('a holder who already declares for 3 people is told before the form', async () => {
  const holder = await declared(gw, personDeclaration(5));
  for (const n of [6, 7, 8]) await declare(gw, personDeclaration(n), holder.holderToken).expect(201);
  expect((await view(holder.subjectId, holder.holderToken)).body.declareForOthers).toEqual({ allowed: false, refusal: 'ERR_PROXY_HOLDER_LIMIT' });
});

test('a facts-only body that is not attested or names an unknown field is refused and changes nothing', async () => {
  const { subjectId, holderToken } = await declared(gw, personDeclaration(9));
  const unattested = await modify(gw, subjectId, { ...FACTS, attestTruthful: false }, holderToken);
  expect([unattested.status, unattested.body.error.code]).toEqual([400, 'ERR_ATTESTATION_REQUIRED']);
  const extra = await modify(gw, subjectId, { ...FACTS, name: '张三' }, holderToken);
  expect([extra.status, extra.body.error.code]).toEqual([400, 'ERR_VALIDATION']);
  expect((await view(subjectId, holderToken)).body).toMatchObject({ modifiableToday: true, residence: 'permanent' });
  const stranger = await declared(gw, personDeclaration(10));
  expect((await view(subjectId, stranger.holderToken)).body.error.code).toBe('ERR_FORBIDDEN');
});
