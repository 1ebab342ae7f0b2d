import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root: the nearest directory above this module that holds package.json. Works the
 * same from gateway/ (tests, ts-jest) and from dist/gateway/ (npm start).
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root (package.json beside schemas/)');
    dir = parent;
  }
}

let root: string | undefined;
export function projectRoot(): string {
  root ??= findRoot();
  return root;
}

export function fromRoot(...parts: string[]): string {
  return resolve(projectRoot(), ...parts);
}
