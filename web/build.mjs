/**
 * Builds the pages into `outDir`: the HTML and CSS of web/ copied, each page's TypeScript entry
 * bundled by esbuild into one script (with the QR encoder or decoder it uses), so the gateway
 * serves everything itself — no CDN, no inline script (the pages' CSP forbids both).
 * `npm run build` (scripts/build.mjs) calls this for dist/pages; the browser tests call it for a
 * directory of their own. Plain JavaScript beside the sources, so it runs before and without the
 * TypeScript build, and resolves esbuild (a dev dependency) from the checkout wherever it writes.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';

/** The pages: each an HTML file of web/ and one script bundled from its TypeScript entry. */
export const PAGE_ENTRIES = ['resident', 'checkpoint', 'pass'];

const webDir = dirname(fileURLToPath(import.meta.url));

export async function buildWeb(outDir) {
  mkdirSync(outDir, { recursive: true });
  for (const name of readdirSync(webDir)) {
    if (name.endsWith('.html') || name.endsWith('.css')) copyFileSync(join(webDir, name), join(outDir, name));
  }
  await build({
    entryPoints: Object.fromEntries(PAGE_ENTRIES.map((page) => [page, join(webDir, 'src', page, 'main.ts')])),
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  // esbuild's service is a child process; ended here so a test worker (or the build) can exit
  // cleanly. The next build starts a new one.
  await stop();
  return outDir;
}
