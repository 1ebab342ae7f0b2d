import type { RequestHandler } from 'express';
import { GatewayError } from '../errors/gateway-error.js';
import { bearerToken, safeEqual } from '../declarations/secrets.js';

/**
 * POST /v1/admin/partners/reload — re-reads PARTNERS_DIR without a restart (SIGHUP does the
 * same). A directory that fails validation leaves the current partners in place: 400 with the
 * file and JSON path in the message.
 */
export function postAdminPartnersReload(deps: { adminToken: string | undefined; reload: () => Promise<number> }): RequestHandler {
  return async (req, res) => {
    const presented = bearerToken(req.headers.authorization);
    if (!deps.adminToken || !presented || !safeEqual(deps.adminToken, presented)) throw new GatewayError('ERR_PARTNER_ADMIN_UNAUTHORIZED');
    try {
      res.json({ partners: await deps.reload() });
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw new GatewayError('ERR_PARTNER_CONFIG_INVALID', (error as Error).message);
    }
  };
}
