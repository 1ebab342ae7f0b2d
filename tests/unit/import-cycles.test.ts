import { fromRoot } from '../../gateway/paths.js';
import { importCycles, importGraph, type ImportGraph } from '../helpers/import-graph.js';

// The layers of docs/layout.md: a module imports only from below, so no two modules ever
// import each other, directly or round a longer loop.
const DIRS = ['gateway', 'verifier', 'web/src'];

describe('import cycles', () => {
  test('no module under gateway/, verifier/ or web/src/ imports itself back through any chain of imports', () => {
    const graph = importGraph(fromRoot(), DIRS);
    expect(graph.size).toBeGreaterThan(100);
    const cycles = importCycles(graph).map((cycle) => cycle.join(' → '));
    expect(cycles).toEqual([]);
  });

  test('the detector finds a loop of three modules, a pair and a module importing itself, and nothing in a diamond', () => {
    const graph: ImportGraph = new Map([
      ['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', ['e.ts']], ['e.ts', ['d.ts']],
      ['f.ts', ['f.ts']],
      ['top.ts', ['left.ts', 'right.ts']], ['left.ts', ['bottom.ts']], ['right.ts', ['bottom.ts']], ['bottom.ts', []],
    ]);
    expect(importCycles(graph).map((c) => c.join(' → ')).sort()).toEqual(['a.ts → b.ts → c.ts → a.ts', 'd.ts → e.ts → d.ts', 'f.ts → f.ts']);
  });
});
