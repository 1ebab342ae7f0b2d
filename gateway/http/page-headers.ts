import type { Response } from 'express';

/**
 * The Content-Security-Policy of the pages (CSP Level 3). Scripts and styles come only from
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

/**
 * The checkpoint page's policy: the same, except that it may compile WebAssembly — its QR decoder
 * (zxing-cpp, web/src/checkpoint/camera.ts), fetched from /assets/ under `connect-src 'self'`.
 * 'wasm-unsafe-eval' (CSP Level 3, §6.1.1 script-src; WebAssembly's CSP integration) allows
 * WebAssembly.compile/instantiate only: JavaScript eval(), new Function() and inline scripts stay
 * refused, and the module's bytes still come from this origin alone.
 */
export const CHECKPOINT_CSP = PAGE_CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'");

/**
 * Sets the page policy over the API's stricter default (gateway/http/security-headers.ts).
 * `checkpoint`: the officer's page, the only one given the camera and WebAssembly.
 */
export function setPageHeaders(res: Response, checkpoint: boolean): void {
  res.setHeader('content-security-policy', checkpoint ? CHECKPOINT_CSP : PAGE_CSP);
  // Only the checkpoint page may ask for the camera (扫码); nothing else is ever granted.
  res.setHeader('permissions-policy', `camera=${checkpoint ? '(self)' : '()'}, microphone=(), geolocation=()`);
  res.setHeader('cache-control', 'no-cache');
}
