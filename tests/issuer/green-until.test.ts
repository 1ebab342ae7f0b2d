import { createTestGateway, DAY_MS, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { declare, getCode, personEvent, postEvents } from './issuer-helpers.js';

/**
 * "When may it turn green" (issue 25, §4) in the API: a yellow or red answer says when each reason
 * ends by itself — the end of its 14-day window — or null when it ends only after review.
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(async () => gw.close());

describe('until in declaration and code answers', () => {
  it('is absent for a green code', async () => {
    const res = await declare(gw, personDeclaration(3001)).expect(201);
    expect(res.body).not.toHaveProperty('until');
  });

  it('gives declared symptoms their end, 14 days after the declaration, in the declaration and in a fresh code', async () => {
    const declaredAt = gw.clock.now();
    const res = await declare(gw, personDeclaration(3002, { symptoms: ['cough'] })).expect(201);
    const end = new Date(declaredAt + 14 * DAY_MS).toISOString();
    expect(res.body.until).toEqual([{ reason: 'declared_symptoms', until: end }]);
    gw.clock.advance(DAY_MS);
    const code = await getCode(gw, res.body.subjectId, res.body.holderToken).expect(200);
    expect(code.body.until).toEqual([{ reason: 'declared_symptoms', until: end }]);
  });

  it('says null, after review, for a confirmed case', async () => {
    const body = personDeclaration(3003);
    const res = await declare(gw, body).expect(201);
    await postEvents(gw, [personEvent(gw, 'confirmed_case', body)]).expect(200);
    const code = await getCode(gw, res.body.subjectId, res.body.holderToken).expect(200);
    expect(code.body).toMatchObject({ color: 'red', until: [{ reason: 'confirmed_case', until: null }] });
  });
});
