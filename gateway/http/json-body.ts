import express, { type RequestHandler } from 'express';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * JSON bodies only, up to `limit` bytes. Parser failures become catalogue errors (never a 500):
 * too large → 413, not JSON → 400, another media type → 415.
 */
export function jsonBody(limit: number): RequestHandler[] {
  const parse = express.json({ limit, strict: true, type: () => true });
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is('application/json') && !req.is('application/*+json')) {
      next(new GatewayError('ERR_UNSUPPORTED_MEDIA_TYPE'));
      return;
    }
    next();
  };
  const mapErrors: RequestHandler = (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      if (!error) return next();
      const type = (error as { type?: string }).type;
      if (type === 'entity.too.large') return next(new GatewayError('ERR_BODY_TOO_LARGE'));
      if (type === 'charset.unsupported' || type === 'encoding.unsupported') return next(new GatewayError('ERR_UNSUPPORTED_MEDIA_TYPE'));
      if (type === 'request.aborted' || type === 'request.size.invalid') return next(new GatewayError('ERR_INVALID_JSON', 'The request body was incomplete.'));
      return next(new GatewayError('ERR_INVALID_JSON'));
    });
  };
  return [requireJson, mapErrors];
}
