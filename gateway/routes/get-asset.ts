import type { RequestHandler } from 'express';
import { GatewayError } from '../errors/gateway-error.js';
import { setPageHeaders } from '../http/page-headers.js';
import { sendAsset, type PageAssets } from '../web/page-assets.js';

/**
 * GET /assets/:name — a script or stylesheet of the pages, looked up by exact name in the set read
 * at start (a name with a path in it simply is not there).
 */
export function getAsset(assets: PageAssets): RequestHandler<{ name: string }> {
  return (req, res) => {
    const asset = req.params.name.endsWith('.html') ? undefined : assets.get(req.params.name);
    if (!asset) throw new GatewayError('ERR_NOT_FOUND');
    setPageHeaders(res, false);
    sendAsset(req, res, asset);
  };
}
