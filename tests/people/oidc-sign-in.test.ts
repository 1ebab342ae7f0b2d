import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import Provider from 'oidc-provider';
import { createTestGateway, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { declare, declared, getCode } from '../issuer/issuer-helpers.js';
import { runSubjectsCommand } from '../../gateway/subjects/subjects-command.js';
import { seal, unseal, SIGN_IN_COOKIE } from '../../gateway/people/sign-in-cookie.js';
import { loadConfig } from '../../gateway/config/load-config.js';

/**
 * Issue 17, item 1: real-name sign-in against a real OpenID provider (oidc-provider) on loopback.
 * A good sign-in makes the person the owner of its record; a wrong state or nonce, a code issued to
 * another client, an expired ID token, a provider that is down: each refused with a stable code,
 * nothing changed.
 */

const REDIRECT = 'http://localhost:8080/';
const CLIENT = { client_id: 'xinji-gateway', client_secret: 'xinji-gateway-secret-0123456789' };
const OTHER = { client_id: 'other-app', client_secret: 'other-app-secret-0123456789abcd' };

interface Account {
  name: string;
  id_card_number: string;
}
const accounts = new Map<string, Account>();
let loggingIn = '';
let provider: Provider;
let idp: Server;
let issuer: string;

beforeAll(async () => {
  idp = createServer();
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  const clientDefaults = { redirect_uris: [REDIRECT], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' };
  provider = new Provider(issuer, {
    clients: [{ ...CLIENT, ...clientDefaults }, { ...OTHER, ...clientDefaults }],
    claims: { openid: ['sub'], profile: ['name', 'id_card_number'] },
    conformIdTokenClaims: false,
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub, ...accounts.get(sub) }) }),
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    cookies: { keys: ['oidc-test-cookie-key-0123456789abcdef'] },
  });
  // The person logs in and consents at once: the interaction is the provider's, not the gateway's.
  provider.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/interaction/')) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name === 'login') {
      return provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: loggingIn } }, { mergeWithLastSubmission: false });
    }
    const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params['client_id']) });
    grant.addOIDCScope(String(details.params['scope']));
    return provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  });
  idp.on('request', provider.callback());
});

afterAll(async () => {
  await new Promise((resolve) => idp.close(resolve));
});

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
    await res.arrayBuffer();
    const to = res.headers.get('location');
    if (!to) throw new Error(`the provider stopped at ${res.status} ${next}`);
    next = new URL(to, next).href;
  }
  throw new Error('too many redirects');
}

/** GET /v1/sign-in, then through the provider as `account`: the callback parameters and the sealed cookie. */
async function signIn(account: string): Promise<{ params: Record<string, string>; cookie: string }> {
  loggingIn = account;
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
  accounts.set(account, { name: applicant.name, id_card_number: applicant.document.number });
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
  accounts.set('impostor', { name: '冒名顶替', id_card_number: accounts.get(me.account)!.id_card_number });
  const wrongName = await signIn('impostor');
  const res = await callback(wrongName.params, wrongName.cookie);
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('ERR_SIGN_IN_CLAIMS');
  const stranger = personDeclaration(7)['applicant'] as { name: string; document: { number: string } };
  accounts.set('nobody', { name: stranger.name, id_card_number: stranger.document.number });
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
  const production = { GATEWAY_ENV: 'production', ISSUER_URL: 'https://gateway.xinji.example', ADMIN_TOKEN: 'admin-token-0123456789abcdefghij', ADMIN_PORT: '9090', RISK_FEED_TOKEN: 'risk-feed-token-0123456789', OIDC_CLIENT_ID: 'xinji', OIDC_REDIRECT_URI: 'https://gateway.xinji.example/' };
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
  accounts.set('owner-8', { name: applicant.name, id_card_number: applicant.document.number });
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
