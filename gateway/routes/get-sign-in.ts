import type { RequestHandler } from 'express';
import { startSignIn, type SignInDeps } from '../people/oidc-sign-in.js';
import { SIGN_IN_COOKIE, SIGN_IN_TTL_MS } from '../people/sign-in-cookie.js';

/**
 * GET /v1/sign-in — 302 to the identity provider. The sealed state, nonce and PKCE verifier go in
 * an HttpOnly cookie (SameSite=Lax: the provider's redirect back is a top-level navigation).
 */
export function getSignIn(deps: SignInDeps): RequestHandler {
  return async (_req, res) => {
    const { location, cookie } = await startSignIn(deps);
    const secure = deps.config.issuer.url.startsWith('https://') ? '; Secure' : '';
    res.setHeader('set-cookie', `${SIGN_IN_COOKIE}=${cookie}; Path=/v1/sign-in; Max-Age=${SIGN_IN_TTL_MS / 1000}; HttpOnly; SameSite=Lax${secure}`);
    res.setHeader('cache-control', 'no-store');
    res.status(302).setHeader('location', location);
    res.end();
  };
}
