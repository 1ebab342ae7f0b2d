import type { RequestHandler } from 'express';
import { approveProxyRequest } from '../declarations/proxy-consent.js';
import { bearerToken } from '../declarations/secrets.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/** POST /v1/subjects/:subjectId/proxy-requests/:requestId/approve — the requester becomes a proxy. */
export function postSubjectProxyRequestApprove(deps: IssuerDeps): RequestHandler<{ subjectId: string; requestId: string }> {
  return async (req, res) => {
    res.json(await approveProxyRequest(deps, bearerToken(req.headers.authorization), req.params.subjectId, req.params.requestId));
  };
}
