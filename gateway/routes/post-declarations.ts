import type { RequestHandler } from 'express';
import { declare } from '../declarations/declaration-service.js';
import { bearerToken } from '../declarations/secrets.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';
import { retryAfter } from '../declarations/queue-retry-after.js';

/** POST /v1/declarations — 201 for a new code; 202 when a proxy asks to act for an existing person, or when the declaration is queued (issue 22). */
export function postDeclarations(deps: IssuerDeps): RequestHandler {
  return async (req, res) => {
    const header = req.headers.authorization;
    const token = bearerToken(header);
    // A malformed Authorization header is not silently treated as "no proxy".
    const { status, result } = await declare(deps, req.body, header !== undefined && token === undefined ? '' : token);
    if ('etaSeconds' in result) res.setHeader('retry-after', String(retryAfter(result.etaSeconds)));
    res.status(status).json(result);
  };
}
