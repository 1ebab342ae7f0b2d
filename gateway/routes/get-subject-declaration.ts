import type { RequestHandler } from 'express';
import { declarationView } from '../declarations/declaration-view.js';
import { bearerToken } from '../declarations/secrets.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/** GET /v1/subjects/:subjectId/declaration — the current declaration (masked identity), holder or proxy. */
export function getSubjectDeclaration(deps: IssuerDeps): RequestHandler<{ subjectId: string }> {
  return async (req, res) => {
    const view = await declarationView(deps, req.params.subjectId, bearerToken(req.headers.authorization));
    res.setHeader('cache-control', 'no-store');
    res.json(view);
  };
}
