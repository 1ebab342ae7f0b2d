import type { RequestHandler } from 'express';
import { declineProxyRequest } from '../declarations/proxy-consent.js';
import { bearerToken } from '../declarations/secrets.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/** POST /v1/subjects/:subjectId/proxy-requests/:requestId/decline — the request is gone (204). */
export function postSubjectProxyRequestDecline(deps: IssuerDeps): RequestHandler<{ subjectId: string; requestId: string }> {
  return async (req, res) => {
    await declineProxyRequest(deps, bearerToken(req.headers.authorization), req.params.subjectId, req.params.requestId);
    res.status(204).end();
  };
}
