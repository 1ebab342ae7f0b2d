import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Request, Response } from 'express';
import { notModified } from '../http/etag.js';

/**
 * The built pages (dist/pages by default: `npm run build` writes them, web/build.mjs
 * says how). They are few and small, so they are read once at start and served from memory: no
 * file-system access per request, and no path from a request ever reaches the file system.
 */
export interface PageAsset {
  body: Buffer;
  type: string;
  /** The body gzipped once at start (RFC 9110 §8.4.1.3), when that makes it smaller. */
  gzip?: Buffer;
  /**
   * Strong entity tags of the body and of its gzip, made once at start (the app turns express's
   * per-answer ETag off): a representation of its own gets a tag of its own (RFC 9110 §8.8.3).
   */
  etag?: string;
  gzipEtag?: string;
}

/** A strong entity tag naming exactly these bytes (RFC 9110 §8.8.3). */
const entityTag = (bytes: Buffer): string => `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;

export type PageAssets = ReadonlyMap<string, PageAsset>;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  // The checkpoint page's QR decoder; WebAssembly.instantiateStreaming requires this type.
  '.wasm': 'application/wasm',
};

/** Every servable file of `dir` by name; empty when the pages were not built. */
export function loadPageAssets(dir: string): PageAssets {
  const assets = new Map<string, PageAsset>();
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(dir, name));
    // The officer's phone may be on a weak mobile link: the QR decoder's .wasm is 946 KB, 411 KB
    // gzipped. Compressed once here, so no request pays for it.
    const gzip = body.length >= 1024 ? gzipSync(body, { level: 9 }) : undefined;
    assets.set(name, { body, type, etag: entityTag(body), ...(gzip && gzip.length < body.length ? { gzip, gzipEtag: entityTag(gzip) } : {}) });
  }
  return assets;
}

/**
 * Sends an asset, gzipped when the client accepts it (RFC 9110 §12.5.3) and a gzip was made, with
 * its entity tag: the pages are `no-cache`, so a browser revalidates every asset on every load,
 * and a matching If-None-Match is a 304 without a body (RFC 9110 §13.1.2, §15.4.5) — the officer's
 * phone does not download the 411 KB decoder again on a weak link.
 */
export function sendAsset(req: Request, res: Response, asset: PageAsset): void {
  res.vary('Accept-Encoding');
  const zipped = asset.gzip !== undefined && req.acceptsEncodings('gzip', 'identity') === 'gzip';
  const etag = zipped ? asset.gzipEtag : asset.etag;
  if (etag !== undefined) {
    res.setHeader('etag', etag);
    if (notModified(req.headers['if-none-match'], etag)) {
      res.status(304).end();
      return;
    }
  }
  res.type(asset.type);
  if (zipped) {
    res.setHeader('content-encoding', 'gzip');
    res.send(asset.gzip);
    return;
  }
  res.send(asset.body);
}
