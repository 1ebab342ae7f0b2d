import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import * as client from 'openid-client';
import { GatewayError } from '../errors/gateway-error.js';
import { assertValid } from '../schemas/registry.js';
import { validateDocument, maskName } from '../identity/documents.js';
import { documentKey } from '../declarations/secrets.js';
import { isReleased } from '../store/store.js';
import { replaceOwnerToken } from './owner-token.js';
import { seal, unseal, SIGN_IN_TTL_MS, type PendingSignIn } from './sign-in-cookie.js';
import type { Config } from '../config/load-config.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';
import type { SignInCallback, SignInResult } from '../types/schemas.js';
import { sealTicket, TICKET_TTL_MS } from './sign-in-ticket.js';

/**
 * Real-name sign-in (issue 17, item 1): OpenID Connect authorization code with PKCE, state and
 * nonce (OpenID Connect Core 1.0 §3.1), through openid-client. The identity provider's verified
 * claims name the person and its resident ID; the gateway makes that person the owner of the
 * record with that document (its earlier owner token ends) and never stores the claims.
 */
const DISCOVERY_TIMEOUT_SECONDS = 5;

function isLoopbackHttp(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
}

/**
 * The private_key_jwt key as WebCrypto wants it, for the key types providers accept (RFC 7518 §3):
 * read once when the gateway starts, so a missing or unusable file stops the start with a sentence
 * that names the setting, never a 500 at the first resident's sign-in.
 */
export function clientKey(file: string): client.CryptoKey {
  let key;
  try {
    key = createPrivateKey(readFileSync(file));
  } catch (error) {
    throw new Error(`OIDC_PRIVATE_KEY_FILE: cannot read a PEM private key from ${file} (${(error as { code?: string }).code ?? (error as Error).message})`);
  }
  const type = key.asymmetricKeyType;
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return key.toCryptoKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  if (type === 'ed25519') return key.toCryptoKey({ name: 'Ed25519' }, false, ['sign']);
  if (type === 'rsa') return key.toCryptoKey({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  throw new Error(`OIDC_PRIVATE_KEY_FILE: ${file} holds a ${String(type)} key; use EC P-256 (ES256), Ed25519 or RSA (RS256)`);
}

export class OidcSignIn {
  private server: Promise<client.ServerMetadata> | undefined;
  private readonly clientAuth: client.ClientAuth;
  /** The provider's keys, fetched once and shared by every sign-in (openid-client refreshes them on an unknown kid). */
  private jwksCache: ReturnType<typeof client.getJwksCache>;

  constructor(
    private readonly config: NonNullable<Config['oidc']> & { issuer: string; clientId: string; redirectUri: string },
    private readonly production: boolean,
    private readonly now: () => number,
  ) {
    this.clientAuth = config.privateKeyFile ? client.PrivateKeyJwt(clientKey(config.privateKeyFile)) : client.ClientSecretBasic(config.clientSecret);
  }

  /** Plain http only for a provider on loopback outside production (tests, a local provider). */
  private get insecure(): boolean {
    return !this.production && isLoopbackHttp(this.config.issuer);
  }

  /**
   * The provider's metadata, discovered once (and again after a failure: the provider may come up
   * after the gateway); a configuration per use, on the gateway's clock (injected in tests) so
   * exp and iat are judged like everything else the gateway checks.
   */
  private async discovered(): Promise<client.Configuration> {
    this.server ??= (async () => {
      const found = await client.discovery(new URL(this.config.issuer), this.config.clientId, undefined, undefined, {
        timeout: DISCOVERY_TIMEOUT_SECONDS,
        ...(this.insecure ? { execute: [client.allowInsecureRequests] } : {}),
      });
      return found.serverMetadata();
    })();
    let server: client.ServerMetadata;
    try {
      server = await this.server;
    } catch (error) {
      this.server = undefined;
      throw new GatewayError('ERR_SIGN_IN_PROVIDER_UNAVAILABLE', undefined, { cause: error });
    }
    const metadata = { redirect_uris: [this.config.redirectUri], [client.clockSkew]: Math.round((this.now() - Date.now()) / 1000) };
    const configuration = new client.Configuration(server, this.config.clientId, metadata, this.clientAuth);
    if (this.insecure) client.allowInsecureRequests(configuration);
    // OpenID Connect Core §3.1.3.7 item 6 lets a client trust TLS instead of the ID token's
    // signature; the gateway checks the signature too (against the provider's jwks_uri): a real-name
    // identity decides who owns a record, so a token a proxy or a misrouted connection altered must
    // not pass, and plain http to a loopback provider outside production has no TLS to trust.
    client.enableNonRepudiationChecks(configuration);
    if (this.jwksCache) client.setJwksCache(configuration, this.jwksCache);
    return configuration;
  }

  /** Where to send the person, and what to remember (sealed into a cookie) until it returns. */
  async start(pepper: Buffer): Promise<{ location: string; cookie: string }> {
    const configuration = await this.discovered();
    const pending: PendingSignIn = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      expiresAt: this.now() + SIGN_IN_TTL_MS,
    };
    const location = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.config.redirectUri,
      scope: this.config.scope ?? 'openid',
      response_type: 'code',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { location: location.href, cookie: seal(pepper, pending) };
  }

  /** The verified name and document number of the person who returned with `params`. */
  async finish(pepper: Buffer, params: SignInCallback, cookie: string | undefined): Promise<{ name: string; documentNumber: string }> {
    const pending = unseal(pepper, cookie, this.now());
    if (!pending || params.state !== pending.state) throw new GatewayError('ERR_SIGN_IN_STATE');
    const configuration = await this.discovered();
    const callback = new URL(this.config.redirectUri);
    for (const [name, value] of Object.entries(params)) if (typeof value === 'string') callback.searchParams.set(name, value);
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
      this.jwksCache = client.getJwksCache(configuration) ?? this.jwksCache;
    } catch (error) {
      // A provider that does not answer is "later"; an answer that does not verify is "no".
      const code = (error as { code?: string }).code;
      const unreachable = error instanceof TypeError || code === 'OAUTH_TIMEOUT' || (error as { name?: string }).name === 'TimeoutError';
      throw new GatewayError(unreachable ? 'ERR_SIGN_IN_PROVIDER_UNAVAILABLE' : 'ERR_SIGN_IN_REFUSED', undefined, { cause: error });
    }
    const name = claims?.[this.config.nameClaim ?? 'name'];
    const documentNumber = claims?.[this.config.documentClaim ?? 'id_card_number'];
    if (typeof name !== 'string' || typeof documentNumber !== 'string' || !name.trim()) throw new GatewayError('ERR_SIGN_IN_CLAIMS');
    return { name, documentNumber };
  }
}

export function createOidcSignIn(config: Config, now: () => number): OidcSignIn | undefined {
  const oidc = config.oidc;
  if (!oidc?.issuer || !oidc.clientId || !oidc.redirectUri) return undefined;
  return new OidcSignIn({ ...oidc, issuer: oidc.issuer, clientId: oidc.clientId, redirectUri: oidc.redirectUri }, config.environment === 'production', now);
}

export interface SignInDeps extends IssuerDeps {
  oidcSignIn: OidcSignIn | undefined;
}

function signIn(deps: SignInDeps): OidcSignIn {
  if (!deps.oidcSignIn) throw new GatewayError('ERR_SIGN_IN_UNAVAILABLE');
  return deps.oidcSignIn;
}

export async function startSignIn(deps: SignInDeps): Promise<{ location: string; cookie: string }> {
  return signIn(deps).start(deps.pepper);
}

/**
 * POST /v1/sign-in/callback: the provider vouched for a name and a resident ID. The record of that
 * document — if its masked name is the verified one's — gets a new owner token; every earlier one
 * (a relative's, a lost phone's) ends at once.
 */
export async function finishSignIn(deps: SignInDeps, body: unknown, cookie: string | undefined): Promise<SignInResult> {
  const params = assertValid<SignInCallback>('sign-in-callback', body);
  try {
    return await ownerBySignIn(deps, params, cookie);
  } catch (error) {
    deps.metrics.signIns.inc({ outcome: 'refused' });
    throw error;
  }
}

async function ownerBySignIn(deps: SignInDeps, params: SignInCallback, cookie: string | undefined): Promise<SignInResult> {
  const { name, documentNumber } = await signIn(deps).finish(deps.pepper, params, cookie);
  const document = { type: 'resident_id' as const, number: documentNumber };
  try {
    validateDocument(document, 'document', new Date(deps.now()));
  } catch {
    throw new GatewayError('ERR_SIGN_IN_CLAIMS');
  }
  const docKey = documentKey(deps.pepper, document);
  const subject = await deps.store.getSubjectByDocumentKey(docKey);
  if (!subject || isReleased(subject)) {
    // No record (never declared, or released at a counter): the person may declare it, claim or not.
    const expiresAt = deps.now() + TICKET_TTL_MS;
    deps.metrics.signIns.inc({ outcome: 'ticket' });
    return { declareTicket: sealTicket(deps.pepper, { documentKey: docKey, nameMasked: maskName(name), expiresAt }), ticketExpiresAt: new Date(expiresAt).toISOString() };
  }
  if (maskName(name) !== subject.nameMasked) throw new GatewayError('ERR_SIGN_IN_CLAIMS');
  const holderToken = await replaceOwnerToken(deps, subject.id);
  deps.metrics.signIns.inc({ outcome: 'owner' });
  return { subjectId: subject.id, holderToken };
}
