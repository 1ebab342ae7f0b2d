import { createVerifier, type VerifyOutcome } from '../../gateway/verify/verify-code.js';
import type { Partner } from '../../gateway/types/schemas.js';
import { beijingClaims, FakeKeySource, makeKey, makePartner, signToken, T0, T0S, type TestKey } from './fixtures.js';

const TOLERANCE = 60;

let es: TestKey;
let ed: TestKey;
let other: TestKey;
let beijing: Partner;
let shanghai: Partner;
let suspended: Partner;

beforeAll(async () => {
  [es, ed, other] = await Promise.all([makeKey('ES256'), makeKey('EdDSA'), makeKey('ES256')]);
  beijing = makePartner();
  shanghai = makePartner({ id: 'shanghai', name: 'Shanghai Suishenma', region: '310000', issuer: 'https://codes.shanghai.example', jwksUri: 'https://codes.shanghai.example/jwks.json' });
  suspended = makePartner({ id: 'suspended', issuer: 'https://codes.suspended.example', status: 'suspended' });
});

function setup(nowMs = T0) {
  const partners = [beijing, shanghai, suspended];
  const keySource = new FakeKeySource({ beijing: [es.publicJwk, ed.publicJwk], shanghai: [other.publicJwk], suspended: [es.publicJwk] });
  const verify = createVerifier({
    registry: { byIssuer: (iss) => partners.find((p) => p.issuer === iss) },
    keySource,
    now: () => nowMs,
    clockToleranceSeconds: TOLERANCE,
  });
  return { verify, keySource };
}

function errorCode(outcome: VerifyOutcome): string | undefined {
  return outcome.valid ? undefined : outcome.error.code;
}

describe('createVerifier', () => {
  it('accepts a valid ES256 code and returns the normalised credential, partner and jti', async () => {
    const { verify } = setup();
    const outcome = await verify(await signToken({ key: es, payload: beijingClaims({ sub: { binding: 'b', name: '张*猛' } }) }));
    expect(outcome.valid).toBe(true);
    if (!outcome.valid) return;
    expect(outcome.credential.color).toBe('green');
    expect(outcome.credential.issuer).toEqual({ partnerId: 'beijing', name: 'Beijing Health Kit', region: '110000', iss: beijing.issuer });
    expect(outcome.partner.id).toBe('beijing');
    expect(outcome.jti).toBe('bj-0001');
    expect(outcome.binding).toBe('b');
    expect(outcome.credential).not.toHaveProperty('binding');
  });

  it('accepts a valid EdDSA code', async () => {
    const { verify } = setup();
    const outcome = await verify(await signToken({ key: ed, payload: beijingClaims({ hc: { status: '居家观察' } }) }));
    expect(outcome.valid && outcome.credential.color).toBe('yellow');
  });

  it('refuses a code whose iss is one partner while its kid is another partner\'s key', async () => {
    const { verify, keySource } = setup();
    const token = await signToken({ key: es, payload: beijingClaims({ iss: shanghai.issuer }) });
    expect(errorCode(await verify(token))).toBe('ERR_KID_UNKNOWN');
    expect(keySource.calls).toEqual([{ partnerId: 'shanghai', kid: es.kid, alg: 'ES256' }]);
  });

  it('refuses an unknown issuer without looking up any key', async () => {
    const { verify, keySource } = setup();
    const token = await signToken({ key: es, payload: beijingClaims({ iss: 'https://attacker.example' }) });
    expect(errorCode(await verify(token))).toBe('ERR_ISSUER_UNKNOWN');
    expect(keySource.calls).toHaveLength(0);
  });

  it('refuses a suspended issuer without looking up any key', async () => {
    const { verify, keySource } = setup();
    const token = await signToken({ key: es, payload: beijingClaims({ iss: suspended.issuer }) });
    expect(errorCode(await verify(token))).toBe('ERR_ISSUER_SUSPENDED');
    expect(keySource.calls).toHaveLength(0);
  });

  it('refuses an algorithm outside the issuer allowlist before fetching a key', async () => {
    const { verify, keySource } = setup();
    const token = await signToken({ key: es, header: { alg: 'ES384' }, payload: beijingClaims() });
    expect(errorCode(await verify(token))).toBe('ERR_JWS_ALG_NOT_ALLOWED');
    expect(keySource.calls).toHaveLength(0);
  });

  it('refuses a signature when the key handed out is of another type than the header alg', async () => {
    // A lax key source that ignores alg: the verifier itself must still never use an Ed25519 key for ES256.
    const keySource = new FakeKeySource({ beijing: [{ ...ed.publicJwk, alg: undefined }] });
    const lax = Object.assign(keySource, {
      getKey: (partner: Partner, kid: string) => FakeKeySource.prototype.getKey.call(keySource, partner, kid, 'EdDSA'),
    });
    const verify = createVerifier({ registry: { byIssuer: () => beijing }, keySource: lax, now: () => T0, clockToleranceSeconds: 0 });
    const token = await signToken({ key: es, header: { kid: ed.kid }, payload: beijingClaims() });
    expect(errorCode(await verify(token))).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  describe('time claims, with a 60 s tolerance', () => {
    const at = async (claims: Record<string, unknown>, nowMs: number) =>
      setup(nowMs).verify(await signToken({ key: es, payload: beijingClaims(claims) }));

    it('accepts a code expired less than the tolerance ago and refuses one expired beyond it', async () => {
      expect((await at({ exp: T0S - 30 }, T0)).valid).toBe(true);
      expect(errorCode(await at({ exp: T0S - 60 }, T0))).toBe('ERR_TOKEN_EXPIRED');
      expect(errorCode(await at({ exp: T0S - 3600 }, T0))).toBe('ERR_TOKEN_EXPIRED');
    });

    it('accepts a code not valid for a few more seconds and refuses one not valid beyond the tolerance', async () => {
      expect((await at({ nbf: T0S + 30 }, T0)).valid).toBe(true);
      expect(errorCode(await at({ nbf: T0S + 61 }, T0))).toBe('ERR_TOKEN_NOT_YET_VALID');
    });

    it('accepts an iat slightly ahead of the clock and refuses one beyond the tolerance', async () => {
      expect((await at({ iat: T0S + 59.5 }, T0)).valid).toBe(true);
      expect(errorCode(await at({ iat: T0S + 61 }, T0))).toBe('ERR_TOKEN_ISSUED_IN_FUTURE');
    });

    it('accepts non-integer NumericDates', async () => {
      expect((await at({ iat: T0S - 0.25, exp: T0S + 10.5, nbf: T0S - 1.75 }, T0)).valid).toBe(true);
    });

  });

  it('answers every hostile input with a refusal, never an exception', async () => {
    const { verify, keySource } = setup();
    const token = await signToken({ key: es, payload: beijingClaims() });
    const [h, p, s] = token.split('.') as [string, string, string];
    const inputs = ['', ' ', '.', '..', 'a.b.c', `${h}.${p}`, `${h}..${s}`, `${p}.${h}.${s}`, 'shc:/99', 'x'.repeat(50_000),
      `${Buffer.from('{"alg":"none","kid":"a"}').toString('base64url')}.${p}.`, `${h}.${p}.${s}${s}`, '\u0000', 'https://#'];
    for (const input of inputs) {
      const outcome = await verify(input);
      expect(outcome.valid).toBe(false);
    }
    expect(keySource.calls.length).toBeLessThanOrEqual(2);
  });

  it('rethrows a KeySource fault that is not a GatewayError, for the route to answer 500', async () => {
    const keySource = new FakeKeySource({});
    keySource.getKey = async () => {
      throw new Error('disk on fire');
    };
    const verify = createVerifier({ registry: { byIssuer: () => beijing }, keySource, now: () => T0, clockToleranceSeconds: 0 });
    await expect(verify(await signToken({ key: es, payload: beijingClaims() }))).rejects.toThrow('disk on fire');
  });
});
