import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import request from 'supertest';
import { startIdentityProvider, type IdentityProvider } from '../helpers/identity-provider.js';
import { createTestGateway, personDeclaration, TestClock, type TestGateway } from '../helpers/test-gateway.js';
import { declare, declared, getCode } from '../issuer/issuer-helpers.js';
import { runSubjectsCommand } from '../../gateway/subjects/subjects-command.js';
import { seal, unseal, SIGN_IN_COOKIE } from '../../gateway/people/sign-in-cookie.js';
import { loadConfig } from '../../gateway/config/load-config.js';

/**
 * Issue 17, item 1: real-name sign-in against a real OpenID provider (oidc-provider) on loopback.
 * A good sign-in makes the person the owner of its record; a wrong state or nonce, a code issued to
 * another client, an expired ID token, a provider that is down: each refused with a stable code,
 * nothing changed.
 *
 * The forged ID tokens (unsigned, another audience, another key, HS256 keyed with the client
 * secret) come from the same real provider: a middleware after its token endpoint replaces the
 * id_token of its answer, as a man in the middle or a compromised proxy would; the provider signs
 * with a key these tests hold, so "signed by the provider's own key, for another audience" is real.
 */

const REDIRECT = 'http://localhost:8080/';
const CLIENT = { client_id: 'xinji-gateway', client_secret: 'xinji-gateway-secret-0123456789' };
const OTHER = { client_id: 'other-app', client_secret: 'other-app-secret-0123456789abcd' };
/** A client that authenticates with private_key_jwt (RFC 7523 §2.2): the provider holds its public key. */
const KEYED = 'xinji-gateway-keyed';
const keyedPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const strangerPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let keyDir: string;

let idp: IdentityProvider;
let issuer: string;

beforeAll(async () => {
  keyDir = mkdtempSync(join(tmpdir(), 'hcg-oidc-'));
  writeFileSync(join(keyDir, 'keyed.pem'), keyedPair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(join(keyDir, 'stranger.pem'), strangerPair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const clientDefaults = { redirect_uris: [REDIRECT], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' };
  idp = await startIdentityProvider({
    clients: [
      { ...CLIENT, ...clientDefaults },
      { ...OTHER, ...clientDefaults },
      { ...clientDefaults, client_id: KEYED, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ ...keyedPair.publicKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig' }] } },
    ],
  });
  issuer = idp.issuer;
});

afterAll(async () => {
  await idp.close();
  rmSync(keyDir, { recursive: true, force: true });
});

afterEach(() => {
  idp.forge = undefined;
});

/** The provider's ID token with `change` applied to its claims, signed again with the provider's own key. */
function resigned(change: (claims: JWTPayload) => JWTPayload, key?: CryptoKey | Uint8Array, alg = 'RS256'): (idToken: string) => Promise<string> {
  return (idToken) => new SignJWT(change(decodeJwt(idToken))).setProtectedHeader({ ...decodeProtectedHeader(idToken), alg, kid: idp.signingKid }).sign(key ?? idp.signingKey);
}

let gw: TestGateway;
beforeEach(async () => {
  gw = await createTestGateway({ overrides: { oidc: { issuer, ...clientOf(CLIENT), redirectUri: REDIRECT, nameClaim: 'name', documentClaim: 'id_card_number', scope: 'openid profile' } } });
});
afterEach(async () => {
  await gw.close();
});

function clientOf(c: typeof CLIENT): { clientId: string; clientSecret: string } {
  return { clientId: c.client_id, clientSecret: c.client_secret };
}

/** Follows the provider's redirects (its cookies kept) until it sends the person back to REDIRECT. */
async function throughProvider(location: string): Promise<Record<string, string>> {
  const jar = new Map<string, string>();
  let next = location;
  for (let hop = 0; hop < 10; hop++) {
    if (next.startsWith(REDIRECT)) return Object.fromEntries(new URL(next).searchParams);
    const res = await fetch(next, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [k, ...v] = pair!.split('=');
      jar.set(k!, v.join('='));
    }
    const text = await res.text();
    const to = res.headers.get('location');
    if (!to) throw new Error(`the provider stopped at ${res.status} ${next}: ${(/<pre>([\s\S]*?)<\/pre>/.exec(text)?.[1] ?? text).slice(0, 600)}`);
    next = new URL(to, next).href;
  }
  throw new Error('too many redirects');
}

/** GET /v1/sign-in, then through the provider as `account`: the callback parameters and the sealed cookie. */
async function signIn(account: string): Promise<{ params: Record<string, string>; cookie: string }> {
  idp.loggingIn = account;
  const started = await request(gw.app).get('/v1/sign-in');
  expect(started.status).toBe(302);
  const cookie = /hc_signin=([^;]+)/.exec(String(started.headers['set-cookie']))![1]!;
  return { params: await throughProvider(String(started.headers['location'])), cookie };
}

function callback(params: Record<string, string>, cookie: string): request.Test {
  return request(gw.app).post('/v1/sign-in/callback').set('cookie', `${SIGN_IN_COOKIE}=${cookie}`).send(params);
}

/** A person declared for themself, and the same person's account at the identity provider. */
async function person(n: number): Promise<{ subjectId: string; holderToken: string; account: string }> {
  const body = personDeclaration(n);
  const applicant = body['applicant'] as { name: string; document: { number: string } };
  const own = await declared(gw, body);
  const account = `acct-${n}`;
  idp.accounts.set(account, { name: applicant.name, id_card_number: applicant.document.number });
  return { ...own, account };
}

test('a good sign-in makes the person the owner: a new token, and the earlier one answers 401 at once', async () => {
  const me = await person(1);
  const { params, cookie } = await signIn(me.account);
  expect(params['code']).toBeDefined();
  const res = await callback(params, cookie);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ subjectId: me.subjectId, holderToken: expect.stringMatching(/^hct_/) });
  expect((await getCode(gw, me.subjectId, res.body.holderToken)).status).toBe(200);
  expect((await getCode(gw, me.subjectId, me.holderToken)).status).toBe(401);
  // The code is spent: the same answer again is refused.
  expect((await callback(params, cookie)).body.error.code).toBe('ERR_SIGN_IN_REFUSED');
});

test('a wrong state is refused with 400 ERR_SIGN_IN_STATE and changes nothing', async () => {
  const me = await person(2);
  const { params, cookie } = await signIn(me.account);
  const res = await callback({ ...params, state: 'not-the-state-we-sent' }, cookie);
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('ERR_SIGN_IN_STATE');
  expect((await callback(params, 'forged')).body.error.code).toBe('ERR_SIGN_IN_STATE');
  expect((await getCode(gw, me.subjectId, me.holderToken)).status).toBe(200);
});

test('an ID token with another nonce is refused with 401 ERR_SIGN_IN_REFUSED', async () => {
  const me = await person(3);
  const { params, cookie } = await signIn(me.account);
  const pending = unseal(gw.deps.pepper, cookie, gw.clock.ms)!;
  const res = await callback(params, seal(gw.deps.pepper, { ...pending, nonce: 'another-nonce-0123456789' }));
  expect(res.status).toBe(401);
  expect(res.body.error.code).toBe('ERR_SIGN_IN_REFUSED');
  expect((await getCode(gw, me.subjectId, me.holderToken)).status).toBe(200);
});

test('a code issued to another client (another audience) is refused with 401 ERR_SIGN_IN_REFUSED', async () => {
  const me = await person(4);
  const { cookie } = await signIn(me.account);
  const pending = unseal(gw.deps.pepper, cookie, gw.clock.ms)!;
  // The same person signs in to another application of the provider, with our state, nonce and verifier.
  const { calculatePKCECodeChallenge } = await import('openid-client');
  const url = new URL(`${issuer}/auth`);
  for (const [k, v] of Object.entries({ client_id: OTHER.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid profile', state: pending.state, nonce: pending.nonce, code_challenge: await calculatePKCECodeChallenge(pending.verifier), code_challenge_method: 'S256' })) url.searchParams.set(k, v);
  const params = await throughProvider(url.href);
  const res = await callback(params, cookie);
  expect(res.status).toBe(401);
  expect(res.body.error.code).toBe('ERR_SIGN_IN_REFUSED');
});

test('an expired ID token is refused with 401 ERR_SIGN_IN_REFUSED', async () => {
  const me = await person(5);
  const { params, cookie } = await signIn(me.account);
  const pending = unseal(gw.deps.pepper, cookie, gw.clock.ms)!;
  // The provider signs on the real clock; two hours past it on the gateway's clock, its ID token
  // (1 hour) has expired.
  gw.clock.ms = Date.now() + 2 * 3_600_000;
  const res = await callback(params, seal(gw.deps.pepper, { ...pending, expiresAt: gw.clock.ms + 60_000 }));
  expect(res.status).toBe(401);
  expect(res.body.error.code).toBe('ERR_SIGN_IN_REFUSED');
});

test('verified claims that do not match the record (another name) are refused, nothing changed', async () => {
  const me = await person(6);
  idp.accounts.set('impostor', { name: '冒名顶替', id_card_number: idp.accounts.get(me.account)!.id_card_number });
  const wrongName = await signIn('impostor');
  const res = await callback(wrongName.params, wrongName.cookie);
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('ERR_SIGN_IN_CLAIMS');
  const stranger = personDeclaration(7)['applicant'] as { name: string; document: { number: string } };
  idp.accounts.set('nobody', { name: stranger.name, id_card_number: stranger.document.number });
  expect((await getCode(gw, me.subjectId, me.holderToken)).status).toBe(200);
});

test('a provider that is down answers 503 ERR_SIGN_IN_PROVIDER_UNAVAILABLE; without OIDC_ISSUER sign-in answers 404 ERR_SIGN_IN_UNAVAILABLE', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const down = await createTestGateway({ overrides: { oidc: { issuer: `http://127.0.0.1:${port}`, ...clientOf(CLIENT), redirectUri: REDIRECT } } });
  const off = await createTestGateway();
  try {
    const res = await request(down.app).get('/v1/sign-in');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('ERR_SIGN_IN_PROVIDER_UNAVAILABLE');
    const none = await request(off.app).get('/v1/sign-in');
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('ERR_SIGN_IN_UNAVAILABLE');
  } finally {
    await down.close();
    await off.close();
  }
});

test('production refuses an identity provider that is not https', () => {
  const production = { GATEWAY_ENV: 'production', ISSUER_URL: 'https://gateway.xinji.example', ADMIN_TOKEN: 'admin-token-0123456789abcdefghij', ADMIN_PORT: '9090', RISK_FEED_TOKEN: 'risk-feed-token-0123456789', OIDC_CLIENT_ID: 'xinji', OIDC_CLIENT_SECRET: 'xinji-client-secret-0123456789', OIDC_REDIRECT_URI: 'https://gateway.xinji.example/' };
  expect(() => loadConfig({ ...production, OIDC_ISSUER: 'http://127.0.0.1:9999' })).toThrow(/OIDC_ISSUER must be https/);
  expect(loadConfig({ ...production, OIDC_ISSUER: 'https://id.xinji.example' }).oidc?.issuer).toBe('https://id.xinji.example');
});

test('a signed-in person whose document a counter released declares it without the claim code; the squatter still cannot', async () => {
  const body = personDeclaration(8);
  const applicant = body['applicant'] as { name: string; document: { number: string } };
  const squatter = await declared(gw, body);
  const out: string[] = [];
  expect(await runSubjectsCommand(['release', squatter.subjectId, '--reason', 'ticket 8'], { store: gw.deps.store, now: gw.clock.now, defaultOperator: 'ops', pepper: gw.deps.pepper, out: (l) => out.push(l), err: () => undefined })).toBe(0);
  expect((await declare(gw, body)).body.error.code).toBe('ERR_DOCUMENT_CLAIM_REQUIRED');
  idp.accounts.set('owner-8', { name: applicant.name, id_card_number: applicant.document.number });
  const { params, cookie } = await signIn('owner-8');
  const res = await callback(params, cookie);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ declareTicket: expect.any(String), ticketExpiresAt: expect.any(String) });
  // The ticket names this document and name only: another person's declaration does not pass with it.
  expect((await declare(gw, { ...personDeclaration(9), signInTicket: res.body.declareTicket })).status).toBe(201);
  const other = await declare(gw, { ...body, applicant: { ...(body['applicant'] as object), name: '冒名顶替' }, signInTicket: res.body.declareTicket });
  expect(other.body.error.code).toBe('ERR_DOCUMENT_CLAIM_REQUIRED');
  const mine = await declare(gw, { ...body, signInTicket: res.body.declareTicket });
  expect(mine.status).toBe(201);
  expect(mine.body.holderToken).toMatch(/^hct_/);
});

/** The callback of a sign-in whose ID token `forge` replaced: 401 ERR_SIGN_IN_REFUSED, the person's token still the owner's. */
async function refusedWith(n: number, forged: (idToken: string) => Promise<string>): Promise<void> {
  const me = await person(n);
  const { params, cookie } = await signIn(me.account);
  idp.forge = forged;
  const res = await callback(params, cookie);
  expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 401, code: 'ERR_SIGN_IN_REFUSED' });
  expect((await getCode(gw, me.subjectId, me.holderToken)).status).toBe(200);
}

describe('ID tokens the provider did not issue for this gateway', () => {
  test('the provider\'s own ID token, signed again with its own key and the same claims, is accepted (the forging itself breaks nothing)', async () => {
    const me = await person(20);
    const { params, cookie } = await signIn(me.account);
    idp.forge = resigned((claims) => claims);
    const res = await callback(params, cookie);
    expect(res.status).toBe(200);
    expect(res.body.subjectId).toBe(me.subjectId);
  });

  test('an unsigned ID token (alg none) with the right claims is refused with 401 ERR_SIGN_IN_REFUSED', async () => {
    await refusedWith(21, async (idToken) => `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${idToken.split('.')[1]}.`);
  });

  test('an ID token signed by the provider\'s own key for another audience is refused with 401 ERR_SIGN_IN_REFUSED', async () => {
    await refusedWith(22, resigned((claims) => ({ ...claims, aud: OTHER.client_id, azp: OTHER.client_id })));
  });

  test('an ID token naming this gateway among other audiences without azp is refused with 401 ERR_SIGN_IN_REFUSED', async () => {
    // OpenID Connect Core 1.0 §3.1.3.7 items 3–5: several audiences need azp naming this client.
    await refusedWith(23, resigned((claims) => ({ ...claims, aud: [CLIENT.client_id, OTHER.client_id], azp: undefined })));
  });

  test('an ID token whose exp has passed, signed by the provider\'s own key, is refused with 401 ERR_SIGN_IN_REFUSED', async () => {
    // An hour before the gateway's clock (injected: the provider signs on the real one).
    const hourAgo = Math.floor(gw.clock.ms / 1000) - 3_600;
    await refusedWith(24, resigned((claims) => ({ ...claims, iat: hourAgo - 3_600, exp: hourAgo })));
  });

  test('an ID token from another issuer, signed by the provider\'s own key, is refused with 401 ERR_SIGN_IN_REFUSED', async () => {
    await refusedWith(25, resigned((claims) => ({ ...claims, iss: 'https://id.elsewhere.example' })));
  });

  test('an ID token signed with a key the provider does not publish is refused with 401 ERR_SIGN_IN_REFUSED', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await refusedWith(26, resigned((claims) => claims, privateKey));
  });

  test('an ID token signed HS256 with the client secret (algorithm confusion) is refused with 401 ERR_SIGN_IN_REFUSED', async () => {
    await refusedWith(27, resigned((claims) => claims, new TextEncoder().encode(CLIENT.client_secret), 'HS256'));
  });
});

describe('private_key_jwt client authentication (OIDC_PRIVATE_KEY_FILE)', () => {
  /** This test's gateway, authenticating to the provider with the private key in `file` instead of a secret. */
  async function keyedGateway(file: string): Promise<void> {
    await gw.close();
    // The client assertion is signed on the gateway's clock (openid-client's clock skew): the
    // provider judges it on the real one, so this gateway's clock is the real time, as in production.
    gw = await createTestGateway({ clock: new TestClock(Date.now()), overrides: { oidc: { issuer, clientId: KEYED, privateKeyFile: join(keyDir, file), redirectUri: REDIRECT, nameClaim: 'name', documentClaim: 'id_card_number', scope: 'openid profile' } } });
  }

  test('a gateway that signs its client assertion with the key the provider holds signs the person in', async () => {
    await keyedGateway('keyed.pem');
    idp.refusals.length = 0;
    const me = await person(30);
    const { params, cookie } = await signIn(me.account);
    const res = await callback(params, cookie);
    expect({ status: res.status, refusals: idp.refusals }).toEqual({ status: 200, refusals: [] });
    expect(res.body).toEqual({ subjectId: me.subjectId, holderToken: expect.stringMatching(/^hct_/) });
    expect((await getCode(gw, me.subjectId, me.holderToken)).status).toBe(401);
  });

  test('a gateway holding another key is refused by the provider (invalid_client): 401 ERR_SIGN_IN_REFUSED, nothing changed', async () => {
    await keyedGateway('stranger.pem');
    idp.refusals.length = 0;
    await refusedWith(31, async (idToken) => idToken);
    expect(idp.refusals).toEqual([expect.stringMatching(/^invalid_client: /)]);
  });

  test('a key file that cannot be read stops the start with a sentence naming OIDC_PRIVATE_KEY_FILE', async () => {
    await expect(createTestGateway({ overrides: { oidc: { issuer, clientId: KEYED, privateKeyFile: join(keyDir, 'missing.pem'), redirectUri: REDIRECT } } })).rejects.toThrow(/OIDC_PRIVATE_KEY_FILE: cannot read a PEM private key from .*missing\.pem \(ENOENT\)/);
  });

  test('an identity provider without a client secret or a key file, or with both, stops the start', () => {
    const dev = { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: KEYED, OIDC_REDIRECT_URI: REDIRECT };
    expect(() => loadConfig(dev)).toThrow(/set exactly one of OIDC_CLIENT_SECRET \(client_secret_basic\) and OIDC_PRIVATE_KEY_FILE/);
    expect(() => loadConfig({ ...dev, OIDC_CLIENT_SECRET: CLIENT.client_secret, OIDC_PRIVATE_KEY_FILE: join(keyDir, 'keyed.pem') })).toThrow(/set exactly one of/);
    expect(() => loadConfig({ OIDC_ISSUER: issuer, OIDC_CLIENT_SECRET: CLIENT.client_secret })).toThrow(/OIDC_CLIENT_ID must be set with OIDC_ISSUER; OIDC_REDIRECT_URI must be set/);
    expect(loadConfig({ ...dev, OIDC_PRIVATE_KEY_FILE: join(keyDir, 'keyed.pem') }).oidc?.privateKeyFile).toBe(join(keyDir, 'keyed.pem'));
  });
});
