import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { TestGateway } from '../helpers/test-gateway.js';
import { metricLabelViolations } from '../helpers/metric-labels.js';
import { newKey, PartnerCity, type CityKey } from './partner-city.js';
import { BEIJING } from './profiles.js';
import { gatewayWith, metric, partnerStatus, verdict } from './setup.js';

/**
 * Issue 9, item 3, seen from outside the gateway: a real city on loopback publishes a key set with
 * odd parts; its good keys keep working, and the operator sees every skipped key and every refused
 * set in GET /v1/partners, in /metrics and in the log.
 */
const document = { type: 'resident_id' as const, number: '110101199001010028' };
let city: PartnerCity;
let gw: TestGateway;
let logLines: Array<Record<string, unknown>>;

const logger = () => {
  logLines = [];
  return pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { logLines.push(JSON.parse(String(chunk))); done(); } }));
};

afterEach(async () => {
  await gw?.close();
  await city?.close();
});

async function start(keys: Array<Record<string, unknown>>, extra: Parameters<PartnerCity['partner']>[0] = {}, setMembers: Record<string, unknown> = {}): Promise<void> {
  city = await PartnerCity.start(BEIJING);
  city.published = [city.signingKey, ...keys.map((publicJwk) => ({ publicJwk }) as unknown as CityKey)];
  city.setMembers = setMembers;
  gw = await gatewayWith([city.partner(extra)], { logger: logger() });
}

const green = (options: { kid?: string; key?: CityKey; ttlSeconds?: number; header?: Record<string, unknown> } = {}): Promise<string> =>
  city.code({ color: '未见异常', now: gw.clock.now(), document, ...options });

describe('a partner key set with parts the gateway cannot use', () => {
  it('keeps verifying the city when its set also holds unknown members, an AKP key, a 200-character kid and an encryption key, and says why each was skipped', async () => {
    const enc = await newKey('ES256');
    const long = await newKey('ES256');
    await start(
      [{ kty: 'AKP', alg: 'ML-DSA-44', kid: 'pq-1', pub: 'A'.repeat(1700) }, { ...long.publicJwk, kid: 'k'.repeat(200) }, { ...enc.publicJwk, use: 'enc' }],
      {},
      { issuer: 'https://beijing.example', updated_at: '2026-12-01T00:00:00Z' },
    );
    expect(await verdict(gw, await green())).toBe('valid');
    const status = await partnerStatus(gw, 'beijing');
    expect(status).toMatchObject({ keyCount: 1, lastErrorCode: null, lastErrorReason: null });
    expect(status.skippedKeys).toEqual([
      { index: 1, kid: 'pq-1', reason: 'unsupported_kty' },
      { index: 2, kid: 'k'.repeat(128), reason: 'kid_invalid' },
      { index: 3, kid: enc.kid, reason: 'not_for_signing' },
    ]);
    for (const reason of ['unsupported_kty', 'kid_invalid', 'not_for_signing']) {
      expect(await metric(gw, 'gateway_partner_keys_skipped', { partner: 'beijing', reason })).toBe(1);
    }
    const line = logLines.find((l) => l['msg'] === 'partner key set: keys skipped');
    expect(line).toMatchObject({ partner: 'beijing', skipped: [{ index: 1, reason: 'unsupported_kty' }, { index: 2, reason: 'kid_invalid' }, { index: 3, reason: 'not_for_signing' }] });
    expect(await metricLabelViolations(gw)).toEqual([]);
  });

  it('refuses keys that let anyone forge codes (RSA e = 3, the Ed25519 identity) when the set is loaded, and the city\'s own key keeps working', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsa = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), e: 'Aw', kid: 'rsa-e3', alg: 'RS256' };
    const identity = Buffer.alloc(32);
    identity[0] = 1;
    await start([rsa, { kty: 'OKP', crv: 'Ed25519', x: identity.toString('base64url'), kid: 'ed-identity' }], { algorithms: ['ES256', 'EdDSA', 'RS256'] });
    expect(await verdict(gw, await green())).toBe('valid');
    // A "signature" under the identity key: R = identity, S = 0. Never looked up, let alone verified.
    const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const payload = await city.payload({ color: '未见异常', now: gw.clock.now(), document });
    const forged = `${b64({ alg: 'EdDSA', kid: 'ed-identity', typ: BEIJING.typ })}.${b64(payload)}.${Buffer.concat([identity, Buffer.alloc(32)]).toString('base64url')}`;
    expect(await verdict(gw, forged)).toBe('ERR_KID_UNKNOWN');
    const status = await partnerStatus(gw, 'beijing');
    expect(status.keyCount).toBe(1);
    expect(status.skippedKeys).toEqual([
      { index: 1, kid: 'rsa-e3', reason: 'rsa_weak_exponent' },
      { index: 2, kid: 'ed-identity', reason: 'ed25519_small_order' },
    ]);
    expect(await metric(gw, 'gateway_partner_keys_skipped', { partner: 'beijing', reason: 'rsa_weak_exponent' })).toBe(1);
    expect(await metric(gw, 'gateway_partner_keys_skipped', { partner: 'beijing', reason: 'ed25519_small_order' })).toBe(1);
  });

  it('shows a refused key set with its reason and every skipped key, counts it, and logs it', async () => {
    city = await PartnerCity.start(BEIJING);
    city.published = [{ publicJwk: { ...city.signingKey.publicJwk, use: 'enc' } } as unknown as CityKey];
    gw = await gatewayWith([city.partner()], { logger: logger() });
    expect(await verdict(gw, await green())).toBe('ERR_KEYS_UNAVAILABLE');
    expect(await partnerStatus(gw, 'beijing')).toMatchObject({
      keyCount: 0, lastErrorCode: 'ERR_KEYS_UNAVAILABLE', lastErrorReason: 'no_usable_key',
      skippedKeys: [{ index: 0, kid: city.signingKey.kid, reason: 'not_for_signing' }],
    });
    expect(await metric(gw, 'gateway_partner_key_sets_refused_total', { partner: 'beijing', reason: 'no_usable_key' })).toBe(1);
    expect(logLines.find((l) => l['msg'] === 'partner key set refused')).toMatchObject({ partner: 'beijing', refused: 'no_usable_key', skipped: [{ index: 0, reason: 'not_for_signing' }] });
  });
});

describe('kid, optional and shared', () => {
  it('verifies a code without kid while the city publishes one key for its algorithm, and asks for a kid once it publishes two', async () => {
    await start([]);
    const withoutKid = async (): Promise<string> => city.sign(await city.payload({ color: '未见异常', now: gw.clock.now(), document }), { header: { kid: undefined } });
    expect(await verdict(gw, await withoutKid())).toBe('valid');
    // The city adds a second key; once the gateway has refreshed, a code without kid is ambiguous.
    // (A code naming the new kid makes the gateway refetch at once.)
    await city.rotate();
    expect(await verdict(gw, await green())).toBe('valid');
    expect((await partnerStatus(gw, 'beijing')).keyCount).toBe(2);
    expect(await verdict(gw, await withoutKid())).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('chooses by the code\'s alg between an EC and an Ed25519 key that share one kid (RFC 7517 §4.5)', async () => {
    await start([], { algorithms: ['ES256', 'EdDSA'] });
    const ec = city.signingKey;
    const ed = await newKey('EdDSA');
    city.published = [{ ...ec, publicJwk: { ...ec.publicJwk, kid: 'shared' } }, { ...ed, publicJwk: { ...ed.publicJwk, kid: 'shared' } }];
    expect(await verdict(gw, await green({ kid: 'shared' }))).toBe('valid');
    expect(await verdict(gw, await green({ kid: 'shared', key: ed }))).toBe('valid');
    expect(await partnerStatus(gw, 'beijing')).toMatchObject({ keyCount: 2, skippedKeys: [] });
  });
});

describe('the lifetime of a partner code', () => {
  it('refuses a genuinely signed code whose exp is a century ahead, or whose iat is 0, and honours the partner\'s maxLifetimeSeconds', async () => {
    await start([], { maxLifetimeSeconds: 3600 });
    expect(await verdict(gw, await green({ ttlSeconds: 900 }))).toBe('valid');
    expect(await verdict(gw, await green({ ttlSeconds: 7200 }))).toBe('ERR_TOKEN_LIFETIME_TOO_LONG');
    const now = Math.floor(gw.clock.now() / 1000);
    const century = { ...(await city.payload({ color: '未见异常', now: gw.clock.now(), document })), exp: now + 100 * 365 * 86400 };
    expect(await verdict(gw, await city.sign(century))).toBe('ERR_TOKEN_LIFETIME_TOO_LONG');
    const epoch = { ...(await city.payload({ color: '未见异常', now: gw.clock.now(), document })), iat: 0 };
    expect(await verdict(gw, await city.sign(epoch))).toBe('ERR_TOKEN_LIFETIME_TOO_LONG');
  });

  it('applies a default of 7 days to a partner file without maxLifetimeSeconds', async () => {
    await start([]);
    expect(await verdict(gw, await green({ ttlSeconds: 7 * 86400 }))).toBe('valid');
    expect(await verdict(gw, await green({ ttlSeconds: 7 * 86400 + 3600 }))).toBe('ERR_TOKEN_LIFETIME_TOO_LONG');
  });
});
