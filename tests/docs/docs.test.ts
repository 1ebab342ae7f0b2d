import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ENV_VARS } from '../../gateway/config/env.js';
import { fromRoot } from '../../gateway/paths.js';
import { anchors, firstCodeCells, readDoc, section } from './markdown.js';

/**
 * The README is short and points into docs/; these tests keep what docs/ says about the code true
 * to the code: the configuration table is ENV_VARS, the metrics tables are the registered metrics,
 * and every relative link leads to a file (and heading) that exists.
 */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const MARKDOWN = ['README.md', ...readdirSync(fromRoot('docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('docs/configuration.md', () => {
  const rows = new Map(
    [...readDoc('docs/configuration.md').matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]),
  );

  test('lists every environment variable the gateway reads, and no other', () => {
    expect([...rows.keys()].sort()).toEqual(ENV_VARS.map((v) => v.name).sort());
  });

  test('gives each variable the default the gateway applies', () => {
    const wrong = ENV_VARS.filter((v) => rows.get(v.name) !== (v.default === undefined ? '—' : `\`${String(v.default)}\``));
    expect(wrong.map((v) => `${v.name}: ${rows.get(v.name)} (the gateway: ${String(v.default ?? '—')})`)).toEqual([]);
  });
});

describe('docs/operating.md', () => {
  const registered = new Set(
    // A metric is declared as `name: 'gateway_…'` (prom-client's options) or through Metrics.counter('gateway_…', …).
    sourceFiles(fromRoot('gateway')).flatMap((path) => [...readFileSync(path, 'utf8').matchAll(/(?:name: |this\.counter\(\s*)'(gateway_[a-z0-9_]+)'/g)].map((m) => m[1]!)),
  );
  const documented = new Set(firstCodeCells(section(readDoc('docs/operating.md'), 'Metrics')).map((cell) => cell.replace(/\{.*$/, '')));

  test('documents every metric the gateway registers in its metrics tables', () => {
    expect([...registered].filter((name) => !documented.has(name)).sort()).toEqual([]);
  });

  test('documents no metric the gateway does not register', () => {
    expect([...documented].filter((name) => !registered.has(name)).sort()).toEqual([]);
  });
});

test.each(MARKDOWN)('every relative link in %s leads to a file, and to a heading that exists', (file) => {
  const text = readDoc(file).replace(/^```[\s\S]*?^```$/gm, '');
  const broken: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target!)) continue;
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const resolved = path === '' ? fromRoot(file) : join(dirname(fromRoot(file)), path);
    if (!existsSync(resolved)) {
      broken.push(`${target} (no ${relative(fromRoot(), resolved)})`);
    } else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) {
      broken.push(`${target} (no such heading)`);
    }
  }
  expect(broken).toEqual([]);
});
