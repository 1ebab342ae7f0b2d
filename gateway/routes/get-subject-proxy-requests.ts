import type { RequestHandler } from 'express';
import { listProxyRequests } from '../declarations/proxy-consent.js';
import { bearerToken } from '../declarations/secrets.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/** GET /v1/subjects/:subjectId/proxy-requests — pending requests, with the subject's own token. */
export function getSubjectProxyRequests(deps: IssuerDeps): RequestHandler<{ subjectId: string }> {
  return async (req, res) => {
    res.json(await listProxyRequests(deps, bearerToken(req.headers.authorization), req.params.subjectId));
  };
}
