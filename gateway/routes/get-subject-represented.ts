import type { RequestHandler } from 'express';
import { bearerToken } from '../declarations/secrets.js';
import { listRepresented } from '../people/represented.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/** GET /v1/subjects/:subjectId/represented — the people this holder acts for, and its pending requests. */
export function getSubjectRepresented(deps: IssuerDeps): RequestHandler<{ subjectId: string }> {
  return async (req, res) => {
    res.json(await listRepresented(deps, bearerToken(req.headers.authorization), req.params.subjectId));
  };
}
