import type { RequestHandler } from 'express';
import { modify } from '../declarations/declaration-service.js';
import { bearerToken } from '../declarations/secrets.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/** PUT /v1/subjects/:subjectId/declaration — once per calendar day (Asia/Shanghai). */
export function putSubjectDeclaration(deps: IssuerDeps): RequestHandler<{ subjectId: string }> {
  return async (req, res) => {
    res.json(await modify(deps, req.params.subjectId, req.body, bearerToken(req.headers.authorization)));
  };
}
