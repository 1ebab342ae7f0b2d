import { CompactSign, generateKeyPair, type CryptoKey } from 'jose';
import { TRUST_BUNDLE_TYP } from '../../gateway/trust/trust-bundle-typ.js';
import { TRUST_LIST_TYP } from '../../gateway/federation/trust-list-jws.js';
import { readPinnedDocument, type PinnedDocumentType, type PinnedKeyEntry } from '../../gateway/verify/pinned-document.js';

/**
 * The one reader of documents signed with pinned keys, parameterised as the next documents (a
 * token status list, a 通行证) will use it: a typ, a schema, times and a newer-than rule of their
 * own. Each refusal carries the reason the document maps onto its own errors.
 */
interface Pass {
  passId: string;
  version: number;
  expiresAt: string;
}

const NOW = Date.parse('2026-03-16T08:00:00Z');
const PASS: PinnedDocumentType<Pass, Pass> = {
  noun: 'pass',
  typ: 'example-pass+jwt',
  maxChars: 4096,
  checkPayload: (p) => (typeof p['passId'] === 'string' && typeof p['version'] === 'number' && typeof p['expiresAt'] === 'string' ? undefined : 'not a pass'),
  expiresAt: (pass) => pass.expiresAt,
  notNewer: (pass, held) => (pass.version > held.version ? undefined : `version ${pass.version} is not above ${held.version}`),
};

let signer: CryptoKey;
let stranger: CryptoKey;
let pinned: PinnedKeyEntry[];

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signer = pair.privateKey;
  stranger = (await generateKeyPair('ES256')).privateKey;
  pinned = [{ kid: 'pin-1', alg: 'ES256', key: pair.publicKey }];
});

const pass = (over: Partial<Pass> = {}): Pass => ({ passId: 'p-1', version: 2, expiresAt: new Date(NOW + 60_000).toISOString(), ...over });

async function sign(payload: unknown, header: Record<string, unknown> = {}, key: CryptoKey = signer): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', kid: 'pin-1', typ: PASS.typ, ...header })
    .sign(key);
}

const refusal = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => 'accepted', (e: { reason?: string }) => e.reason ?? e);

describe('readPinnedDocument', () => {
  test('takes a document of its typ signed by a pinned key, with the payload segment it was signed with', async () => {
    const jws = await sign(pass());
    const read = await readPinnedDocument(PASS, `  ${jws}\n`, pinned, NOW);
    expect(read.document).toEqual(pass());
    expect(read.payloadSegment).toBe(jws.split('.')[1]);
  });

  test.each([
    ['a trust list', TRUST_LIST_TYP],
    ['a trust bundle', TRUST_BUNDLE_TYP],
    ['a health code', 'JWT'],
  ])('refuses %s signed by the same pinned key as bad_header: one typ per kind of document', async (_what, typ) => {
    expect(await refusal(readPinnedDocument(PASS, await sign(pass(), { typ }), pinned, NOW))).toBe('bad_header');
  });

  test('refuses a key carried in the header, a key it names that is not pinned, and a document naming no key', async () => {
    expect(await refusal(readPinnedDocument(PASS, await sign(pass(), { jwk: { kty: 'EC' } }), pinned, NOW))).toBe('bad_header');
    expect(await refusal(readPinnedDocument(PASS, await sign(pass(), { kid: 'pin-2' }, stranger), pinned, NOW))).toBe('unpinned_key');
    expect(await refusal(readPinnedDocument(PASS, await sign(pass(), { kid: undefined }), pinned, NOW))).toBe('no_kid');
  });

  test('refuses a document signed by another key under the pinned kid as bad_signature, before reading its payload', async () => {
    expect(await refusal(readPinnedDocument(PASS, await sign({ expired: true }, {}, stranger), pinned, NOW))).toBe('bad_signature');
  });

  test('refuses text that is not a compact JWS, and one longer than the document allows, as malformed', async () => {
    expect(await refusal(readPinnedDocument(PASS, '<html>maintenance</html>', pinned, NOW))).toBe('malformed');
    expect(await refusal(readPinnedDocument(PASS, await sign(pass({ passId: 'x'.repeat(4096) })), pinned, NOW))).toBe('malformed');
  });

  test('refuses a payload that is not one JSON object as bad_payload and one the schema refuses as invalid_payload, with its words', async () => {
    expect(await refusal(readPinnedDocument(PASS, await sign([pass()]), pinned, NOW))).toBe('bad_payload');
    await expect(readPinnedDocument(PASS, await sign({ passId: 1 }), pinned, NOW)).rejects.toMatchObject({ reason: 'invalid_payload', detail: 'not a pass' });
  });

  test('refuses a document at its expiresAt as expired, even one newer than the one held', async () => {
    const jws = await sign(pass({ version: 9 }));
    expect(await refusal(readPinnedDocument(PASS, jws, pinned, NOW + 60_000, pass()))).toBe('expired');
    expect(await refusal(readPinnedDocument(PASS, jws, pinned, NOW + 59_999, pass()))).toBe('accepted');
  });

  test("applies the document's own newer-than rule against what is held, and none when nothing is held", async () => {
    const same = await sign(pass({ version: 2 }));
    await expect(readPinnedDocument(PASS, same, pinned, NOW, pass({ version: 2 }))).rejects.toMatchObject({ reason: 'not_newer', detail: 'version 2 is not above 2' });
    await expect(readPinnedDocument(PASS, same, pinned, NOW)).resolves.toMatchObject({ document: { version: 2 } });
    await expect(readPinnedDocument(PASS, same, pinned, NOW, pass({ version: 1 }))).resolves.toMatchObject({ document: { version: 2 } });
  });
});
