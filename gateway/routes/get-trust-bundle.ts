import type { RequestHandler } from 'express';
import { notModified } from '../http/etag.js';
import type { HeldTrustBundle } from '../trust/trust-bundle-holder.js';

/**
 * GET /.well-known/health-code-trust — the signed trust bundle (gateway/trust/trust-bundle.ts):
 * a compact JWS, so it is served as application/jwt (RFC 7519 §10.3.1), from memory
 * (trust-bundle-holder.ts), with an ETag: If-None-Match naming it answers 304 (RFC 9110 §13.1.2).
 * Short-lived in caches: a withdrawn code or key must reach verifiers soon.
 */
export function getTrustBundle(signedBundle: () => Promise<HeldTrustBundle>): RequestHandler {
  return async (req, res) => {
    const held = await signedBundle();
    res.setHeader('cache-control', 'public, max-age=30');
    res.setHeader('etag', held.etag);
    if (notModified(req.headers['if-none-match'], held.etag)) {
      res.status(304).end();
      return;
    }
    // The bytes kept in memory, as a static file is sent: no per-request encoding.
    res.setHeader('content-type', 'application/jwt');
    res.setHeader('content-length', held.body.length);
    res.end(held.body);
  };
}
