import type { RequestHandler } from 'express';
import { removeProxy } from '../declarations/proxy-consent.js';
import { bearerToken } from '../declarations/secrets.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/** DELETE /v1/subjects/:subjectId/proxies/:proxyId — the proxy is refused from its next request on (204). */
export function deleteSubjectProxy(deps: IssuerDeps): RequestHandler<{ subjectId: string; proxyId: string }> {
  return async (req, res) => {
    await removeProxy(deps, bearerToken(req.headers.authorization), req.params.subjectId, req.params.proxyId);
    res.status(204).end();
  };
}
