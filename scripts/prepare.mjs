#!/usr/bin/env node
/**
 * npm's `prepare` hook: after `npm ci` with dev dependencies (a developer's checkout), build, so
 * the README's `npm ci && npm start` works. After `npm ci --omit=dev` there is no TypeScript and
 * nothing to build: dist/ is expected to be there already (built in CI or an image's build stage).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'node_modules', 'typescript'))) {
  console.log('prepare: no dev dependencies, so no build; `npm start` runs the dist/ that is there');
} else {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
