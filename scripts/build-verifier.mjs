// Bundles the verifier library (verifier/index.ts) into one ES module for browsers:
// dist/verifier/health-code-verifier.js, what the checkpoint page loads (docs/verifier.md).
// esbuild because it reads the TypeScript sources as they are (the library is the gateway's own
// verify pipeline, gateway/verify/, not a copy) and bundles jose, fflate, @noble/hashes and the
// precompiled schema checks into one file without a configuration of its own.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Builds `entry` (default the library) for browsers (or Node, for the CLI test); returns the code when outfile is null. */
export async function buildVerifier({ entry = `${root}verifier/index.ts`, outfile = `${root}dist/verifier/health-code-verifier.js`, minify = true, platform = 'browser' } = {}) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform,
    target: platform === 'node' ? ['node22'] : ['es2022', 'chrome120'],
    minify,
    sourcemap: false,
    legalComments: 'eof',
    write: outfile !== null,
    ...(outfile === null ? { outdir: `${root}dist/verifier` } : { outfile }),
    logLevel: 'silent',
  });
  return outfile === null ? result.outputFiles[0].text : outfile;
}

// node scripts/build-verifier.mjs [--entry <ts file>] [--out <js file>] [--platform node]
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const out = await buildVerifier({
    ...(arg('entry') ? { entry: arg('entry') } : {}),
    ...(arg('out') ? { outfile: arg('out') } : {}),
    ...(arg('platform') ? { platform: arg('platform') } : {}),
  });
  console.log(`wrote ${out} (${readFileSync(out).length} bytes)`);
}
