import type { RequestHandler } from 'express';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * GET /schemas/{file} — a JSON Schema of the contract, where openapi.yaml's `./schemas/<file>`
 * resolves to (schemas/published.ts). `application/schema+json` is the media type JSON Schema
 * registers (draft-07 core §12). Any other name is 404 ERR_NOT_FOUND.
 */
export function getSchema(files: ReadonlyMap<string, Buffer>): RequestHandler {
  return (req, res, next) => {
    const body = files.get(String(req.params['file']));
    if (!body) {
      next(new GatewayError('ERR_NOT_FOUND'));
      return;
    }
    res.setHeader('cache-control', 'public, max-age=3600');
    res.type('application/schema+json; charset=utf-8').send(body);
  };
}
