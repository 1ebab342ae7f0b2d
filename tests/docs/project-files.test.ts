import { existsSync, readFileSync } from 'node:fs';
import { fromRoot } from '../../gateway/paths.js';
import { fencedBlock } from './markdown.js';

/**
 * What a project needs to be adopted (issue 20): the licence package.json names, a security policy,
 * a changelog with the current release, and a README that says how mature the project is and, before
 * its two commands, which Node they need.
 */
const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string; license: string; engines: { node: string } };
const read = (file: string): string => readFileSync(fromRoot(file), 'utf8');

describe('the project files', () => {
  test('LICENSE is the full Apache License 2.0 text that package.json names', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const text = read('LICENSE');
    expect(text.trimStart()).toMatch(/^Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\//);
    for (let section = 1; section <= 9; section++) expect(text).toMatch(new RegExp(`\\n\\s*${section}\\. [A-Z]`));
    expect(text).toContain('END OF TERMS AND CONDITIONS');
    expect(text.length).toBeGreaterThan(11_000);
  });

  test('SECURITY.md says how to report a vulnerability privately and which versions are supported', () => {
    const text = read('SECURITY.md');
    expect(text).toMatch(/## Reporting a vulnerability/);
    expect(text).toMatch(/privately|private vulnerability reporting/);
    expect(text).toMatch(/## Supported versions/);
    expect(text).toContain(pkg.version.split('.').slice(0, 2).join('.'));
  });

  test('CHANGELOG.md has an entry for the version in package.json', () => {
    expect(read('CHANGELOG.md')).toMatch(new RegExp(`^## \\[${pkg.version.replace(/\./g, '\\.')}\\]`, 'm'));
  });

  test('the README starts with the two commands, says which Node they need before them, and states its maturity', () => {
    const readme = read('README.md');
    expect(fencedBlock(readme, 'sh').split('\n').filter(Boolean).map((l) => l.split('#')[0]!.trim())).toEqual(['npm ci && npm start', 'npm test']);
    const beforeCommands = readme.slice(0, readme.indexOf('```sh'));
    // engines is "^22.14.0 || >=23.6.0": the README names both floors in words.
    for (const floor of pkg.engines.node.match(/\d+\.\d+/g) ?? []) expect(beforeCommands).toContain(floor);
    expect(readme).toMatch(/\*\*Maturity: [^*]+\*\*/);
    for (const file of ['LICENSE', 'SECURITY.md', 'CHANGELOG.md']) expect({ file, linked: readme.includes(`](${file})`), exists: existsSync(fromRoot(file)) }).toEqual({ file, linked: true, exists: true });
  });
});
