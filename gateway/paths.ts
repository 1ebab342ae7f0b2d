import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The runtime root: the directory above gateway/, fixed by where this module is, never searched
 * for. From the sources (tests, ts-jest) it is the checkout; from the build it is dist/ itself,
 * which holds its own copy of every file the gateway reads (runtime-files.json, copied by
 * scripts/build.mjs), so a built gateway copied anywhere — an image, a package — needs nothing
 * from the checkout it was built in.
 */
function findRoot(): string {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  if (!existsSync(join(dir, 'schemas'))) throw new Error(`${dir}: the runtime files (schemas/, openapi.yaml) are missing beside gateway/; build with \`npm run build\``);
  return dir;
}

let root: string | undefined;
export function projectRoot(): string {
  root ??= findRoot();
  return root;
}

export function fromRoot(...parts: string[]): string {
  return resolve(projectRoot(), ...parts);
}
