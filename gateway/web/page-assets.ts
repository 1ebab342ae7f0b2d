import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

/**
 * The built pages (dist/pages by default: `npm run build` writes them, web/build.mjs
 * says how). They are few and small, so they are read once at start and served from memory: no
 * file-system access per request, and no path from a request ever reaches the file system.
 */
export interface PageAsset {
  body: Buffer;
  type: string;
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
    if (type) assets.set(name, { body: readFileSync(join(dir, name)), type });
  }
  return assets;
}
