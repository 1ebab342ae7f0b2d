import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { checkPartner } from '../../gateway/federation/partner-check.js';
import { createBinding, type BindingMethod } from '../../gateway/identity/binding.js';
import { signCredential, type CodeFormat } from '../../gateway/issuer/sign-credential.js';
import { numericText } from '../../gateway/issuer/qr-segments.js';
import { createSafeDispatcher } from '../../gateway/partners/safe-dispatcher.js';
import type { IdentityDocument, PublicJwk } from '../../gateway/types/schemas.js';
import { TrustStore } from '../../verifier/index.js';
import { asDevice, registerDevice } from '../helpers/devices.js';
import { personDeclaration } from '../helpers/test-gateway.js';
import { factsOf, payloadOf, type Body } from '../issuer/issuer-helpers.js';
import { xinjiAndPartnerGateway, type XinjiAndPartner } from '../recognition/setup.js';

/**
 * Issue 24: layout 3 (short claim names, typ hc+jwt) is the new default, and codes of layouts 1 and
 * 2 — and s1 bindings — stay valid until they expire. Every reader takes all of them: the gateway's
 * verify core (POST /v1/verify), its checkpoint route with the document check, the verifier
 * library offline from the trust bundle, another city's gateway that registered Xinji from its
 * metadata, and the partner self-test run against Xinji's metadata.
 */
let pair: XinjiAndPartner;
let device: string;
let partnerDevice: string;
let holder: { subjectId: string; jws: string; document: IdentityDocument };
const dispatcher = createSafeDispatcher({ timeoutMs: 2000, allowInsecureLoopback: true });
let dir: string;

beforeAll(async () => {
  pair = await xinjiAndPartnerGateway();
  device = await registerDevice(pair.xinji);
  partnerDevice = await registerDevice(pair.hengshui);
  const body = personDeclaration(2401);
  const res = await request(pair.xinji.app).post('/v1/declarations').send(body).expect(201);
  holder = { subjectId: res.body.subjectId, jws: res.body.credential.jws, document: (body['applicant'] as { document: IdentityDocument }).document };
  dir = mkdtempSync(join(tmpdir(), 'hcg-code-layouts-'));
});
afterAll(async () => {
  await pair?.close();
  await dispatcher.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * A code of `format` for the holder, as a gateway of that release signed it, with a new binding
 * of the holder's document in `method` — or the binding Xinji holds for the subject ('stored'; its
 * own checkpoint compares a code's binding with it). Recorded as the gateway records the codes it
 * issues, with the status index of the holder's real code (VALID in Xinji's Token Status List).
 */
async function codeIn(format: CodeFormat, method: BindingMethod | 'stored'): Promise<string> {
  const record = await pair.xinji.deps.store.getSubject(holder.subjectId);
  if (!record) throw new Error('no subject');
  const status = (payloadOf(holder.jws)['status'] as { status_list: { idx: number; uri: string } }).status_list;
  const binding = method === 'stored' ? record.binding : await createBinding(holder.document, 10, method);
  const code = await signCredential({ ...record, binding }, 'green', pair.xinji.deps.keystore, {
    issuer: pair.xinji.config.issuer.url, region: '130181', ttlSeconds: 900, now: pair.xinji.clock.ms, format, status,
  });
  await pair.xinji.deps.store.insertCredential({ jti: code.jti, subjectId: record.id, color: 'green', kid: code.kid, issuedAt: code.issuedAt, expiresAt: code.expiresAt, status: 'active', statusAt: null });
  expect(factsOf(code.jws)).toMatchObject({ layout: Number(format.slice(1)), color: 'green', bind: binding });
  return code.jws;
}

const bundle = async (): Promise<string> =>
  (await request(pair.xinji.app).get('/.well-known/health-code-trust').buffer(true).parse((r, done) => {
    let text = '';
    r.on('data', (c: Buffer) => (text += c.toString('utf8')));
    r.on('end', () => done(null, text));
  })).body as string;

const LAYOUTS: Array<[string, CodeFormat, BindingMethod]> = [
  ['layout 1 with an s1 binding', 'v1', 's1'],
  ['layout 2 with an s1 binding', 'v2', 's1'],
  ['layout 3 with an s1 binding (a subject declared before s2)', 'v3', 's1'],
  ['layout 3 with an s2 binding (a subject declared now)', 'v3', 's2'],
];

test('a new code is layout 3 with an s2 binding', () => {
  expect(factsOf(holder.jws)).toMatchObject({ layout: 3, color: 'green', bind: expect.stringMatching(/^s2\./) });
});

describe.each(LAYOUTS)('a code in %s', (_name, format, method) => {
  let jws: string;
  const other: IdentityDocument = { type: 'resident_id', number: '11010519491231002X' };
  beforeAll(async () => {
    jws = await codeIn(format, method);
  });

  test('verifies through the gateway, as the JWS and as the numeric QR text', async () => {
    for (const code of [jws, `shc:/${numericText(jws)}`]) {
      const res = await request(pair.xinji.app).post('/v1/verify').send({ code }).expect(200);
      expect(res.body).toMatchObject({ valid: true, credential: { color: 'green', subject: { nameMasked: expect.stringContaining('*'), documentType: 'resident_id' } } });
    }
  });

  test('passes another city\'s checkpoint with the holder\'s document (its binding computed there) and is denied with another', async () => {
    const scan = (document: IdentityDocument): request.Test =>
      request(pair.hengshui.app).post('/v1/checkpoint/scans').set(asDevice(partnerDevice)).send({ code: jws, document, temperatureC: 36.5 });
    expect((await scan(holder.document).expect(200)).body).toMatchObject({ decision: 'pass', credential: { issuer: { partnerId: 'xinji' } } });
    const denied = (await scan(other).expect(200)).body as Body;
    expect(denied).toMatchObject({ decision: 'deny' });
    expect(denied['reasons']).toContain('document_mismatch');
  });

  test('passes Xinji\'s own checkpoint with the holder\'s document when it carries the binding Xinji holds, and is denied with another', async () => {
    const own = await codeIn(format, 'stored');
    const scan = (document: IdentityDocument): request.Test =>
      request(pair.xinji.app).post('/v1/checkpoint/scans').set(asDevice(device)).send({ code: own, document, temperatureC: 36.5 });
    expect((await scan(holder.document).expect(200)).body).toMatchObject({ decision: 'pass' });
    const denied = (await scan(other).expect(200)).body as Body;
    expect(denied).toMatchObject({ decision: 'deny' });
    expect(denied['reasons']).toContain('document_mismatch');
  });

  test('verifies offline in the verifier library from the trust bundle, matching the holder\'s document only', async () => {
    const pinned = (await request(pair.xinji.app).get('/.well-known/jwks.json')).body.keys as PublicJwk[];
    const store = await TrustStore.create({ pinnedKeys: pinned });
    expect((await store.take(await bundle(), pair.xinji.clock.now())).accepted).toBe(true);
    expect(await store.verify(jws, pair.xinji.clock.now())).toMatchObject({ valid: true, credential: { color: 'green' } });
    expect(await store.decide({ code: jws, document: holder.document, temperatureC: 36.5 }, pair.xinji.clock.now())).toMatchObject({ decision: 'pass' });
    const denied = await store.decide({ code: jws, document: other, temperatureC: 36.5 }, pair.xinji.clock.now());
    expect(denied).toMatchObject({ decision: 'deny' });
    expect((denied as { reasons: string[] }).reasons).toContain('document_mismatch');
  });

  test('verifies at another city\'s gateway that registered Xinji from its metadata', async () => {
    const res = await request(pair.hengshui.app).post('/v1/verify').send({ code: jws }).expect(200);
    expect(res.body).toMatchObject({ valid: true, credential: { color: 'green', issuer: { partnerId: 'xinji' } } });
  });
});

test('the partner self-test, run with the partner entry built from Xinji\'s metadata, accepts samples of every layout', async () => {
  const path = join(dir, 'xinji.json');
  writeFileSync(path, JSON.stringify(pair.registered));
  expect(pair.registered.claimLayouts?.layouts['3']).toMatchObject({ color: '/hc/c', binding: '/hc/b' });
  expect(pair.registered.typAliases).toEqual(['hc+jwt']);
  const codes = await Promise.all(LAYOUTS.map(([, format, method]) => codeIn(format, method)));
  const result = await checkPartner(path, codes, { dispatcher, timeoutMs: 2000, maxBytes: 65536, maxKeys: 20, allowInsecureLoopback: true, clockToleranceSeconds: 60, now: pair.xinji.clock.now });
  expect(result.findings.filter((f) => f.severity === 'fail')).toEqual([]);
  expect(result.findings.filter((f) => f.check === 'sample').map((f) => f.subject)).toEqual(['sample 1', 'sample 2', 'sample 3', 'sample 4']);
});

test('a partner entry from before layout 3 (claims only, one typ) refuses a layout-3 code rather than reading it wrongly', async () => {
  const { claimLayouts: _layouts, typAliases: _aliases, ...before } = pair.registered;
  const path = join(dir, 'xinji-before.json');
  writeFileSync(path, JSON.stringify(before));
  const result = await checkPartner(path, [await codeIn('v3', 's2')], { dispatcher, timeoutMs: 2000, maxBytes: 65536, maxKeys: 20, allowInsecureLoopback: true, clockToleranceSeconds: 60, now: pair.xinji.clock.now });
  expect(result.ready).toBe(false);
  expect(result.findings.map((f) => f.check)).toContain('typ_mismatch');
});
