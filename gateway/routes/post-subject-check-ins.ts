import type { RequestHandler } from 'express';
import { checkIn } from '../declarations/check-in.js';
import { bearerToken } from '../declarations/secrets.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/** POST /v1/subjects/:subjectId/check-ins — 健康打卡, once per calendar day (Asia/Shanghai). */
export function postSubjectCheckIns(deps: IssuerDeps): RequestHandler<{ subjectId: string }> {
  return async (req, res) => {
    const result = await checkIn(deps, req.params.subjectId, req.body, bearerToken(req.headers.authorization));
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(result);
  };
}
