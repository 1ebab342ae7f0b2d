import QRCode from 'qrcode';
import request from 'supertest';
import { createBinding } from '../../gateway/identity/binding.js';
import { maskDocumentNumber, maskName } from '../../gateway/identity/documents.js';
import { signCredential, type CodeFormat } from '../../gateway/issuer/sign-credential.js';
import { numericText, qrSegments } from '../../gateway/issuer/qr-segments.js';
import { STATUS_LIST_SIZE } from '../../gateway/status-list/allocate-index.js';
import { tokenStatusListUri } from '../../gateway/status-list/own-status-list.js';
import type { SubjectRecord } from '../../gateway/store/store.js';
import { createTestGateway, exampleDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { binaryParser, declared, factsOf, getCode, headerOf, payloadOf, type Body } from './issuer-helpers.js';

/**
 * Issue 24: a code a tired scanner reads at the first try. The code is compact (layout 3: zip
 * "DEF", short claim names, typ hc+jwt, an s2 binding), drawn in QR numeric mode, at QR version 15
 * or smaller at error correction M with its status claim, and every reader still takes it — and
 * codes of layouts 1 and 2 keep verifying while they may still be valid.
 */

let gw: TestGateway;
let subject: { subjectId: string; holderToken: string; jws: string };
beforeAll(async () => {
  gw = await createTestGateway();
  subject = await declared(gw, exampleDeclaration());
});
afterAll(async () => {
  await gw.close();
});

async function verifyCode(code: string): Promise<Body> {
  const res = await request(gw.app).post('/v1/verify').send({ code });
  expect(res.status).toBe(200);
  return res.body as Body;
}

test('a new code is layout 3: compressed, typ hc+jwt, one-letter names in hc, an s2 binding, an 8-character kid and a 12-character jti', () => {
  expect(subject.jws.length).toBeLessThan(500);
  expect(headerOf(subject.jws)).toMatchObject({ zip: 'DEF', typ: 'hc+jwt' });
  expect(headerOf(subject.jws)['kid']).toHaveLength(8);
  const payload = payloadOf(subject.jws);
  expect(payload['jti']).toMatch(/^[A-Za-z0-9_-]{12}$/);
  expect(Object.keys(payload['hc'] as Body).sort()).toEqual(['b', 'c', 'd', 'n', 't', 'v']);
  expect(payload['hc']).toMatchObject({ v: 3, c: 'green', n: '张*猛', t: 'resident_id' });
  expect(factsOf(subject.jws).bind).toMatch(/^s2\.\d{2}\.[\w-]{16}\.[\w-]{22}$/);
  // The Token Status List claim keeps the draft's names (draft-ietf-oauth-status-list §6.1).
  expect(payload['status']).toEqual({ status_list: { idx: expect.any(Number), uri: tokenStatusListUri(gw.config.issuer.url) } });
});

/**
 * Codes as the gateway signs them for many people, with the status claim of the issuer URL the
 * bench uses (https://gateway.xinji.example, bench/run.ts) and the highest index the list has
 * (7 digits): the QR version is counted with the segments the pages draw (qr-segments.ts).
 */
async function largestVersion(format: CodeFormat, binding: 's1' | 's2', people: number): Promise<{ version: number; chars: number }> {
  const issuer = 'https://gateway.xinji.example';
  const names = ['张永猛', '李娜', '欧阳修文', '王小明', 'Alexander Hamilton-Smith', '阿卜杜热合曼·买买提'];
  let version = 0;
  let chars = 0;
  for (let i = 0; i < people; i++) {
    const number = `1301811990030${String(1000 + i).slice(-4)}${'0123456789X'[i % 11]}`;
    const subject = {
      id: `sub_${i}`, documentType: 'resident_id', documentKey: '', identityKey: '', holderTokenHash: '',
      nameMasked: maskName(names[i % names.length]!), documentMasked: maskDocumentNumber(number),
      // logN 10: the binding's text has the same length as at the production cost (two digits).
      binding: await createBinding({ type: 'resident_id', number }, 10, binding),
      declaration: {} as SubjectRecord['declaration'], declaredAt: 0, modifiedDay: null, createdAt: 0,
    } as SubjectRecord;
    const code = await signCredential(subject, i % 3 === 0 ? 'yellow' : 'green', gw.deps.keystore, {
      issuer, region: '130181', ttlSeconds: 900, now: Date.UTC(2026, 11, 7) + i * 1000, format,
      status: { idx: STATUS_LIST_SIZE - 1 - i, uri: tokenStatusListUri(issuer) },
    });
    version = Math.max(version, QRCode.create(qrSegments(code.jws), { errorCorrectionLevel: 'M' }).version);
    chars = Math.max(chars, code.jws.length);
  }
  return { version, chars };
}

test('a layout-3 code with its status claim and an s2 binding is QR version 15 or smaller at error correction M (77×77); layout 2 was not', async () => {
  // 240 people: the compressed payload's length varies with its random bytes (salt, hash, jti,
  // signature), so the largest of many codes is what must fit — a CI run once drew one past v15.
  const now = await largestVersion('v3', 's2', 240);
  expect(now.version).toBeLessThanOrEqual(15);
  // Version 15 holds 486 characters in numeric mode (of 1,000 such codes the largest was 482).
  expect(now.chars).toBeLessThanOrEqual(486);
  // The same people and status claims in layout 2 (long names, s1 binding) needed version 17.
  expect((await largestVersion('v2', 's1', 6)).version).toBeGreaterThan(15);
}, 60_000);

test('the QR image is drawn in numeric mode, version 15 or smaller, and its text verifies', async () => {
  // The code is the one the holder holds (issue 18: returned again while half its life is left).
  const jws = (await getCode(gw, subject.subjectId, subject.holderToken)).body.credential.jws as string;
  const res = await getCode(gw, subject.subjectId, subject.holderToken, 'png').buffer(true).parse(binaryParser);
  expect(res.status).toBe(200);
  // Exactly the image of shc:/ + digit pairs in numeric mode (gateway/routes/get-subject-code.ts options).
  const drawn = await QRCode.toBuffer(qrSegments(jws), { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 4 });
  expect(Buffer.compare(res.body as Buffer, drawn)).toBe(0);
  expect(QRCode.create(qrSegments(jws), { errorCorrectionLevel: 'M' }).version).toBeLessThanOrEqual(15);
  // What a scanner reads from it (ZXing's getText(): the segments' text) verifies.
  expect(await verifyCode(`shc:/${numericText(jws)}`)).toMatchObject({ valid: true, credential: { color: 'green' } });
});

test.each<[string, CodeFormat, 's1' | 's2']>([
  ['the first layout (plain payload, sub, nbf, UUID jti, typ health-code+jwt, s1 binding)', 'v1', 's1'],
  ['layout 2 (compressed, long names in hc, typ health-code+jwt, s1 binding)', 'v2', 's1'],
  ['layout 3 with the s1 binding of a subject declared before s2', 'v3', 's1'],
])('a code in %s still verifies, as one issued before an upgrade would', async (_name, format, method) => {
  const record = await gw.deps.store.getSubject(subject.subjectId);
  if (!record) throw new Error('no subject');
  const holder = { ...record, binding: await createBinding({ type: 'resident_id', number: '130181199003071239' }, 10, method) };
  const old = await signCredential(holder, 'green', gw.deps.keystore, { issuer: gw.config.issuer.url, region: '130181', ttlSeconds: 900, now: gw.clock.ms, format });
  // Recorded as the gateway recorded every code it issued before the upgrade (declarations/code-issuer.ts).
  await gw.deps.store.insertCredential({ jti: old.jti, subjectId: record.id, color: 'green', kid: old.kid, issuedAt: old.issuedAt, expiresAt: old.expiresAt, status: 'active', statusAt: null });
  if (format === 'v1') {
    expect(headerOf(old.jws)['zip']).toBeUndefined();
    expect(payloadOf(old.jws)).toMatchObject({ sub: subject.subjectId, hc: { v: 1, region: '130181' } });
  }
  expect(factsOf(old.jws)).toMatchObject({ layout: Number(format.slice(1)), color: 'green', name: '张*猛', bind: holder.binding });
  const verdict = await verifyCode(old.jws);
  expect(verdict['error']).toBeUndefined();
  expect(verdict).toMatchObject({ valid: true, credential: { color: 'green', credentialId: old.jti, subject: { nameMasked: '张*猛', documentType: 'resident_id' } } });
  expect(await verifyCode(`shc:/${numericText(old.jws)}`)).toMatchObject({ valid: true });
});

test('a compressed payload under a header without zip is refused, never read as claims', async () => {
  const [h, p, s] = subject.jws.split('.') as [string, string, string];
  const header = { ...headerOf(subject.jws) };
  delete header['zip'];
  const stripped = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${p}.${s}`;
  expect(h).not.toBe(stripped.split('.')[0]);
  const body = await verifyCode(stripped);
  expect(body['valid']).toBe(false);
  expect((body['error'] as Body)['code']).toMatch(/^ERR_/);
});

test('the issuer metadata tells partners that codes may be compressed and which layouts are in use', async () => {
  const meta = await request(gw.app).get('/.well-known/health-code-issuer');
  expect(meta.body).toMatchObject({ zip: 'optional', code_layouts: [1, 2, 3], typ: 'health-code+jwt', typ_aliases: ['hc+jwt'] });
  // Each layout's pointers, by the layout number every layout carries at /hc/v.
  expect(meta.body.claim_layouts).toEqual({
    pointer: '/hc/v',
    layouts: {
      '1': meta.body.claims,
      '2': meta.body.claims,
      '3': { color: '/hc/c', nameMasked: '/hc/n', documentMasked: '/hc/d', documentType: '/hc/t', binding: '/hc/b', credentialId: '/jti' },
    },
  });
  expect(meta.body.claims).toMatchObject({ color: '/hc/color', binding: '/hc/bind' });
});

test('CODE_LAYOUT=2 keeps signing layout 2 with s1 bindings while partners move, and both kinds of code verify', async () => {
  const staged = await createTestGateway({ overrides: { issuer: { ...gw.config.issuer, codeLayout: 2 } } });
  try {
    const person = await declared(staged, exampleDeclaration());
    expect(headerOf(person.jws)).toMatchObject({ zip: 'DEF', typ: 'health-code+jwt' });
    expect(payloadOf(person.jws)['hc']).toMatchObject({ v: 2, color: 'green' });
    expect(factsOf(person.jws).bind).toMatch(/^s1\./);
    const res = await request(staged.app).post('/v1/verify').send({ code: person.jws });
    expect(res.body).toMatchObject({ valid: true, credential: { color: 'green' } });
  } finally {
    await staged.close();
  }
  const { loadConfig } = await import('../../gateway/config/load-config.js');
  expect(loadConfig({}).issuer.codeLayout).toBe(3);
  expect(loadConfig({ CODE_LAYOUT: '2' }).issuer.codeLayout).toBe(2);
  expect(() => loadConfig({ CODE_LAYOUT: '1' })).toThrow(/CODE_LAYOUT/);
});
