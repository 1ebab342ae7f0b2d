import type { Response } from 'express';

/**
 * The Content-Security-Policy of the two pages (CSP Level 3). Scripts and styles come only from
 * the gateway's own origin — no inline script or style, no eval, no CDN — so an injected string
 * can never run. Images: the QR code is drawn into a data: URL by the page. `connect-src 'self'`
 * keeps every API call on this gateway; forms are submitted by script (`form-action 'none'`).
 * The camera stream of the checkpoint page needs no source: a MediaStream is not fetched.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Sets the page policy over the API's stricter default (gateway/http/security-headers.ts). */
export function setPageHeaders(res: Response, camera: boolean): void {
  res.setHeader('content-security-policy', PAGE_CSP);
  // Only the checkpoint page may ask for the camera (扫码); nothing else is ever granted.
  res.setHeader('permissions-policy', `camera=${camera ? '(self)' : '()'}, microphone=(), geolocation=()`);
  res.setHeader('cache-control', 'no-cache');
}
