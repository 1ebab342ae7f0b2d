import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import request from 'supertest';
import { validator } from '../../gateway/schemas/registry.js';
import type { CheckpointDecision, IdentityDocument } from '../../gateway/types/schemas.js';
import { RISK_FEED_TOKEN, exampleDeclaration, personDeclaration, residentId, type TestGateway } from '../helpers/test-gateway.js';
import { PartnerCity } from './partner-city.js';
import { BEIJING } from './profiles.js';
import { gatewayWith, type Body } from './setup.js';
import { metricLabelViolations } from '../helpers/metric-labels.js';
import { asDevice, registerDevice } from '../helpers/devices.js';

/**
 * 亮码 + 身份证 + 测温 through POST /v1/checkpoint/scans, the same for a Beijing code and a Xinji
 * code: pass only for a valid green code without advisory, a temperature below 37.3 °C and the
 * document the code was issued for; every other case is denied with its reasons. The presented
 * document number must not reach the logs or the metrics.
 */
let beijing: PartnerCity;
let gw: TestGateway;
let device: { authorization: string };
const logLines: string[] = [];
const decisionSchema = validator<CheckpointDecision>('checkpoint-decision');

const holder: IdentityDocument = { type: 'resident_id', number: residentId('11010119900101002') };
const stranger: IdentityDocument = { type: 'resident_id', number: residentId('11010119851231004') };
const xinjiDeclaration = exampleDeclaration();
const xinjiDocument = (xinjiDeclaration['applicant'] as { document: IdentityDocument }).document;
/** Every document number these tests present: none may appear in a log line or a metric. */
const presented: string[] = [holder.number, stranger.number, xinjiDocument.number];
const subjectIds: string[] = [];

beforeAll(async () => {
  beijing = await PartnerCity.start(BEIJING);
  const stream = { write: (line: string) => void logLines.push(line) };
  gw = await gatewayWith([beijing.partner()], { logger: pino({ level: 'trace' }, stream) });
  device = asDevice(await registerDevice(gw));
});

afterAll(async () => {
  await gw.close();
  await beijing.close();
});

async function scan(code: string, temperatureC: number, document: IdentityDocument): Promise<CheckpointDecision> {
  const res = await request(gw.app).post('/v1/checkpoint/scans').set(device).send({ code, temperatureC, document });
  expect(res.status).toBe(200);
  expect(decisionSchema(res.body)).toBe(true);
  expect(JSON.stringify(res.body)).not.toContain(document.number);
  return res.body as CheckpointDecision;
}

const beijingCode = (color: string, document: IdentityDocument | null = holder): Promise<string> => beijing.code({ color, now: gw.clock.now(), document });

async function xinjiCode(declaration: Body): Promise<string> {
  const res = await request(gw.app).post('/v1/declarations').send(declaration);
  expect(res.status).toBe(201);
  subjectIds.push(res.body.subjectId as string);
  return res.body.credential.jws as string;
}

describe('checkpoint decisions for a partner city\'s code', () => {
  it('passes a valid green Beijing code with a normal temperature and the holder\'s document', async () => {
    const decision = await scan(await beijingCode('未见异常'), 36.5, holder);
    expect(decision).toMatchObject({ decision: 'pass', color: 'green', reasons: [] });
    expect(decision.credential).toMatchObject({ issuer: { partnerId: 'beijing' }, sourceColor: '未见异常' });
  });

  it.each([
    ['居家观察', 'yellow', ['color_yellow']],
    ['集中观察', 'red', ['color_red']],
    ['弹窗', 'yellow', ['color_yellow', 'advisory']],
  ])('denies a Beijing %s code as %s with reasons %p', async (status, color, reasons) => {
    expect(await scan(await beijingCode(status), 36.5, holder)).toMatchObject({ decision: 'deny', color, reasons });
  });

  it('denies a green code at exactly 37.3 °C as fever and passes it at 37.2 °C', async () => {
    const code = await beijingCode('未见异常');
    expect(await scan(code, 37.3, holder)).toMatchObject({ decision: 'deny', color: 'green', reasons: ['fever'] });
    expect(await scan(code, 37.2, holder)).toMatchObject({ decision: 'pass', reasons: [] });
  });

  it('denies a green code shown with another person\'s document', async () => {
    expect(await scan(await beijingCode('未见异常'), 36.5, stranger)).toMatchObject({ decision: 'deny', color: 'green', reasons: ['document_mismatch'] });
  });

  it('denies a green code shown with the right number under another document type', async () => {
    const asPermit: IdentityDocument = { type: 'hmt_residence_permit', number: residentId('81000019900101002') };
    expect(await scan(await beijingCode('未见异常'), 36.5, asPermit)).toMatchObject({ decision: 'deny', reasons: ['document_mismatch'] });
  });

  it('denies a green partner code that carries no document binding', async () => {
    expect(await scan(await beijingCode('未见异常', null), 36.5, holder)).toMatchObject({ decision: 'deny', color: 'green', reasons: ['binding_missing'] });
  });

  it('lists every reason at once for a red code with fever and the wrong document', async () => {
    expect(await scan(await beijingCode('集中观察'), 38.5, stranger)).toMatchObject({ decision: 'deny', color: 'red', reasons: ['color_red', 'fever', 'document_mismatch'] });
  });

  it('denies an invalid code with code_invalid, no colour, and the verification error', async () => {
    const decision = await scan(await beijingCode('紫码'), 36.5, holder);
    expect(decision).toMatchObject({ decision: 'deny', color: null, reasons: ['code_invalid'], error: { code: 'ERR_COLOR_UNMAPPED' } });
    expect(decision.credential).toBeUndefined();
    const tampered = (await beijingCode('集中观察')).replace(/\.[^.]+$/, '.AAAA');
    expect(await scan(tampered, 37.5, holder)).toMatchObject({ decision: 'deny', color: null, reasons: ['code_invalid', 'fever'] });
  });

  it('answers 400 for a document number that fails its check character, before verifying anything', async () => {
    const requestsBefore = beijing.requests;
    const res = await request(gw.app)
      .post('/v1/checkpoint/scans')
      .set(device)
      .send({ code: await beijingCode('未见异常'), temperatureC: 36.5, document: { type: 'resident_id', number: '110101199001010021' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ERR_DOCUMENT_CHECKSUM');
    expect(JSON.stringify(res.body)).not.toContain('110101199001010021');
    expect(beijing.requests).toBe(requestsBefore);
  });

  it.each([
    ['a temperature out of range', { temperatureC: 60 }],
    ['a temperature as a string', { temperatureC: '36.5' }],
    ['no document', { document: undefined }],
  ])('answers 400 ERR_VALIDATION for a scan with %s', async (_what, change) => {
    const body = { code: await beijingCode('未见异常'), temperatureC: 36.5, document: holder, ...change };
    const res = await request(gw.app).post('/v1/checkpoint/scans').set(device).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ERR_VALIDATION');
  });
});

describe('checkpoint decisions for a Xinji code', () => {
  it('passes a green Xinji code with a normal temperature and the declared document', async () => {
    const decision = await scan(await xinjiCode(xinjiDeclaration), 36.6, xinjiDocument);
    expect(decision).toMatchObject({ decision: 'pass', color: 'green', reasons: [], credential: { issuer: { partnerId: 'xinji' }, sourceColor: 'green' } });
  });

  it('denies the green Xinji code at 37.3 °C and with another person\'s document', async () => {
    const code = await xinjiCodeOf(1);
    expect(await scan(code.jws, 37.3, code.document)).toMatchObject({ decision: 'deny', color: 'green', reasons: ['fever'] });
    expect(await scan(code.jws, 36.5, stranger)).toMatchObject({ decision: 'deny', color: 'green', reasons: ['document_mismatch'] });
  });

  it('denies a yellow Xinji code of a person who declared symptoms', async () => {
    const code = await xinjiCodeOf(2, { symptoms: ['fever'] });
    expect(await scan(code.jws, 36.5, code.document)).toMatchObject({ decision: 'deny', color: 'yellow', reasons: ['color_yellow'] });
  });

  it('denies a red Xinji code of a confirmed case', async () => {
    const declaration = personDeclaration(3);
    const document = (declaration['applicant'] as { document: IdentityDocument }).document;
    presented.push(document.number);
    const events = [{ id: randomUUID(), type: 'confirmed_case', document, occurredAt: new Date(gw.clock.now()).toISOString() }];
    const fed = await request(gw.app).post('/v1/risk-events').set('authorization', `Bearer ${RISK_FEED_TOKEN}`).send({ events });
    expect(fed.status).toBe(200);
    const jws = await xinjiCode(declaration);
    expect(await scan(jws, 36.5, document)).toMatchObject({ decision: 'deny', color: 'red', reasons: ['color_red'] });
  });
});

async function xinjiCodeOf(n: number, overrides: Record<string, unknown> = {}): Promise<{ jws: string; document: IdentityDocument }> {
  const declaration = personDeclaration(n, overrides);
  const document = (declaration['applicant'] as { document: IdentityDocument }).document;
  presented.push(document.number);
  return { jws: await xinjiCode(declaration), document };
}

describe('what the gateway keeps after the scans', () => {
  it('logs the requests but never a presented document number or any long part of one', async () => {
    expect(logLines.length).toBeGreaterThan(10);
    const logged = logLines.join('\n');
    expect(logged).toContain('/v1/checkpoint/scans');
    for (const number of presented) {
      expect(logged).not.toContain(number);
      // Codes show only the first 4 characters; no longer part of the number may ever leak.
      expect(logged).not.toContain(number.slice(4));
    }
  });

  it('counts verifications and decisions in /metrics without document numbers or subject ids', async () => {
    const res = await request(gw.app).get('/metrics');
    expect(res.status).toBe(200);
    const text = res.text;
    expect(text).toMatch(/gateway_verifications_total\{partner="beijing",result="valid"\} [1-9]/);
    expect(text).toMatch(/gateway_verifications_total\{partner="xinji",result="valid"\} [1-9]/);
    // A refusal is labelled with the partner the code named, so operators see whose codes fail.
    expect(text).toMatch(/gateway_verifications_total\{partner="beijing",result="ERR_COLOR_UNMAPPED"\} [1-9]/);
    expect(text).toMatch(/gateway_checkpoint_decisions_total\{decision="pass",reason="none"\} [1-9]/);
    // Keys held now, read at scrape time: Beijing's fetched key and Xinji's own.
    expect(text).toMatch(/gateway_partner_keys\{partner="beijing"\} [1-9]/);
    expect(text).toMatch(/gateway_partner_keys\{partner="xinji"\} 1/);
    expect(text).toMatch(/gateway_checkpoint_decisions_total\{decision="deny",reason="color_red"\} [1-9]/);
    expect(text).toMatch(/gateway_checkpoint_decisions_total\{decision="deny",reason="code_invalid"\} [1-9]/);
    expect(text).toMatch(/gateway_checkpoint_decisions_total\{decision="deny",reason="document_mismatch"\} [1-9]/);
    expect(text).toMatch(/gateway_verification_duration_seconds_count\{partner="beijing"\} [1-9]/);
    expect(subjectIds.length).toBeGreaterThan(2);
    for (const secret of [...presented, ...subjectIds]) expect(text).not.toContain(secret);
    for (const number of presented) expect(text).not.toContain(number.slice(4, 14));
  });
});

describe('after the suite', () => {
  it('every metric label is still within its bounded set', async () => {
    expect(await metricLabelViolations(gw)).toEqual([]);
  });
});
