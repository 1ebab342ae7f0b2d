import type { RequestHandler } from 'express';
import { applyRiskEvents, checkFeedToken } from '../declarations/risk-feed.js';
import { bearerToken } from '../declarations/secrets.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/** POST /v1/risk-events — the epidemic data feed, authenticated with RISK_FEED_TOKEN. */
export function postRiskEvents(deps: IssuerDeps): RequestHandler {
  return async (req, res) => {
    checkFeedToken(deps.config.riskFeedToken, bearerToken(req.headers.authorization));
    res.json(await applyRiskEvents(deps, req.body));
  };
}
