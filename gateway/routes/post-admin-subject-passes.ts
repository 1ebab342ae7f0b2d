import type { RequestHandler } from 'express';
import { GatewayError } from '../errors/gateway-error.js';
import { bearerToken, safeEqual } from '../declarations/secrets.js';
import { issuePass } from '../declarations/passes.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/**
 * POST /v1/admin/subjects/{subjectId}/passes — a community office's system prints a 通行证 for a
 * person without a phone (the same as `npm run passes -- issue`). The admin token, as for the
 * other admin routes; on the admin listener when ADMIN_PORT is set. 201 with the signed pass,
 * shown this once; 409 ERR_PASS_NOT_GREEN when the person is not green now.
 */
export function postAdminSubjectPasses(deps: IssuerDeps): RequestHandler {
  return async (req, res) => {
    const presented = bearerToken(req.headers.authorization);
    const adminToken = deps.config.adminToken;
    if (!adminToken || !presented || !safeEqual(adminToken, presented)) throw new GatewayError('ERR_PARTNER_ADMIN_UNAUTHORIZED');
    const pass = await issuePass(deps, String(req.params['subjectId']));
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(pass);
  };
}
