import { connect, type AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestGateway, personDeclaration, RISK_FEED_TOKEN, type TestGateway } from '../helpers/test-gateway.js';
import { registerDevice } from '../helpers/devices.js';
import { declared } from '../issuer/issuer-helpers.js';
import { dateTimeMs } from '../../gateway/schemas/date-time.js';

/**
 * One named test per bug the fuzzer (tests/fuzz/endpoints.test.ts) or the contract recorder
 * found, so each stays fixed whatever seed the fuzzer runs with.
 */
describe('bugs found by fuzzing, kept fixed', () => {
  let gw: TestGateway;
  let port: number;
  let holder: { subjectId: string; holderToken: string };
  let device: string;
  const person = personDeclaration(6001);
  beforeAll(async () => {
    // Port 0: the OS picks a free port at bind time, so no other test process can take it first.
    gw = await createTestGateway({ overrides: { port: 0, host: '127.0.0.1' } });
    port = ((await gw.listen()).address() as AddressInfo).port;
    holder = await declared(gw, person);
    device = await registerDevice(gw);
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
    ['POST', '/v1/verify', {}],
    ['POST', '/v1/checkpoint/scans', { authorization: 'Bearer DEVICE' }],
    ['POST', '/v1/risk-events', { authorization: `Bearer ${RISK_FEED_TOKEN}` }],
    ['PUT', '/v1/subjects/SUBJECT/declaration', { authorization: 'Bearer HOLDER' }],
  ] as const)('%s %s answers a text/plain body with 415 ERR_UNSUPPORTED_MEDIA_TYPE and an oversized one with 413 ERR_BODY_TOO_LARGE', async (method, template, headers) => {
    const path = template.replace('SUBJECT', holder.subjectId);
    const auth = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('HOLDER', holder.holderToken).replace('DEVICE', device)]));
    const verb = method === 'POST' ? 'post' : 'put';
    const text = await request(gw.app)[verb](path).set(auth).set('content-type', 'text/plain').send('{}');
    expect({ status: text.status, code: text.body.error?.code }).toEqual({ status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' });
    const huge = await request(gw.app)[verb](path).set(auth).set('content-type', 'application/json').send(JSON.stringify({ code: 'x'.repeat(gw.config.bodyLimitBytes) }));
    expect({ status: huge.status, code: huge.body.error?.code }).toEqual({ status: 413, code: 'ERR_BODY_TOO_LARGE' });
  });

  // Was 500 ERR_INTERNAL: ajv's date-time allows the leap second of RFC 3339 §5.6, Date.parse does
  // not, and NaN reached the store.
  test('a risk event at a leap second (2026-12-31T23:59:60Z) is applied, not answered with a 500', async () => {
    const document = (person['applicant'] as { document: unknown }).document;
    const event = { id: 'leap-second-1', type: 'close_contact', document, occurredAt: '2026-12-31T23:59:60Z' };
    const res = await request(gw.app).post('/v1/risk-events').set('authorization', `Bearer ${RISK_FEED_TOKEN}`).send({ events: [event] });
    expect({ status: res.status, accepted: res.body.accepted }).toEqual({ status: 200, accepted: 1 });
  });

  test('a leap second is read as the second after :59, with a fraction or an offset too', () => {
    expect(dateTimeMs('2026-12-31T23:59:60Z')).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(dateTimeMs('2026-12-31T23:59:60.5Z')).toBe(Date.parse('2027-01-01T00:00:00.5Z'));
    expect(dateTimeMs('2027-01-01T07:59:60+08:00')).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(dateTimeMs('2026-11-27T08:00:00Z')).toBe(Date.parse('2026-11-27T08:00:00Z'));
    expect(dateTimeMs('yesterday')).toBeNaN();
  });

  /** Raw bytes to the gateway's socket, and the whole answer back (Node's parser refuses before express). */
  function raw(bytes: string): Promise<{ status: number; code: unknown }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', reject);
      socket.on('close', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
        let code: unknown;
        try {
          code = (JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: { code: unknown } }).error.code;
        } catch {
          code = undefined;
        }
        resolve({ status, code });
      });
    });
  }

  // Was a bare 431 from Node without a body or code.
  test('a request whose line and headers pass 16 KiB answers 431 ERR_HEADERS_TOO_LARGE', async () => {
    const answer = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer).toEqual({ status: 431, code: 'ERR_HEADERS_TOO_LARGE' });
  });

  test('a request that is not HTTP answers 400 ERR_MALFORMED_REQUEST', async () => {
    expect(await raw('HELLO\r\n\r\n')).toEqual({ status: 400, code: 'ERR_MALFORMED_REQUEST' });
    expect(await raw('GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n')).toEqual({ status: 400, code: 'ERR_MALFORMED_REQUEST' });
  });

  // The recorder counted HEAD requests to POST-only routes as routed (express leaves req.route set).
  test('HEAD on a route that only has POST answers 404 ERR_NOT_FOUND, and its request is logged and counted as unmatched', async () => {
    const res = await request(gw.app).head('/v1/declarations');
    expect(res.status).toBe(404);
    const metrics = (await request(gw.app).get('/metrics')).text;
    expect(metrics).toMatch(/gateway_http_request_duration_seconds_count\{method="HEAD",route="unmatched",status_class="4xx"\} 1/);
    expect(metrics).not.toContain('method="HEAD",route="/v1/declarations"');
  });
});
