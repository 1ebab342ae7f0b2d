import request from 'supertest';
import { createTestGateway, exampleDeclaration, RISK_FEED_TOKEN, type TestGateway } from '../helpers/test-gateway.js';
import { binaryParser, declare, declared, factsOf, getCode, modify, payloadOf, type Body } from './issuer-helpers.js';

let gw: TestGateway;
let subject: { subjectId: string; holderToken: string; jws: string };
beforeAll(async () => {
  gw = await createTestGateway();
  subject = await declared(gw, exampleDeclaration());
});
afterAll(async () => {
  await gw.close();
});

describe('GET /v1/subjects/:id/code', () => {
  test('returns a fresh code with the current colour once half of the previous one\'s life has passed, never cached', async () => {
    gw.clock.advance(451_000);
    const res = await getCode(gw, subject.subjectId, subject.holderToken);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ subjectId: subject.subjectId, color: 'green', reasons: [] });
    const payload = payloadOf(res.body.credential.jws);
    expect(payload['jti']).not.toBe(payloadOf(subject.jws)['jti']);
    expect(payload['iat']).toBe(Math.floor(gw.clock.ms / 1000));
    expect(factsOf(res.body.credential.jws)).toMatchObject({ layout: 3, color: 'green' });
  });

  test('returns the code as an SVG QR image with ?format=svg', async () => {
    const res = await getCode(gw, subject.subjectId, subject.holderToken, 'svg').buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const text = (res.body as Buffer).toString('utf8').trimStart();
    expect(text.startsWith('<svg') || text.startsWith('<?xml')).toBe(true);
    expect(res.headers['x-health-code-color']).toBe('green');
  });

  test('returns the code as a PNG QR image with ?format=png', async () => {
    const res = await getCode(gw, subject.subjectId, subject.holderToken, 'png').buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/png/);
    expect((res.body as Buffer).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });

  test('returns the PNG image when the client asks for it with Accept: image/png', async () => {
    const res = await getCode(gw, subject.subjectId, subject.holderToken).set('accept', 'image/png').buffer(true).parse(binaryParser);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/png/);
  });

  test('refuses ?format=gif with 400 naming the field', async () => {
    const res = await getCode(gw, subject.subjectId, subject.holderToken, 'gif');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ERR_VALIDATION');
    expect(res.body.error.field).toBe('format');
  });

  test('refuses a request without a token with 401 ERR_UNAUTHENTICATED', async () => {
    const res = await getCode(gw, subject.subjectId);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('ERR_UNAUTHENTICATED');
  });

  test('refuses a request without a token before drawing any image', async () => {
    const res = await getCode(gw, subject.subjectId, undefined, 'png');
    expect(res.status).toBe(401);
  });
});

describe('the colour is never set by hand', () => {
  test('POST /v1/declarations with a color field gets 400', async () => {
    const res = await declare(gw, { ...exampleDeclaration(), color: 'green' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ERR_VALIDATION');
    expect(res.body.error.field).toBe('color');
  });

  test('PUT of a declaration with a color field gets 400 and changes nothing', async () => {
    const yellow = await declared(gw, { ...exampleDeclaration(), applicant: { ...(exampleDeclaration()['applicant'] as Body), document: { type: 'passport', number: 'E55555555' } }, symptoms: ['fever'] });
    const res = await modify(gw, yellow.subjectId, { ...exampleDeclaration({ symptoms: ['fever'] }), color: 'green' }, yellow.holderToken);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ERR_VALIDATION');
    expect((await getCode(gw, yellow.subjectId, yellow.holderToken)).body.color).toBe('yellow');
  });

  test.each([
    ['PATCH', '/v1/subjects/SUBJECT/color'],
    ['POST', '/v1/subjects/SUBJECT/color'],
    ['PUT', '/v1/subjects/SUBJECT/color'],
    ['PATCH', '/v1/subjects/SUBJECT'],
    ['POST', '/v1/admin/subjects/SUBJECT/color'],
    ['PUT', '/v1/subjects/SUBJECT/code'],
    ['POST', '/v1/subjects/SUBJECT/code'],
  ])('there is no route to set a colour: %s %s is 404 or 405', async (method, path) => {
    const url = path.replace('SUBJECT', subject.subjectId);
    const res = await request(gw.app)
      [method.toLowerCase() as 'patch' | 'post' | 'put'](url)
      .set('authorization', `Bearer ${subject.holderToken}`)
      .send({ color: 'green' });
    expect([404, 405]).toContain(res.status);
    expect(['ERR_NOT_FOUND', 'ERR_METHOD_NOT_ALLOWED']).toContain(res.body.error.code);
  });

  test('a risk event carrying a colour is refused: the feed reports facts, never colours', async () => {
    const res = await request(gw.app)
      .post('/v1/risk-events')
      .set('authorization', `Bearer ${RISK_FEED_TOKEN}`)
      .send({ events: [{ id: 'c1', type: 'clearance', document: { type: 'resident_id', number: '130181199003071239' }, occurredAt: new Date(gw.clock.ms).toISOString(), color: 'green' }] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ERR_VALIDATION');
  });
});
