import request from 'supertest';
import { createTestGateway, personDeclaration, RISK_FEED_TOKEN, type TestGateway } from '../helpers/test-gateway.js';
import { declared } from '../issuer/issuer-helpers.js';

/**
 * One named test per bug the fuzzer (tests/fuzz/endpoints.test.ts) or the contract recorder
 * found, so each stays fixed whatever seed the fuzzer runs with.
 */
describe('bugs found by fuzzing, kept fixed', () => {
  let gw: TestGateway;
  let holder: { subjectId: string; holderToken: string };
  beforeAll(async () => {
    gw = await createTestGateway();
    holder = await declared(gw, personDeclaration(6001));
  });
  afterAll(async () => {
    await gw.close();
  });

  // Was 500 ERR_INTERNAL: express's router throws a URIError while decoding the parameter.
  test.each([
    ['GET', '/v1/subjects/%ZZ/code'],
    ['GET', '/v1/subjects/%/code'],
    ['GET', '/v1/subjects/%E4%B8/code'],
    ['PUT', '/v1/subjects/%ZZ/declaration'],
  ])('%s %s with an undecodable percent-escape answers 404 ERR_NOT_FOUND, not a 500', async (method, path) => {
    const res = await request(gw.app)[method === 'GET' ? 'get' : 'put'](path).set('authorization', `Bearer ${holder.holderToken}`);
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 404, code: 'ERR_NOT_FOUND' });
  });

  // Were undocumented in openapi.yaml: the JSON body parser answers 415 and 413 on every route that has one.
  test.each([
    ['post', '/v1/verify', {}],
    ['post', '/v1/checkpoint/scans', {}],
    ['post', '/v1/risk-events', { authorization: `Bearer ${RISK_FEED_TOKEN}` }],
    ['put', '/v1/subjects/SUBJECT/declaration', { authorization: 'Bearer HOLDER' }],
  ] as const)('%s %s answers a text/plain body with 415 ERR_UNSUPPORTED_MEDIA_TYPE and an oversized one with 413 ERR_BODY_TOO_LARGE', async (method, template, headers) => {
    const path = template.replace('SUBJECT', holder.subjectId);
    const auth = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('HOLDER', holder.holderToken)]));
    const text = await request(gw.app)[method](path).set(auth).set('content-type', 'text/plain').send('{}');
    expect({ status: text.status, code: text.body.error?.code }).toEqual({ status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' });
    const huge = await request(gw.app)[method](path).set(auth).set('content-type', 'application/json').send(JSON.stringify({ code: 'x'.repeat(gw.config.bodyLimitBytes) }));
    expect({ status: huge.status, code: huge.body.error?.code }).toEqual({ status: 413, code: 'ERR_BODY_TOO_LARGE' });
  });

  // The recorder counted HEAD requests to POST-only routes as routed (express leaves req.route set).
  test('HEAD on a route that only has POST answers 404 ERR_NOT_FOUND', async () => {
    const res = await request(gw.app).head('/v1/declarations');
    expect(res.status).toBe(404);
  });
});
