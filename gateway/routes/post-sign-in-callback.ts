import type { RequestHandler } from 'express';
import { finishSignIn, type SignInDeps } from '../people/oidc-sign-in.js';
import { cookieValue, SIGN_IN_COOKIE } from '../people/sign-in-cookie.js';

/** POST /v1/sign-in/callback — the page passes on the provider's redirect parameters; one use of the cookie. */
export function postSignInCallback(deps: SignInDeps): RequestHandler {
  return async (req, res) => {
    const result = await finishSignIn(deps, req.body, cookieValue(req.headers.cookie, SIGN_IN_COOKIE));
    res.setHeader('set-cookie', `${SIGN_IN_COOKIE}=; Path=/v1/sign-in; Max-Age=0; HttpOnly; SameSite=Lax`);
    res.json(result);
  };
}
