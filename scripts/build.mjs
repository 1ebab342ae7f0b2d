#!/usr/bin/env node
/**
 * `npm run build`: compiles gateway/ (and the demo and bench tools) into dist/ and copies the
 * runtime files beside the compiled code (runtime-files.json), so dist/ is self-contained:
 * `npm ci --omit=dev && npm start` serves from it without TypeScript or the sources.
 *   node scripts/build.mjs [--out <dir>] [--no-check]
 * --out: default dist/, emptied first. --no-check: emit without type-checking (the same output;
 * for tests that replay the build, the type check being `npm run typecheck`).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const i = args.indexOf('--out');
const out = i >= 0 && args[i + 1] ? resolve(args[i + 1]) : join(root, 'dist');

rmSync(out, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const check = args.includes('--no-check') ? ['--noCheck'] : [];
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', out, ...check], { stdio: 'inherit' });
const { assets } = JSON.parse(readFileSync(join(root, 'runtime-files.json'), 'utf8'));
for (const asset of assets) cpSync(join(root, asset), join(out, asset), { recursive: true });
// The pages (web/): bundled into dist/pages, where the gateway reads them.
const { buildWeb } = await import(pathToFileURL(join(root, 'web', 'build.mjs')).href);
await buildWeb(join(out, 'pages'));
// The verifier library for browsers and partners (docs/verifier.md): dist/verifier/health-code-verifier.js.
const { buildVerifier } = await import(pathToFileURL(join(root, 'scripts', 'build-verifier.mjs')).href);
await buildVerifier({ outfile: join(out, 'verifier', 'health-code-verifier.js') });
