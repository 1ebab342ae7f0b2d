import type { RequestHandler } from 'express';
import { clientKey, markRateLimit } from '../http/rate-limit.js';
import { verifyRecovery, type RecoveryDeps } from '../people/recovery.js';

/** POST /v1/recovery/verify — the subject id and a new owner holder token (shown once). */
export function postRecoveryVerify(deps: RecoveryDeps): RequestHandler {
  return async (req, res) => {
    markRateLimit(res, 'recovery');
    res.json(await verifyRecovery(deps, req.body, clientKey(req.ip ?? req.socket.remoteAddress)));
  };
}
