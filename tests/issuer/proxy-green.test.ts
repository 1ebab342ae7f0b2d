import { createTestGateway, DAY_MS, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { declared, getCode, modify } from './issuer-helpers.js';

/**
 * Issue 19, item 4: only a green holder may declare for others (代人申请), and a proxy whose own
 * code is no longer green loses the right to act for the person — fetch its code, modify its
 * declaration — until its own code is green again. The person itself is not affected.
 */
describe('a proxy that is no longer green', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await createTestGateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  test('may neither fetch nor modify for the person until its own code is green again', async () => {
    const proxyBody = personDeclaration(31);
    const proxy = await declared(gw, proxyBody);
    const person = await declared(gw, personDeclaration(32), proxy.holderToken);
    expect((await getCode(gw, person.subjectId, proxy.holderToken)).status).toBe(200);

    // The proxy declares a fever the next day: its own code turns yellow.
    gw.clock.advance(DAY_MS);
    expect((await modify(gw, proxy.subjectId, { ...proxyBody, symptoms: ['fever'] }, proxy.holderToken)).body.color).toBe('yellow');
    const fetched = await getCode(gw, person.subjectId, proxy.holderToken);
    expect({ status: fetched.status, code: fetched.body.error?.code }).toEqual({ status: 403, code: 'ERR_PROXY_NOT_GREEN' });
    const modified = await modify(gw, person.subjectId, { ...personDeclaration(32), travel14d: [] }, proxy.holderToken);
    expect({ status: modified.status, code: modified.body.error?.code }).toEqual({ status: 403, code: 'ERR_PROXY_NOT_GREEN' });
    // (The person itself holds no token until it recovers its record, issue 17: nothing to check here for it.)
    expect(person.holderToken).toBeUndefined();

    // Well again the day after: the proxy acts again.
    gw.clock.advance(DAY_MS);
    expect((await modify(gw, proxy.subjectId, { ...proxyBody, symptoms: [] }, proxy.holderToken)).body.color).toBe('green');
    expect((await getCode(gw, person.subjectId, proxy.holderToken)).status).toBe(200);
  });
});
