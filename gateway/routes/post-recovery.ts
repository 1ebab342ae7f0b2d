import type { RequestHandler } from 'express';
import { clientKey, markRateLimit } from '../http/rate-limit.js';
import { startRecovery, type RecoveryDeps } from '../people/recovery.js';

/** POST /v1/recovery — 202, the same answer whether or not the document and phone matched. */
export function postRecovery(deps: RecoveryDeps): RequestHandler {
  return async (req, res) => {
    // A 429 here is the recovery limits' (per address and per document: people/recovery.ts).
    markRateLimit(res, 'recovery');
    res.status(202).json(await startRecovery(deps, req.body, clientKey(req.ip ?? req.socket.remoteAddress)));
  };
}
