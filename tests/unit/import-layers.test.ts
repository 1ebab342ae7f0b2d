import { readFileSync } from 'node:fs';
import { fromRoot } from '../../gateway/paths.js';
import { importGraph } from '../helpers/import-graph.js';

/**
 * docs/layout.md, "Layers": every module under gateway/, verifier/ and web/src/ sits in one layer,
 * and imports go only down. The table is read from the document, so the picture a reader sees is
 * the rule the code keeps.
 */
function layersOfLayoutMd(): Array<{ layer: number; where: string }> {
  const text = readFileSync(fromRoot('docs', 'layout.md'), 'utf8');
  const section = text.slice(text.indexOf('## Layers'));
  const rows: Array<{ layer: number; where: string }> = [];
  for (const line of section.split('\n')) {
    const row = /^\|\s*(\d+)\s*\|[^|]*\|([^|]*)\|\s*$/.exec(line);
    if (!row) continue;
    for (const where of row[2]!.matchAll(/`([^`]+)`/g)) rows.push({ layer: Number(row[1]), where: where[1]! });
  }
  return rows;
}

/** The layer of a file: the row naming it, or the longest directory of a row that holds it. */
function layerOf(rows: ReadonlyArray<{ layer: number; where: string }>, file: string): number | undefined {
  let best: { layer: number; where: string } | undefined;
  for (const row of rows) {
    const holds = row.where.endsWith('/') ? file.startsWith(row.where) : file === row.where;
    if (holds && (!best || row.where.length > best.where.length)) best = row;
  }
  return best?.layer;
}

/** The "imports that still go up" of docs/layout.md, as `from → to` lines. */
function upwardExceptions(): string[] {
  const text = readFileSync(fromRoot('docs', 'layout.md'), 'utf8');
  const section = text.slice(text.indexOf('## Layers'));
  return [...section.matchAll(/^- `([^`]+)` → `([^`]+)`/gm)].map((m) => `${m[1]} → ${m[2]}`);
}

describe('import layers', () => {
  const rows = layersOfLayoutMd();
  const exceptions = upwardExceptions();
  const graph = importGraph(fromRoot(), ['gateway', 'verifier', 'web/src']);

  test('docs/layout.md names the layers, from the foundation (0) to the start (8)', () => {
    expect(new Set(rows.map((r) => r.layer))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]));
    expect(layerOf(rows, 'gateway/verify/verify-code.ts')).toBeLessThan(layerOf(rows, 'gateway/checkpoint/document-check.ts')!);
  });

  test('every module under gateway/, verifier/ and web/src/ is in a layer of docs/layout.md (a new directory gets a row)', () => {
    expect([...graph.keys()].filter((file) => layerOf(rows, file) === undefined)).toEqual([]);
  });

  test('no module imports from a layer above its own, but for the ones docs/layout.md lists as still to be moved down', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const own = layerOf(rows, file);
      for (const target of targets) {
        const theirs = layerOf(rows, target);
        if (own !== undefined && theirs !== undefined && theirs > own) upward.push(`${file} → ${target}`);
      }
    }
    expect(upward.filter((edge) => !exceptions.includes(edge))).toEqual([]);
    // A listed exception that was moved down leaves the list too, so the document stays true (a
    // line naming a module not in the tree yet waits for the branch that adds it).
    const present = (edge: string): boolean => edge.split(' → ').every((file) => graph.has(file));
    expect(exceptions.filter((edge) => !upward.includes(edge) && present(edge))).toEqual([]);
  });
});
