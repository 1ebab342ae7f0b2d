import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fromRoot } from '../../gateway/paths.js';
import { anchorOf, anchors } from './markdown.js';

/**
 * References to the README from the rest of the project lead somewhere (issue 20: the deployment
 * guide and gateway.env.example sent readers to README sections that no longer existed). Links
 * (`README.md#anchor`) and prose (`the README's "Keys and key rotation"`, `README "Configuration"`)
 * are both checked, in docs/ and in the files an operator copies (deploy/, ops/, the Dockerfile).
 */
const SCANNED = ['docs', 'deploy', 'ops', 'partners', 'Dockerfile', 'SECURITY.md', 'CHANGELOG.md'];

function files(path: string): string[] {
  const full = fromRoot(path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full).flatMap((name) => files(join(path, name))).filter((f) => !/\.(png|jpe?g|svg)$/.test(f));
}

const readmeAnchors = anchors(readFileSync(fromRoot('README.md'), 'utf8'));

/** Every README section a file names, as [what was written, the anchor it needs]. */
export function readmeReferences(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const m of text.matchAll(/README(?:\.md)?#([\w-]+)/g)) out.push([m[0], m[1]!]);
  for (const m of text.matchAll(/README(?:\.md)?(?:'s)?,? (?:section )?"([^"]+)"(?! block)/g)) out.push([m[0], anchorOf(m[1]!)]);
  return out;
}

describe('references to README sections', () => {
  const scanned = SCANNED.flatMap(files);

  test('the scan finds the files an operator reads', () => {
    expect(scanned.map((f) => relative(fromRoot(), f))).toEqual(expect.arrayContaining(['docs/deployment.md', 'deploy/systemd/gateway.env.example', 'Dockerfile']));
  });

  test('finds links and prose references alike', () => {
    expect(readmeReferences('see README.md#a-walk-through, the README\'s "Keys and key rotation" and README "Configuration"')).toEqual([
      ['README.md#a-walk-through', 'a-walk-through'],
      ['README\'s "Keys and key rotation"', 'keys-and-key-rotation'],
      ['README "Configuration"', 'configuration'],
    ]);
  });

  test.each(scanned.map((f) => [relative(fromRoot(), f), f]))('every README section %s names exists', (_name, file) => {
    const missing = readmeReferences(readFileSync(file, 'utf8')).filter(([, anchor]) => !readmeAnchors.has(anchor)).map(([written]) => written);
    expect(missing).toEqual([]);
  });
});
