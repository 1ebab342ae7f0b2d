import type { RequestHandler } from 'express';
import { GatewayError } from '../errors/gateway-error.js';
import { setPageHeaders } from '../http/page-headers.js';
import { sendAsset, type PageAssets } from '../web/page-assets.js';

/**
 * GET / (the resident's page), GET /checkpoint (the officer's page) and GET /pass (a 通行证's print view): the built HTML, which
 * loads its one script from /assets/. Both pages use only the public API.
 */
export function getPage(assets: PageAssets, file: 'resident.html' | 'checkpoint.html' | 'pass.html'): RequestHandler {
  return (req, res) => {
    const page = assets.get(file);
    if (!page) throw new GatewayError('ERR_NOT_FOUND', 'The pages are not built: run npm run build.');
    setPageHeaders(res, file === 'checkpoint.html');
    sendAsset(req, res, page);
  };
}
