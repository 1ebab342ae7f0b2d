import type { RequestHandler } from 'express';
import { listProxies } from '../declarations/proxy-consent.js';
import { bearerToken } from '../declarations/secrets.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/** GET /v1/subjects/:subjectId/proxies — who acts for this person, with the subject's own token. */
export function getSubjectProxies(deps: IssuerDeps): RequestHandler<{ subjectId: string }> {
  return async (req, res) => {
    res.json(await listProxies(deps, bearerToken(req.headers.authorization), req.params.subjectId));
  };
}
