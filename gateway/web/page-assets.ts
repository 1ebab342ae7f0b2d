import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Request, Response } from 'express';

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
}

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
    assets.set(name, { body, type, ...(gzip && gzip.length < body.length ? { gzip } : {}) });
  }
  return assets;
}

/** Sends an asset, gzipped when the client accepts it (RFC 9110 §12.5.3) and a gzip was made. */
export function sendAsset(req: Request, res: Response, asset: PageAsset): void {
  res.vary('Accept-Encoding');
  res.type(asset.type);
  if (asset.gzip && req.acceptsEncodings('gzip', 'identity') === 'gzip') {
    res.setHeader('content-encoding', 'gzip');
    res.send(asset.gzip);
    return;
  }
  res.send(asset.body);
}
