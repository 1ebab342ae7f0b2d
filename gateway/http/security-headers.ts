import type { RequestHandler } from 'express';

/**
 * Headers on every answer. The gateway serves JSON and images to programs, never pages, so the
 * policy forbids everything a browser could do with a response (OWASP Secure Headers for REST
 * APIs): no sniffing, no framing, no scripts or sub-resources, no referrer. Answers are not cached
 * unless a route says otherwise — the JWKS, issuer metadata and status list set their own
 * max-age, which replaces this default.
 */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('content-security-policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cache-control', 'no-store');
  next();
};
