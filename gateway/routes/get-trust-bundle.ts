import type { RequestHandler } from 'express';

/**
 * GET /.well-known/health-code-trust — the signed trust bundle (gateway/trust/trust-bundle.ts):
 * a compact JWS, so it is served as application/jwt (RFC 7519 §10.3.1). Short-lived in caches: its
 * status snapshot is only as fresh as the request that made it.
 */
export function getTrustBundle(signedBundle: () => Promise<string>): RequestHandler {
  return async (_req, res) => {
    const jws = await signedBundle();
    res.setHeader('cache-control', 'public, max-age=30');
    res.type('application/jwt').send(jws);
  };
}
