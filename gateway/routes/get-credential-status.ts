import type { RequestHandler } from 'express';
import { statusList } from '../declarations/own-code-status.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/** GET /.well-known/health-code-status — Xinji codes superseded or revoked before their exp. */
export function getCredentialStatus(deps: IssuerDeps): RequestHandler {
  return async (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=30');
    res.json(await statusList(deps));
  };
}
