import request from 'supertest';
import { runPassesCommand } from '../../gateway/cli/passes-command.js';
import { validator } from '../../gateway/schemas/registry.js';
import type { CheckpointDecision, CredentialStatusList, IdentityDocument } from '../../gateway/types/schemas.js';
import { ADMIN_TOKEN, DAY_MS, createTestGateway, personDeclaration, residentId, type TestGateway } from '../helpers/test-gateway.js';
import { asDevice, registerDevice } from '../helpers/devices.js';
import { declare, factsOf, headerOf, payloadOf, personEvent, postEvents, tokenStatusOf, type Body } from './issuer-helpers.js';

/**
 * 通行证 (issue 25, §2): a printed pass for a person without a phone. Signed, bound to the document
 * like a code, a distinct typ and no colour; a checkpoint decides with the person's colour now,
 * and the pass is listed in the status data the moment the person stops being green.
 */
let gw: TestGateway;
let device: { authorization: string };
const decisionSchema = validator<CheckpointDecision>('checkpoint-decision');
const passSchema = validator('issued-pass');

beforeAll(async () => {
  gw = await createTestGateway();
  device = asDevice(await registerDevice(gw));
});
afterAll(async () => gw.close());

async function passes(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPassesCommand(argv, { deps: gw.deps, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

async function person(n: number, overrides: Body = {}): Promise<{ subjectId: string; document: IdentityDocument; body: Body; code: string }> {
  const body = personDeclaration(n, overrides);
  const res = await declare(gw, body).expect(201);
  return { subjectId: res.body.subjectId, document: (body['applicant'] as { document: IdentityDocument }).document, body, code: res.body.credential.jws };
}

async function scan(code: string, document: IdentityDocument, temperatureC = 36.5): Promise<CheckpointDecision> {
  const res = await request(gw.app).post('/v1/checkpoint/scans').set(device).send({ code, document, temperatureC });
  expect(res.status).toBe(200);
  expect(decisionSchema(res.body)).toBe(true);
  return res.body as CheckpointDecision;
}

async function statusEntries(): Promise<CredentialStatusList['entries']> {
  return ((await request(gw.app).get('/.well-known/health-code-status').expect(200)).body as CredentialStatusList).entries;
}

describe('passes -- issue', () => {
  it('prints a signed pass alone on its last line: its own typ, no colour, the code\'s binding, 30 days', async () => {
    const p = await person(2601);
    const { code, out, err } = await passes('issue', p.subjectId);
    expect({ code, err }).toEqual({ code: 0, err: [] });
    const jws = out.at(-1)!;
    expect(jws).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(headerOf(jws)['typ']).toBe('health-pass+jwt');
    const claims = payloadOf(jws);
    const hc = claims['hc'] as Body;
    expect(hc).not.toHaveProperty('color');
    // The pass stays in layout 1 (hc.bind), the code is in layout 3 (hc.b): the same binding.
    expect(hc['v']).toBe(1);
    expect(hc['bind']).toBe(factsOf(p.code).bind);
    expect(hc['name']).toBe('测*****号');
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(30 * 86_400);
    expect(out.join('\n')).not.toContain(p.document.number);
    expect(out.some((l) => l.includes(`/pass#${jws}`))).toBe(true);
  });

  it('refuses a person who is not green now, and an unknown subject, with exit status 2', async () => {
    const p = await person(2602, { symptoms: ['cough'] });
    expect(await passes('issue', p.subjectId)).toMatchObject({ code: 2, out: [], err: [expect.stringContaining('ERR_PASS_NOT_GREEN')] });
    expect(await passes('issue', 'sub_AAAAAAAAAAAAAAAAAAAAAA')).toMatchObject({ code: 2, err: [expect.stringContaining('ERR_SUBJECT_NOT_FOUND')] });
  });

  it('refuses unknown options and commands with its usage (strict arguments)', async () => {
    expect(await passes('issue', 'sub_x', '--color', 'green')).toMatchObject({ code: 2, err: [expect.stringContaining('usage: passes')] });
    expect(await passes('print', 'sub_x')).toMatchObject({ code: 2, err: [expect.stringContaining('usage: passes')] });
    expect(await passes('list')).toMatchObject({ code: 2 });
  });
});

describe('a pass in Xinji\'s Token Status List (GET /sl/1)', () => {
  it('names its own index: VALID (0) while its holder is green, INVALID (1) once superseded by an event', async () => {
    const p = await person(2611);
    const jws = (await passes('issue', p.subjectId)).out.at(-1)!;
    const code = payloadOf(p.code)['status'] as { status_list: { idx: number } };
    expect((payloadOf(jws)['status'] as { status_list: { idx: number } }).status_list.idx).not.toBe(code.status_list.idx);
    expect(await tokenStatusOf(gw, jws)).toBe(0);
    await postEvents(gw, [personEvent(gw, 'close_contact', p.body)]).expect(200);
    expect(await tokenStatusOf(gw, jws)).toBe(1);
  });

  it('is INVALID (1) the moment a counter revokes it', async () => {
    const p = await person(2612);
    const jws = (await passes('issue', p.subjectId)).out.at(-1)!;
    expect(await tokenStatusOf(gw, jws)).toBe(0);
    expect((await passes('revoke', payloadOf(jws)['jti'] as string)).code).toBe(0);
    expect(await tokenStatusOf(gw, jws)).toBe(1);
  });
});

describe('a pass at the checkpoint', () => {
  it('passes its holder with the document while green, says it was a 通行证, and denies another document or a fever', async () => {
    const p = await person(2603);
    const jws = (await passes('issue', p.subjectId)).out.at(-1)!;
    const decision = await scan(jws, p.document);
    expect(decision).toMatchObject({ decision: 'pass', color: 'green', reasons: [], method: 'pass', credential: { kind: 'pass', subject: { nameMasked: '测*****号' } } });
    expect(decision.credential).not.toHaveProperty('sourceColor');
    const other: IdentityDocument = { type: 'resident_id', number: residentId('13018119500101001') };
    expect(await scan(jws, other)).toMatchObject({ decision: 'deny', reasons: ['document_mismatch'], method: 'pass' });
    expect(await scan(jws, p.document, 37.5)).toMatchObject({ decision: 'deny', reasons: ['fever'] });
  });

  it('is listed the moment the person stops being green, denied from then on, and a new one prints once green again', async () => {
    const p = await person(2604);
    const jws = (await passes('issue', p.subjectId)).out.at(-1)!;
    const passId = payloadOf(jws)['jti'] as string;
    await postEvents(gw, [personEvent(gw, 'close_contact', p.body)]).expect(200);

    expect((await statusEntries()).map((e) => e.jti)).toContain(passId);
    expect(await scan(jws, p.document)).toMatchObject({ decision: 'deny', color: null, reasons: ['code_invalid'], method: 'code' });
    expect(await passes('issue', p.subjectId)).toMatchObject({ code: 2, err: [expect.stringContaining('ERR_PASS_NOT_GREEN')] });

    gw.clock.advance(14 * DAY_MS);
    // Green again by itself: the old pass stays withdrawn (paper cannot be un-listed), a new one is printed.
    expect((await scan(jws, p.document)).decision).toBe('deny');
    const again = await passes('issue', p.subjectId);
    expect(again.code).toBe(0);
    expect((await scan(again.out.at(-1)!, p.document)).decision).toBe('pass');
    const listed = await passes('list', p.subjectId);
    expect(listed.out).toEqual([expect.stringMatching(/ active /), expect.stringMatching(new RegExp(`^${passId}  superseded `))]);
  });

  it('is withdrawn at a counter with passes -- revoke, listed as revoked', async () => {
    const p = await person(2605);
    const jws = (await passes('issue', p.subjectId)).out.at(-1)!;
    const passId = payloadOf(jws)['jti'] as string;
    expect(await passes('revoke', passId)).toEqual({ code: 0, out: [`${passId}  revoked`], err: [] });
    expect(await statusEntries()).toContainEqual(expect.objectContaining({ jti: passId, status: 'revoked' }));
    expect((await scan(jws, p.document)).reasons).toEqual(['code_invalid']);
    // A code's id is not a pass.
    expect(await passes('revoke', payloadOf(p.code)['jti'] as string)).toMatchObject({ code: 2, err: [expect.stringContaining('ERR_PASS_NOT_FOUND')] });
  });

  it('is locked after three scans with another person\'s document, like a code (its 30-day lock window does not overflow a timer)', async () => {
    const p = await person(2613);
    const jws = (await passes('issue', p.subjectId)).out.at(-1)!;
    const stranger: IdentityDocument = { type: 'resident_id', number: residentId('13018119900307269') };
    for (let i = 0; i < 3; i++) expect((await scan(jws, stranger)).reasons).toContain('document_mismatch');
    expect(await scan(jws, p.document)).toMatchObject({ decision: 'deny', reasons: expect.arrayContaining(['document_mismatch_locked']) });
  });

  it('refuses a code re-headed as a pass: the typ is signed', async () => {
    const p = await person(2606);
    // A code re-headed as a pass fails its signature: the typ is signed.
    const [h, b, s] = p.code.split('.') as [string, string, string];
    const asPass = `${Buffer.from(JSON.stringify({ ...headerOf(p.code), typ: 'health-pass+jwt' })).toString('base64url')}.${b}.${s}`;
    expect((await request(gw.app).post('/v1/verify').send({ code: asPass })).body.error.code).toBe('ERR_JWS_SIGNATURE_INVALID');
    expect(h).not.toBe(asPass.split('.')[0]);
  });
});

describe('the pass is published like a code', () => {
  it('names its typ and lifetime in the issuer metadata', async () => {
    const metadata = (await request(gw.app).get('/.well-known/health-code-issuer').expect(200)).body;
    expect(metadata.pass).toEqual({ typ: 'health-pass+jwt', max_lifetime_seconds: 30 * 86_400 });
  });

  it('verifies at POST /v1/verify as a green pass without a source colour', async () => {
    const p = await person(2607);
    const jws = (await passes('issue', p.subjectId)).out.at(-1)!;
    const res = await request(gw.app).post('/v1/verify').send({ code: jws }).expect(200);
    expect(res.body).toMatchObject({ valid: true, credential: { kind: 'pass', color: 'green', advisory: false } });
  });

  it('has a configurable lifetime', async () => {
    const short = await createTestGateway({ overrides: { passTtlSeconds: 7 * 86_400 } });
    try {
      const res = await request(short.app).post('/v1/declarations').send(personDeclaration(2608)).expect(201);
      const out: string[] = [];
      await runPassesCommand(['issue', res.body.subjectId], { deps: short.deps, out: (l) => out.push(l), err: () => undefined });
      const claims = payloadOf(out.at(-1)!);
      expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(7 * 86_400);
    } finally {
      await short.close();
    }
  });
});

describe('POST /v1/admin/subjects/{subjectId}/passes', () => {
  it('issues a pass for the community\'s system with the admin token, and refuses without it', async () => {
    const p = await person(2609);
    const path = `/v1/admin/subjects/${p.subjectId}/passes`;
    expect((await request(gw.app).post(path)).body.error.code).toBe('ERR_PARTNER_ADMIN_UNAUTHORIZED');
    const res = await request(gw.app).post(path).set('authorization', `Bearer ${ADMIN_TOKEN}`).expect(201);
    expect(passSchema(res.body)).toBe(true);
    expect(res.body).toMatchObject({ status: 'active', passId: payloadOf(res.body.jws)['jti'] });
    expect((await scan(res.body.jws as string, p.document)).decision).toBe('pass');
  });

  it('answers 409 ERR_PASS_NOT_GREEN for a yellow person and 404 for an unknown one', async () => {
    const p = await person(2610, { travel14d: ['overseas'] });
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const yellow = await request(gw.app).post(`/v1/admin/subjects/${p.subjectId}/passes`).set(auth);
    expect([yellow.status, yellow.body.error.code]).toEqual([409, 'ERR_PASS_NOT_GREEN']);
    const unknown = await request(gw.app).post('/v1/admin/subjects/nobody/passes').set(auth);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'ERR_SUBJECT_NOT_FOUND']);
  });
});
