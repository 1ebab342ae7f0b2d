import QRCode from 'qrcode';
import request from 'supertest';
import { signCredential } from '../../gateway/issuer/sign-credential.js';
import { numericText, qrSegments } from '../../gateway/issuer/qr-segments.js';
import { createTestGateway, exampleDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { binaryParser, declared, getCode, headerOf, payloadOf, type Body } from './issuer-helpers.js';

/**
 * Issue 24: a code a tired scanner reads at the first try. The code is compact (layout 2, zip
 * "DEF"), drawn in QR numeric mode, and every reader still takes it — and codes of the old layout
 * keep verifying while they may still be valid.
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

test('a new code is under 560 characters: compressed, with an 8-character kid and a 16-character jti', () => {
  expect(subject.jws.length).toBeLessThan(560);
  expect(headerOf(subject.jws)).toMatchObject({ zip: 'DEF', typ: 'health-code+jwt' });
  expect(headerOf(subject.jws)['kid']).toHaveLength(8);
  expect(payloadOf(subject.jws)['jti']).toMatch(/^[A-Za-z0-9_-]{16}$/);
});

test('the QR image is drawn in numeric mode, version 17 or smaller, and its text verifies', async () => {
  // The code is the one the holder holds (issue 18: returned again while half its life is left).
  const jws = (await getCode(gw, subject.subjectId, subject.holderToken)).body.credential.jws as string;
  const res = await getCode(gw, subject.subjectId, subject.holderToken, 'png').buffer(true).parse(binaryParser);
  expect(res.status).toBe(200);
  // Exactly the image of shc:/ + digit pairs in numeric mode (gateway/routes/get-subject-code.ts options).
  const drawn = await QRCode.toBuffer(qrSegments(jws), { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 4 });
  expect(Buffer.compare(res.body as Buffer, drawn)).toBe(0);
  expect(QRCode.create(qrSegments(jws), { errorCorrectionLevel: 'M' }).version).toBeLessThanOrEqual(17);
  // What a scanner reads from it (ZXing's getText(): the segments' text) verifies.
  expect(await verifyCode(`shc:/${numericText(jws)}`)).toMatchObject({ valid: true, credential: { color: 'green' } });
});

test('a code in the first layout (plain payload, sub, nbf, UUID jti) still verifies, as one issued before an upgrade would', async () => {
  const record = await gw.deps.store.getSubject(subject.subjectId);
  if (!record) throw new Error('no subject');
  const old = await signCredential(record, 'green', gw.deps.keystore, { issuer: gw.config.issuer.url, region: '130181', ttlSeconds: 900, now: gw.clock.ms, format: 'v1' });
  // Recorded as the gateway recorded every code it issued before the upgrade (declarations/code-issuer.ts).
  await gw.deps.store.insertCredential({ jti: old.jti, subjectId: record.id, color: 'green', kid: old.kid, issuedAt: old.issuedAt, expiresAt: old.expiresAt, status: 'active', statusAt: null });
  expect(headerOf(old.jws)['zip']).toBeUndefined();
  expect(payloadOf(old.jws)).toMatchObject({ sub: subject.subjectId, hc: { v: 1, region: '130181' } });
  const verdict = await verifyCode(old.jws);
  expect(verdict['error']).toBeUndefined();
  expect(verdict).toMatchObject({ valid: true, credential: { color: 'green', credentialId: old.jti } });
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
  expect(meta.body).toMatchObject({ zip: 'optional', code_layouts: [1, 2] });
});
