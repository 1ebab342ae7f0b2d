import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, importJWK } from 'jose';
import { readPinnedKeys, signTrustList, TRUST_LIST_TYP, verifyTrustList } from '../../gateway/federation/trust-list-jws.js';
import type { VerificationKey } from '../../gateway/partners/key-source.js';
import { TestClock } from '../helpers/test-gateway.js';
import { federationKey, writePinnedKeys, type FederationKey } from './trust-list-server.js';

/**
 * What a trust list must be before any gateway looks at its members: explicitly typed, signed by
 * a pinned key with the algorithm that key is pinned for, a payload of the schema, not expired.
 */
const clock = new TestClock();
let dir: string;
let key: FederationKey;
let pinned: VerificationKey[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hcg-trust-jws-'));
  key = await federationKey();
  pinned = await readPinnedKeys(writePinnedKeys(dir, [key]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function signRaw(header: Record<string, unknown>, payload: unknown, with_: FederationKey = key): Promise<string> {
  const alg = String(header['alg'] ?? 'ES256');
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header as { alg: string })
    .sign(await importJWK(with_.privateJwk, alg));
}

const payload = (): Record<string, unknown> => ({ sequence: 1, generatedAt: new Date(clock.now()).toISOString(), expiresAt: new Date(clock.now() + 3_600_000).toISOString(), members: [] });

describe('verifyTrustList', () => {
  it('accepts a list signed by the pinned key and returns its payload', async () => {
    const jws = await signTrustList([], key.privateJwk, { sequence: 3, now: clock.now(), ttlSeconds: 600 });
    await expect(verifyTrustList(jws, pinned, clock.now())).resolves.toMatchObject({ sequence: 3, members: [] });
  });

  it.each([
    ['another typ (a health code or any other JWS of the same key)', { typ: 'JWT' }],
    ['no typ', { typ: undefined }],
    ['a key carried in the header', { jwk: { kty: 'EC' } }],
  ])('refuses a header with %s as bad_header', async (_what, change) => {
    const header = { alg: 'ES256', kid: key.publicJwk.kid, typ: TRUST_LIST_TYP, ...change };
    const jws = await signRaw(JSON.parse(JSON.stringify(header)) as Record<string, unknown>, payload());
    await expect(verifyTrustList(jws, pinned, clock.now())).rejects.toMatchObject({ reason: 'bad_header' });
  });

  it('refuses a crit extension as bad_header, before looking at the signature (RFC 7515 §4.1.11)', async () => {
    const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const jws = `${b64({ alg: 'ES256', kid: key.publicJwk.kid, typ: TRUST_LIST_TYP, crit: ['urn:x'], 'urn:x': 1 })}.${b64(payload())}.${Buffer.alloc(64).toString('base64url')}`;
    await expect(verifyTrustList(jws, pinned, clock.now())).rejects.toMatchObject({ reason: 'bad_header' });
  });

  it('refuses a pinned kid used with another algorithm as unpinned_key', async () => {
    const ed = await federationKey('EdDSA');
    const jws = await signRaw({ alg: 'EdDSA', kid: key.publicJwk.kid, typ: TRUST_LIST_TYP }, payload(), ed);
    await expect(verifyTrustList(jws, pinned, clock.now())).rejects.toMatchObject({ reason: 'unpinned_key' });
  });

  it('refuses a validly signed payload that breaks the schema as invalid_list, naming the path', async () => {
    const jws = await signRaw({ alg: 'ES256', kid: key.publicJwk.kid, typ: TRUST_LIST_TYP }, { ...payload(), members: [{ id: 'x' }] });
    await expect(verifyTrustList(jws, pinned, clock.now())).rejects.toMatchObject({ reason: 'invalid_list', detail: expect.stringContaining('/members/0') });
  });

  it('refuses a list at or past its expiresAt', async () => {
    const jws = await signTrustList([], key.privateJwk, { sequence: 1, now: clock.now(), ttlSeconds: 60 });
    await expect(verifyTrustList(jws, pinned, clock.now() + 60_000)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('refuses text that is not a compact JWS as malformed', async () => {
    await expect(verifyTrustList('<html>maintenance</html>', pinned, clock.now())).rejects.toMatchObject({ reason: 'malformed' });
    const [h, p, sig] = (await signTrustList([], key.privateJwk, { sequence: 1, now: clock.now(), ttlSeconds: 60 })).split('.');
    const duplicateNames = Buffer.from('{"alg":"ES256","alg":"ES256"}').toString('base64url');
    for (const offered of [`${h}.${p}.${sig}.${sig}`, `${h}.${p}=.${sig}`, `${duplicateNames}.${p}.${sig}`]) {
      await expect(verifyTrustList(offered, pinned, clock.now())).rejects.toMatchObject({ reason: 'malformed' });
    }
  });

  it('a pinned-keys file without a usable public key stops the start, saying why', async () => {
    const path = join(dir, 'empty.json');
    writeFileSync(path, JSON.stringify({ keys: [] }));
    await expect(readPinnedKeys(path)).rejects.toThrow(/no usable key/);
  });
});
