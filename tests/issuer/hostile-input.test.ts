import request from 'supertest';
import { personDeclaration, RISK_FEED_TOKEN, type TestGateway } from '../helpers/test-gateway.js';
import { declared, useStoreGateway, TEST_DATABASE_URL, warnPostgresSkipped, type Body } from './issuer-helpers.js';
import { metricLabelViolations } from '../helpers/metric-labels.js';

/**
 * Hostile input is normal input: every body below gets a 4xx with an error code, never a 500, a
 * crash or a hang — against SQLite always, and against PostgreSQL (which refuses NUL characters in
 * text, unlike SQLite) when TEST_DATABASE_URL is set.
 */
function withApplicant(base: Body, applicant: Body): Body {
  return { ...base, applicant: { ...(base['applicant'] as Body), ...applicant } };
}

const nested = (depth: number, inner = '0'): string => '['.repeat(depth) + inner + ']'.repeat(depth);

const HOSTILE_DECLARATIONS: Array<[string, string]> = [
  ['null', 'null'],
  ['an empty array', '[]'],
  ['a string', '"str"'],
  ['a number too large for a double', '1e400'],
  ['true', 'true'],
  ['an empty object', '{}'],
  ['deeply nested arrays', nested(7000)],
  ['deeply nested arrays inside the applicant', `{"applicant":${nested(7000)}}`],
  ['deeply nested objects', '{"a":'.repeat(2500) + '1' + '}'.repeat(2500)],
  ['a __proto__ key at the top', JSON.stringify(personDeclaration(801)).replace('"travel14d":', '"__proto__":{"color":"green"},"travel14d":')],
  ['a __proto__ object making attestTruthful true', '{"__proto__":{"attestTruthful":true,"applicant":{}}}'],
  ['a __proto__ key inside the applicant', JSON.stringify(personDeclaration(802)).replace('"name":', '"__proto__":{"x":1},"name":')],
  ['a constructor key', '{"constructor":{"prototype":{"polluted":true}}}'],
  ['a huge name', JSON.stringify(withApplicant(personDeclaration(803), { name: '张'.repeat(5000) }))],
  ['a huge document number', JSON.stringify(withApplicant(personDeclaration(804), { document: { type: 'passport', number: '9'.repeat(10000) } }))],
  ['a number for the name', JSON.stringify(withApplicant(personDeclaration(805), { name: 1e308 }))],
  ['1e400 for contactWithCase', JSON.stringify(personDeclaration(806)).replace('"contactWithCase":false', '"contactWithCase":1e400')],
  ['a string for the document', JSON.stringify(withApplicant(personDeclaration(807), { document: 'resident_id' }))],
  ['a NUL at the start of the name', JSON.stringify(withApplicant(personDeclaration(808), { name: '\u0000张猛' }))],
  ['a NUL inside the document number', JSON.stringify(withApplicant(personDeclaration(809), { document: { type: 'passport', number: 'E1234\u00005678' } }))],
  ['a lone surrogate in the phone', JSON.stringify(withApplicant(personDeclaration(810), { phone: '\ud800' }))],
  ['a thousand travel entries', JSON.stringify(personDeclaration(811, { travel14d: Array.from({ length: 1000 }, (_, i) => String(110000 + i)) }))],
  ['a duplicated travel entry', JSON.stringify(personDeclaration(812, { travel14d: ['130100', '130100'] }))],
  ['a truncated UTF-8 sequence', '{"applicant":{"name":"\xe5'],
];

const HOSTILE_EVENTS: Array<[string, unknown]> = [
  ['null', null],
  ['no events', { events: [] }],
  ['an unknown event type', { events: [{ id: 'h1', type: 'set_color', document: { type: 'passport', number: 'E12345678' }, occurredAt: '2026-11-27T00:00:00Z', color: 'green' }] }],
  ['a colour inside an event', { events: [{ id: 'h2', type: 'clearance', document: { type: 'passport', number: 'E12345678' }, occurredAt: '2026-11-27T00:00:00Z', color: 'green' }] }],
  ['a date that is not one', { events: [{ id: 'h3', type: 'clearance', document: { type: 'passport', number: 'E12345678' }, occurredAt: 'yesterday' }] }],
  ['a region list with a bad code', { events: [{ id: 'h4', type: 'high_risk_regions', regions: ['13xx00'], occurredAt: '2026-11-27T00:00:00Z' }] }],
  ['501 events', { events: Array.from({ length: 501 }, (_, i) => ({ id: `h5-${i}`, type: 'high_risk_regions', regions: [], occurredAt: '2026-11-27T00:00:00Z' })) }],
  ['a NUL in an event id', { events: [{ id: 'h6\u0000', type: 'clearance', document: { type: 'passport', number: 'E12345678' }, occurredAt: '2026-11-27T00:00:00Z' }] }],
  ['a NUL in a document number', { events: [{ id: 'h7', type: 'clearance', document: { type: 'passport', number: 'E1234\u00005678' }, occurredAt: '2026-11-27T00:00:00Z' }] }],
];

function hostileSuite(kind: 'sqlite' | 'postgres'): void {
  let gw: TestGateway;
  let holder: { subjectId: string; holderToken: string };
  useStoreGateway(kind, 'all', (made) => (gw = made));
  beforeAll(async () => {
    holder = await declared(gw, personDeclaration(800));
  });

  /** Never a 500; a refusal is a 4xx with a catalogue code. */
  function expectNoServerError(res: request.Response): void {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: expect.any(Number), code: res.status >= 400 ? expect.stringMatching(/^ERR_/) : undefined });
    expect(res.status).toBeLessThan(500);
  }

  function expectClientError(res: request.Response): void {
    expectNoServerError(res);
    expect(res.status).toBeGreaterThanOrEqual(400);
  }

  test.each(HOSTILE_DECLARATIONS)('answers POST /v1/declarations with %s without a 500', async (_what, raw) => {
    const res = await request(gw.app).post('/v1/declarations').set('content-type', 'application/json').send(raw);
    expectNoServerError(res);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['attestTruthful']).toBeUndefined();
  });

  test.each(HOSTILE_DECLARATIONS)('answers PUT of a declaration with %s without a 500', async (_what, raw) => {
    const res = await request(gw.app)
      .put(`/v1/subjects/${holder.subjectId}/declaration`)
      .set('authorization', `Bearer ${holder.holderToken}`)
      .set('content-type', 'application/json')
      .send(raw);
    expectNoServerError(res);
  });

  test.each(HOSTILE_EVENTS)('answers POST /v1/risk-events with %s without a 500', async (_what, body) => {
    const res = await request(gw.app)
      .post('/v1/risk-events')
      .set('authorization', `Bearer ${RISK_FEED_TOKEN}`)
      .set('content-type', 'application/json')
      .send(JSON.stringify(body));
    expectNoServerError(res);
  });

  test.each([
    ['a subject id with a NUL', `/v1/subjects/sub_%00x/code`],
    ['a very long subject id', `/v1/subjects/${'a'.repeat(4000)}/code`],
    ['a format given twice', `/v1/subjects/SUBJECT/code?format=svg&format=png`],
  ])('answers GET of a code with %s by a 4xx, never a 500', async (_what, path) => {
    const res = await request(gw.app).get(path.replace('SUBJECT', holder.subjectId)).set('authorization', `Bearer ${holder.holderToken}`);
    expectClientError(res);
  });

  test.each(['Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer a b', `Bearer ${'x'.repeat(5000)}`, 'Bearer \u00ff'])(
    'answers a proxy declaration with the Authorization header %j by 401, never as a declaration without a proxy',
    async (header) => {
      const res = await request(gw.app).post('/v1/declarations').set('authorization', header).send(personDeclaration(813));
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('ERR_UNAUTHENTICATED');
    },
  );

  test('refuses a name with a control character (NUL) with 400 ERR_VALIDATION naming applicant.name', async () => {
    // A NUL breaks PostgreSQL text columns (a 500 there) and has no place in a name on a code.
    const res = await request(gw.app).post('/v1/declarations').send(withApplicant(personDeclaration(814), { name: '张\u0000猛' }));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ERR_VALIDATION');
    expect(res.body.error.field).toBe('applicant.name');
  });

  test('leaves every metric label within its bounded set after all of the above', async () => {
    expect(await metricLabelViolations(gw)).toEqual([]);
  });
}

describe('hostile input, SQLite', () => hostileSuite('sqlite'));
warnPostgresSkipped('the hostile-input tests');
(TEST_DATABASE_URL ? describe : describe.skip)('hostile input, PostgreSQL', () => hostileSuite('postgres'));
