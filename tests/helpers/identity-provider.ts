import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import Provider from 'oidc-provider';

/**
 * The city's identity provider in the sign-in tests (issue 17, item 1): a real OpenID provider
 * (oidc-provider) on loopback, never a mock. The person logs in and consents at once as `loggingIn`
 * (the interaction is the provider's, not the gateway's); the provider signs ID tokens with a key
 * the tests hold, and `forge`, while set, replaces the id_token of its token endpoint's answer — as a
 * man in the middle or a compromised proxy would.
 */
export interface IdentityAccount {
  name: string;
  id_card_number: string;
}

export interface IdentityProvider {
  issuer: string;
  accounts: Map<string, IdentityAccount>;
  /** The account the next login at the provider is. */
  loggingIn: string;
  forge: ((idToken: string) => Promise<string>) | undefined;
  /** The provider's ID token signing key (RS256) and its kid. */
  signingKey: CryptoKey;
  signingKid: string;
  /** What the provider refused at its token endpoint (error and description), newest last. */
  refusals: string[];
  close(): Promise<void>;
}

export async function startIdentityProvider(options: { clients: Array<Record<string, unknown>>; host?: string }): Promise<IdentityProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  const pair = await generateKeyPair('RS256', { extractable: true });
  const idp: IdentityProvider = {
    issuer,
    accounts: new Map(),
    loggingIn: '',
    forge: undefined,
    signingKey: pair.privateKey,
    signingKid: 'provider-2026',
    refusals: [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  // oidc-provider keeps a structuredClone of each static client and checks that a client's JWKs are
  // plain objects (constructor === Object). Under jest the global structuredClone is Node's, from
  // outside the test's realm, so its copies fail that check; the JSON copy is made inside it (the
  // metadata is plain JSON). Only while the provider is built.
  const outerClone = globalThis.structuredClone;
  globalThis.structuredClone = ((value: unknown) => JSON.parse(JSON.stringify(value)) as unknown) as typeof structuredClone;
  let provider: Provider;
  try {
    provider = new Provider(issuer, {
    clients: options.clients,
    jwks: { keys: [{ ...(await exportJWK(pair.privateKey)), kid: idp.signingKid, alg: 'RS256', use: 'sig' }] },
    claims: { openid: ['sub'], profile: ['name', 'id_card_number'] },
    conformIdTokenClaims: false,
    findAccount: async (_ctx: unknown, sub: string) => ({ accountId: sub, claims: async () => ({ sub, ...idp.accounts.get(sub) }) }),
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    cookies: { keys: ['oidc-test-cookie-key-0123456789abcdef'] },
    });
  } finally {
    globalThis.structuredClone = outerClone;
  }
  provider.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/interaction/')) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name === 'login') {
      return provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: idp.loggingIn } }, { mergeWithLastSubmission: false });
    }
    const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params['client_id']) });
    grant.addOIDCScope(String(details.params['scope']));
    return provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  });
  provider.use(async (ctx, next) => {
    await next();
    const answer = ctx.body as { id_token?: unknown } | undefined;
    if (idp.forge && ctx.path === '/token' && typeof answer?.id_token === 'string') ctx.body = { ...answer, id_token: await idp.forge(answer.id_token) };
  });
  provider.on('grant.error', (_ctx: unknown, error: { error?: string; error_description?: string; error_detail?: string; cause?: { message?: string } }) =>
    idp.refusals.push(`${String(error.error)}: ${String(error.error_description)}${(error.error_detail ?? error.cause?.message) ? ` (${error.error_detail ?? error.cause?.message})` : ''}`),
  );
  server.on('request', provider.callback());
  return idp;
}
