import type { RequestHandler } from 'express';
import type { IssuerDeps } from '../declarations/code-issuer.js';

/**
 * GET /.well-known/jwks.json — public members only (keystore.ts builds them from an allowlist).
 * Cacheable for a short while: a next key is published well before it signs (docs/partners-and-keys.md, rotation).
 */
export function getJwks(deps: IssuerDeps): RequestHandler {
  return (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=300');
    res.json({ keys: deps.keystore.publishedKeys(deps.now()) });
  };
}
