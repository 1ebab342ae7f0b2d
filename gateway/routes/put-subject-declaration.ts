import type { RequestHandler } from 'express';
import { modify } from '../declarations/declaration-service.js';
import { isFactsOnly, modifyFacts } from '../declarations/modify-facts.js';
import { bearerToken } from '../declarations/secrets.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/**
 * PUT /v1/subjects/:subjectId/declaration — once per calendar day (Asia/Shanghai): the whole
 * declaration, or the health facts only (a body without `applicant`, declarations/modify-facts.ts).
 */
export function putSubjectDeclaration(deps: IssuerDeps): RequestHandler<{ subjectId: string }> {
  return async (req, res) => {
    const token = bearerToken(req.headers.authorization);
    res.json(await (isFactsOnly(req.body) ? modifyFacts : modify)(deps, req.params.subjectId, req.body, token));
  };
}
