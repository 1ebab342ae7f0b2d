import type { RequestHandler } from 'express';
import { bearerToken } from '../declarations/secrets.js';
import { endOwnerToken } from '../people/owner-token.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/** DELETE /v1/holder-token — the bearer ends its own token (退出登录): 204, then 401 on every use. */
export function deleteHolderToken(deps: IssuerDeps): RequestHandler {
  return async (req, res) => {
    await endOwnerToken(deps, bearerToken(req.headers.authorization));
    res.status(204).end();
  };
}
