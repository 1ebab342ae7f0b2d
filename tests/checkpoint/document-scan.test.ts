import request from 'supertest';
import { validator } from '../../gateway/schemas/registry.js';
import type { CheckpointDecision, IdentityDocument } from '../../gateway/types/schemas.js';
import { createTestGateway, DAY_MS, personDeclaration, residentId, type TestGateway } from '../helpers/test-gateway.js';
import { asDevice, registerDevice } from '../helpers/devices.js';
import { declare, personEvent, postEvents, type Body } from '../issuer/issuer-helpers.js';

/**
 * 一证通行 (issue 25, §1): a Xinji resident without a phone shows the ID card alone. The gateway
 * finds the record by its keyed lookup, takes the colour as derived now and decides as for a code;
 * a document without a record is no_code. The answer shows the colour, the masked name and the
 * reasons, never the number.
 */
let gw: TestGateway;
let device: { authorization: string };
const decisionSchema = validator<CheckpointDecision>('checkpoint-decision');

beforeAll(async () => {
  gw = await createTestGateway();
  device = asDevice(await registerDevice(gw));
});
afterAll(async () => gw.close());

const documentOf = (body: Body): IdentityDocument => (body['applicant'] as { document: IdentityDocument }).document;

async function scanDocument(document: IdentityDocument, temperatureC = 36.5): Promise<CheckpointDecision> {
  const res = await request(gw.app).post('/v1/checkpoint/scans').set(device).send({ document, temperatureC });
  expect(res.status).toBe(200);
  expect(decisionSchema(res.body)).toBe(true);
  expect(JSON.stringify(res.body)).not.toContain(document.number);
  return res.body as CheckpointDecision;
}

async function declared(n: number, overrides: Body = {}): Promise<IdentityDocument> {
  const body = personDeclaration(n, overrides);
  await declare(gw, body).expect(201);
  return documentOf(body);
}

async function scansByMode(): Promise<string> {
  const res = await request(gw.app).get('/metrics');
  return res.text.split('\n').filter((l) => l.startsWith('gateway_checkpoint_scans_total{mode="document"')).sort().join('\n');
}

describe('一证通行: a scan with the document alone', () => {
  it('passes a green resident with a normal temperature and shows only the masked name', async () => {
    const document = await declared(2501);
    const decision = await scanDocument(document);
    expect(decision).toEqual({ decision: 'pass', color: 'green', reasons: [], method: 'document', holder: { nameMasked: '测*****号' } });
  });

  it('denies a green resident with a fever', async () => {
    const document = await declared(2502);
    expect(await scanDocument(document, 37.3)).toMatchObject({ decision: 'deny', color: 'green', reasons: ['fever'] });
  });

  it('denies a resident who declared symptoms as yellow', async () => {
    const document = await declared(2503, { symptoms: ['fever'] });
    expect(await scanDocument(document)).toMatchObject({ decision: 'deny', color: 'yellow', reasons: ['color_yellow'], method: 'document' });
  });

  it('takes the colour as derived now: red after a close-contact event, green again after its 14 days', async () => {
    const body = personDeclaration(2504);
    await declare(gw, body).expect(201);
    await postEvents(gw, [personEvent(gw, 'close_contact', body)]).expect(200);
    expect(await scanDocument(documentOf(body))).toMatchObject({ decision: 'deny', color: 'red', reasons: ['color_red'] });
    gw.clock.advance(14 * DAY_MS);
    expect(await scanDocument(documentOf(body))).toMatchObject({ decision: 'pass', color: 'green' });
  });

  it('denies a document with no Xinji record as no_code, without a colour or a name', async () => {
    const nobody: IdentityDocument = { type: 'resident_id', number: residentId('13018119420101001') };
    expect(await scanDocument(nobody)).toEqual({ decision: 'deny', color: null, reasons: ['no_code'], method: 'document' });
    expect(await scanDocument(nobody, 38)).toEqual({ decision: 'deny', color: null, reasons: ['no_code', 'fever'], method: 'document' });
  });

  it('does not find a record under the same number of another document type', async () => {
    const document = await declared(2505);
    const asPermit: IdentityDocument = { type: 'hmt_residence_permit', number: document.number.replace(/^130181/, '810000').slice(0, 17) };
    const permit = { ...asPermit, number: residentId(asPermit.number) };
    expect(await scanDocument(permit)).toMatchObject({ reasons: ['no_code'] });
  });

  it('is refused without a registered device, and a mistyped number is a 400 the officer can fix', async () => {
    const document = await declared(2506);
    await request(gw.app).post('/v1/checkpoint/scans').send({ document, temperatureC: 36.5 }).expect(401);
    const bad = await request(gw.app).post('/v1/checkpoint/scans').set(device).send({ document: { ...document, number: document.number.slice(0, 17) + 'Y' }, temperatureC: 36.5 });
    expect(bad.status).toBe(400);
  });

  it('is counted under its own mode in the checkpoint metrics', async () => {
    const before = await scansByMode();
    await scanDocument(await declared(2507));
    await scanDocument({ type: 'resident_id', number: residentId('13018119420101002') });
    const after = await scansByMode();
    expect(before).toContain('gateway_checkpoint_scans_total{mode="document",decision="pass"}');
    const count = (text: string, decision: string): number => Number(new RegExp(`decision="${decision}"} (\\d+)`).exec(text)?.[1]);
    expect(count(after, 'pass') - count(before, 'pass')).toBe(1);
    expect(count(after, 'deny') - count(before, 'deny')).toBe(1);
  });
});

describe('一证通行 is limited per device like every scan', () => {
  it('answers 429 once the device spent its burst, while another device still scans', async () => {
    const limited = await createTestGateway({ overrides: { rateLimit: { enabled: true, perSecond: 0.05, burst: 2, maxClients: 100 } } });
    try {
      const [a, b] = [asDevice(await registerDevice(limited)), asDevice(await registerDevice(limited))];
      const document = { type: 'resident_id', number: residentId('13018119420101003') };
      const send = (who: { authorization: string }) => request(limited.app).post('/v1/checkpoint/scans').set(who).send({ document, temperatureC: 36.5 });
      expect((await send(a)).status).toBe(200);
      expect((await send(a)).status).toBe(200);
      const refused = await send(a);
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('ERR_RATE_LIMITED');
      expect((await send(b)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
