import request from 'supertest';
import { ADMIN_TOKEN, RISK_FEED_TOKEN, exampleDeclaration, residentId, type TestGateway } from '../helpers/test-gateway.js';
import { asDevice, registerDevice } from '../helpers/devices.js';
import { routeTemplates } from '../helpers/metric-labels.js';
import { PartnerCity } from '../recognition/partner-city.js';
import { BEIJING, HANGZHOU } from '../recognition/profiles.js';
import { gatewayWith, type Body } from '../recognition/setup.js';

/**
 * A broad workload for observability tests: every route the app serves, valid and invalid, with
 * distinctive personal data planted in bodies, headers, query strings, path parameters and bearer
 * tokens; partner codes (valid, unmapped colour, unknown kid), an unregistered issuer, bad codes;
 * colour transitions through the risk feed (green → red) and a modification (green → yellow). `secrets` collects everything
 * planted or handed out (tokens, codes, subject ids) that must never reach a log line or a metric.
 */

/** Distinctive values: none occurs in the gateway's own output by chance. */
export const PLANTED = {
  name: '甄蔺测试员',
  otherName: '甄蔺改名后',
  proxiedName: '甄蔺被代理',
  documentNumber: residentId('13018119770707246'),
  otherDocumentNumber: residentId('13018119660606135'),
  proxiedDocumentNumber: residentId('13018120010101357'),
  passport: 'E73914628',
  phone: '13987650123',
  proxiedPhone: '13987650456',
  bogusToken: 'hct_PlantedBogusToken7a3f9c0d1e2b',
  bogusAdminToken: 'admin-planted-bogus-token-5e6f7a8b9c',
} as const;

export interface Workload {
  gw: TestGateway;
  beijing: PartnerCity;
  stranger: PartnerCity;
  /** Everything that must never be logged or appear in /metrics. */
  secrets: string[];
  close(): Promise<void>;
}

const person = (name: string, number: string, phone: string, overrides: Body = {}): Body =>
  exampleDeclaration({ applicant: { name, document: { type: 'resident_id', number }, phone, residence: 'permanent' }, ...overrides });

/** Headers that carry planted values on every request (X-Request-Id must be replaced, not echoed). */
const hostileHeaders = (): Record<string, string> => ({
  'x-request-id': PLANTED.phone,
  'user-agent': `agent ${PLANTED.documentNumber}`,
  cookie: `doc=${PLANTED.documentNumber}; phone=${PLANTED.phone}`,
  referer: `https://example.org/?phone=${PLANTED.phone}`,
  'x-forwarded-for': '203.0.113.7',
  'x-document-number': PLANTED.documentNumber,
});

export async function startWorkloadGateway(options: Parameters<typeof gatewayWith>[1] = {}): Promise<Workload> {
  const beijing = await PartnerCity.start(BEIJING);
  // Not registered: its codes name an unknown issuer.
  const stranger = await PartnerCity.start(HANGZHOU);
  const gw = await gatewayWith([beijing.partner()], options);
  const secrets: string[] = [...Object.values(PLANTED), RISK_FEED_TOKEN, ADMIN_TOKEN];
  return {
    gw,
    beijing,
    stranger,
    secrets,
    async close() {
      await gw.close();
      await beijing.close();
      await stranger.close();
    },
  };
}

export async function runWorkload(w: Workload): Promise<void> {
  const { gw, beijing, stranger, secrets } = w;
  const app = gw.app;
  const h = hostileHeaders();
  const keep = (...values: string[]): void => void secrets.push(...values);

  // Declarations: a valid one, a duplicate, invalid ones.
  const declared = await request(app).post('/v1/declarations').set(h).send(person(PLANTED.name, PLANTED.documentNumber, PLANTED.phone));
  expect(declared.status).toBe(201);
  const subjectId = declared.body.subjectId as string;
  const holderToken = declared.body.holderToken as string;
  const firstCode = declared.body.credential.jws as string;
  keep(subjectId, holderToken, firstCode);
  const auth = { authorization: `Bearer ${holderToken}` };
  expect((await request(app).post('/v1/declarations').set(h).send(person(PLANTED.name, PLANTED.documentNumber, PLANTED.phone))).status).toBe(409);
  const badCheck = PLANTED.documentNumber.slice(0, 17) + (PLANTED.documentNumber.endsWith('0') ? '1' : '0');
  keep(badCheck);
  for (const body of [
    person(PLANTED.name, badCheck, PLANTED.phone),
    person(PLANTED.name, PLANTED.documentNumber, `+44${PLANTED.phone}`),
    person(PLANTED.name, PLANTED.documentNumber, PLANTED.phone, { attestTruthful: false }),
    { applicant: { name: PLANTED.name, document: { type: 'passport', number: PLANTED.passport }, phone: PLANTED.phone } },
  ]) {
    expect((await request(app).post('/v1/declarations').set(h).send(body)).status).toBe(400);
  }
  const notJson = `{"applicant":{"name":"${PLANTED.name}","number":"${PLANTED.documentNumber}"`;
  expect((await request(app).post('/v1/declarations').set(h).set('content-type', 'application/json').send(notJson)).status).toBe(400);
  expect((await request(app).post('/v1/declarations').set(h).set('content-type', 'text/plain').send(PLANTED.documentNumber)).status).toBe(415);
  const huge = JSON.stringify(person(PLANTED.name.repeat(20_000), PLANTED.documentNumber, PLANTED.phone));
  expect((await request(app).post('/v1/declarations').set(h).set('content-type', 'application/json').send(huge)).status).toBe(413);

  // A proxy declaration, and proxy attempts with bad tokens.
  const proxied = await request(app).post('/v1/declarations').set(h).set(auth).send(person(PLANTED.proxiedName, PLANTED.proxiedDocumentNumber, PLANTED.proxiedPhone));
  expect(proxied.status).toBe(201);
  keep(proxied.body.subjectId as string, proxied.body.credential.jws as string);
  expect(
    (await request(app).post('/v1/declarations').set(h).set('authorization', `Bearer ${PLANTED.bogusToken}`).send(person(PLANTED.name, PLANTED.otherDocumentNumber, PLANTED.phone))).status,
  ).toBe(401);

  // Fresh codes, as JSON and QR, with good, bad and no tokens; hostile path and query values.
  const code = `/v1/subjects/${subjectId}/code`;
  expect((await request(app).get(code).set(h).set(auth)).status).toBe(200);
  expect((await request(app).get(`${code}?format=svg`).set(h).set(auth)).status).toBe(200);
  expect((await request(app).get(`${code}?format=${PLANTED.documentNumber}`).set(h).set(auth)).status).toBe(400);
  expect((await request(app).get(code).set(h)).status).toBe(401);
  expect((await request(app).get(code).set(h).set('authorization', `Bearer ${PLANTED.bogusToken}`)).status).toBe(401);
  expect([401, 403, 404]).toContain((await request(app).get(`/v1/subjects/${PLANTED.documentNumber}/code`).set(h).set(auth)).status);

  // A modification (new name: outstanding codes revoked; declared contact: green → yellow) and invalid ones.
  const put = `/v1/subjects/${subjectId}/declaration`;
  const modified = await request(app).put(put).set(h).set(auth).send(person(PLANTED.otherName, PLANTED.documentNumber, PLANTED.phone, { contactWithCase: true }));
  expect(modified.body.color).toBe('yellow');
  keep(modified.body.credential.jws as string);
  expect((await request(app).put(put).set(h).set(auth).send(person(PLANTED.otherName, PLANTED.documentNumber, PLANTED.phone))).status).toBe(429);
  expect((await request(app).put(put).set(h).send(person(PLANTED.name, PLANTED.documentNumber, PLANTED.phone))).status).toBe(401);
  expect((await request(app).put(put).set(h).set(auth).send({ applicant: PLANTED.name })).status).toBe(400);

  // The risk feed: a confirmed case turns the proxied person red (green → red transition).
  const confirmed = { events: [{ id: 'obs-1', type: 'confirmed_case', document: { type: 'resident_id', number: PLANTED.proxiedDocumentNumber }, occurredAt: new Date(gw.clock.now()).toISOString() }] };
  const feed = { authorization: `Bearer ${RISK_FEED_TOKEN}` };
  const applied = await request(app).post('/v1/risk-events').set(h).set(feed).send(confirmed);
  expect(applied.status).toBe(200);
  expect(applied.body.credentialsSuperseded).toBeGreaterThan(0);
  expect((await request(app).post('/v1/risk-events').set(h).set(feed).send(confirmed)).status).toBe(200);
  expect((await request(app).post('/v1/risk-events').set(h).set('authorization', `Bearer ${PLANTED.bogusToken}`).send(confirmed)).status).toBe(401);
  expect((await request(app).post('/v1/risk-events').set(h).set(feed).send({ events: [{ id: 'obs-2', type: 'clearance', document: { type: 'resident_id', number: badCheck }, occurredAt: 'x' }] })).status).toBe(400);

  // Verification: Xinji codes (current, revoked, superseded), partner codes, unknown issuer, bad codes.
  const now = gw.clock.now();
  const currentCode = (await request(app).get(code).set(auth)).body.credential.jws as string;
  keep(currentCode);
  const holderDocument = { type: 'resident_id' as const, number: PLANTED.documentNumber };
  const partnerCodes = [
    await beijing.code({ color: '未见异常', now, document: holderDocument }),
    await beijing.code({ color: '紫色', now, document: holderDocument }),
    await beijing.code({ color: '未见异常', now, kid: 'unknown-kid-0123' }),
    await beijing.code({ color: '未见异常', now: now - 86_400_000, document: holderDocument }),
    await stranger.code({ color: 0, now, document: holderDocument }),
  ];
  keep(...partnerCodes);
  const badCodes = ['not-a-code', PLANTED.documentNumber, `${PLANTED.name}.${PLANTED.phone}.x`, 'a'.repeat(5_000), `HC1:${PLANTED.documentNumber}`];
  for (const c of [currentCode, firstCode, proxied.body.credential.jws as string, ...partnerCodes, ...badCodes]) {
    expect((await request(app).post('/v1/verify').set(h).send({ code: c })).status).toBe(200);
  }
  expect((await request(app).post('/v1/verify').set(h).send({ token: PLANTED.documentNumber })).status).toBe(400);

  // Checkpoint scans from a registered device: pass, fever, another person's document, invalid
  // code, invalid document; and one without a device token. The token must not be logged either.
  const device = await registerDevice(gw);
  keep(device);
  const scan = (c: string, temperatureC: number, number: string): request.Test =>
    request(app).post('/v1/checkpoint/scans').set(h).set(asDevice(device)).send({ code: c, temperatureC, document: { type: 'resident_id', number } });
  expect((await request(app).post('/v1/checkpoint/scans').set(h).send({ code: currentCode, temperatureC: 36.5, document: holderDocument })).status).toBe(401);
  expect((await scan(partnerCodes[0]!, 36.5, PLANTED.documentNumber)).body.decision).toBe('pass');
  expect((await scan(partnerCodes[0]!, 38.1, PLANTED.documentNumber)).body.reasons).toContain('fever');
  expect((await scan(partnerCodes[0]!, 36.5, PLANTED.otherDocumentNumber)).body.reasons).toContain('document_mismatch');
  expect((await scan(currentCode, 36.5, PLANTED.documentNumber)).status).toBe(200);
  expect((await scan('not-a-code', 36.5, PLANTED.documentNumber)).body.reasons).toContain('code_invalid');
  expect((await scan(partnerCodes[4]!, 39, PLANTED.documentNumber)).body.decision).toBe('deny');
  expect((await scan(currentCode, 36.5, badCheck)).status).toBe(400);

  // Partners, admin reload with good, bogus and no tokens.
  expect((await request(app).get('/v1/partners').set(h)).status).toBe(200);
  expect((await request(app).post('/v1/admin/partners/reload').set(h).set('authorization', `Bearer ${ADMIN_TOKEN}`).send()).status).toBe(200);
  expect((await request(app).post('/v1/admin/partners/reload').set(h).set('authorization', `Bearer ${PLANTED.bogusAdminToken}`).send()).status).toBe(401);
  expect((await request(app).post('/v1/admin/partners/reload').set(h).send()).status).toBe(401);

  // Unmatched paths and methods.
  expect((await request(app).get(`/v1/people/${PLANTED.documentNumber}?phone=${PLANTED.phone}`).set(h)).status).toBe(404);
  expect((await request(app).get(`/${encodeURIComponent(PLANTED.name)}`).set(h)).status).toBe(404);
  expect((await request(app).delete('/v1/verify').set(h)).status).toBe(404);

  // Every route the app serves (including ones added later): GET, POST and PUT with planted path
  // parameters, query strings, headers, bearer token and body. Whatever the answer, never a 5xx.
  const query = `number=${PLANTED.documentNumber}&name=${encodeURIComponent(PLANTED.name)}&phone=${PLANTED.phone}&token=${PLANTED.bogusToken}`;
  const body = { document: { type: 'resident_id', number: PLANTED.documentNumber }, name: PLANTED.name, phone: PLANTED.phone, code: PLANTED.bogusToken };
  for (const template of routeTemplates(app)) {
    const path = template.replace(/:[A-Za-z]+/g, PLANTED.documentNumber);
    for (const method of ['get', 'post', 'put'] as const) {
      const res = await request(app)[method](`${path}?${query}`).set(h).set('authorization', `Bearer ${PLANTED.bogusToken}`).send(body);
      expect(res.status).toBeLessThan(500);
    }
  }
}
