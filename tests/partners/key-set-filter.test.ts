import { generateKeyPairSync } from 'node:crypto';
import { toVerificationKeys } from '../../gateway/partners/jwk-filter.js';
import { jwksEntries } from '../../gateway/partners/jwks-shape.js';
import { findKey } from '../../gateway/partners/key-lookup.js';
import { KEY_SKIP_REASON_CODES } from '../../gateway/partners/key-skip-reasons.js';
import { testKey } from './fixtures.js';

/**
 * Issue 9, item 3: one odd part of a partner's key set must not silence the city. Each key is
 * judged on its own, with a stable reason; keys that would let anyone forge codes are refused.
 */
const hex = (h: string): string => Buffer.from(h, 'hex').toString('base64url');

/** The 8 canonical encodings of the small-order points of edwards25519 (libsodium's and Wycheproof's list). */
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000', // identity
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080', // order 4
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
];

function rsaJwk(): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), alg: 'RS256' };
}

describe('the partner key filter', () => {
  it('keeps the stable list of skip reasons the partner self-test and the metrics rely on', () => {
    expect(KEY_SKIP_REASON_CODES).toEqual([
      'malformed', 'unsupported_kty', 'kid_invalid', 'not_for_signing', 'alg_not_pinned', 'type_mismatch',
      'rsa_alg_ambiguous', 'rsa_too_short', 'rsa_weak_exponent', 'ed25519_small_order', 'duplicate_kid', 'not_importable',
    ]);
  });

  it('ignores unknown members of the set and skips an AKP key, a 200-character kid and an encryption key one by one, keeping the good key', async () => {
    const good = await testKey('good');
    const enc = await testKey('enc', 'ES256', { use: 'enc' });
    const long = await testKey('x'.repeat(200));
    const set = {
      issuer: 'https://healthkit.beijing.example', updated_at: 1764201600,
      keys: [{ kty: 'AKP', alg: 'ML-DSA-44', kid: 'pq', pub: 'A'.repeat(1700) }, long.publicJwk, enc.publicJwk, 'not a key', good.publicJwk],
    };
    const entries = jwksEntries(set);
    expect(Array.isArray(entries)).toBe(true);
    const { keys, skipped } = await toVerificationKeys(entries as unknown[], ['ES256']);
    expect(keys.map((k) => k.kid)).toEqual(['good']);
    expect(skipped).toEqual([
      { index: 0, kid: 'pq', reason: 'unsupported_kty' },
      { index: 1, kid: 'x'.repeat(128), reason: 'kid_invalid' },
      { index: 2, kid: 'enc', reason: 'not_for_signing' },
      { index: 3, kid: null, reason: 'malformed' },
    ]);
  });

  it('still refuses a whole set that publishes a private key member', () => {
    expect(jwksEntries({ keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }, { kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'secret' }] })).toBe('/keys/1/d is a private key member');
    expect(jwksEntries({ keys: 'none' })).toBe('/keys must be an array');
  });

  it('keeps two keys of different types under one kid (RFC 7517 §4.5) and lets the code\'s alg choose', async () => {
    const ec = await testKey('shared', 'ES256');
    const ed = await testKey('shared', 'EdDSA');
    const { keys, skipped } = await toVerificationKeys([ec.publicJwk, ed.publicJwk], ['ES256', 'EdDSA']);
    expect(skipped).toEqual([]);
    expect(findKey(keys, 'shared', 'ES256')).toMatchObject({ kid: 'shared', alg: 'ES256', jwk: { kty: 'EC' } });
    expect(findKey(keys, 'shared', 'EdDSA')).toMatchObject({ kid: 'shared', alg: 'EdDSA', jwk: { kty: 'OKP' } });
  });

  it.each([
    ['1', 'AQ'], ['2', 'Ag'], ['3', 'Aw'], ['an even 65538', hex('010002')], ['65535', hex('00ffff')], ['17', 'EQ'],
  ])('refuses an RSA key with public exponent %s and keeps the partner\'s other key', async (_what, e) => {
    const good = await testKey('good');
    const { keys, skipped } = await toVerificationKeys([{ ...rsaJwk(), e, kid: 'weak' }, good.publicJwk], ['ES256', 'RS256']);
    expect(keys.map((k) => k.kid)).toEqual(['good']);
    expect(skipped).toEqual([{ index: 0, kid: 'weak', reason: 'rsa_weak_exponent' }]);
  });

  it('accepts an RSA key with e = 65537', async () => {
    const { keys } = await toVerificationKeys([{ ...rsaJwk(), kid: 'f4' }], ['RS256']);
    expect(keys.map((k) => `${k.kid} ${k.alg}`)).toEqual(['f4 RS256']);
  });

  it.each(SMALL_ORDER.map((h, i) => [i, h]))('refuses small-order Ed25519 public key #%i and keeps the partner\'s other key', async (_i, h) => {
    const good = await testKey('good', 'EdDSA');
    const { keys, skipped } = await toVerificationKeys([{ kty: 'OKP', crv: 'Ed25519', x: hex(h), kid: 'torsion' }, good.publicJwk], ['EdDSA']);
    expect(keys.map((k) => k.kid)).toEqual(['good']);
    expect(skipped).toEqual([{ index: 0, kid: 'torsion', reason: 'ed25519_small_order' }]);
  });

  it('finds the only key for the algorithm of a code without kid, and refuses to guess between two', async () => {
    const a = await testKey('a');
    const b = await testKey('b');
    const one = (await toVerificationKeys([a.publicJwk], ['ES256'])).keys;
    expect(findKey(one, undefined, 'ES256')).toMatchObject({ kid: 'a' });
    expect(findKey(one, undefined, 'EdDSA')).toBe('unknown');
    const two = (await toVerificationKeys([a.publicJwk, b.publicJwk], ['ES256'])).keys;
    expect(() => findKey(two, undefined, 'ES256')).toThrow(expect.objectContaining({ code: 'ERR_JWS_HEADER_INVALID' }));
  });
});
