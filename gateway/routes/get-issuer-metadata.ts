import type { RequestHandler } from 'express';
import type { IssuerMetadata } from '../types/schemas.js';

/** GET /.well-known/health-code-issuer — what a partner needs to register Xinji. */
export function getIssuerMetadata(metadata: IssuerMetadata): RequestHandler {
  return (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=3600');
    res.json(metadata);
  };
}
