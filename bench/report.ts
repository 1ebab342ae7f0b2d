import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { renderTable } from '../demo/table.js';
import { formatRate } from './measure.js';

/**
 * One row of the benchmark table: a figure, what it is compared with in the same run, the target
 * and whether it was met. `pass` is null when the row has no target (reported only) or could not
 * run here (`skipped` says why). `bound` says what limits a row that misses.
 */
export interface Row {
  id: string;
  name: string;
  value: number;
  unit: 'ops/s' | 'req/s' | 'fetches' | 'bytes' | 'entries';
  baseline?: { name: string; value: number };
  ratio?: number;
  target?: string;
  pass: boolean | null;
  p50Ms?: number;
  p99Ms?: number;
  failures?: number;
  skipped?: string;
  notes: string[];
  bound?: string;
}

export function ratioRow(base: Omit<Row, 'ratio' | 'pass' | 'target'>, minRatio: number | null): Row {
  const ratio = base.baseline ? base.value / base.baseline.value : undefined;
  const pass = minRatio === null || ratio === undefined ? null : ratio >= minRatio && (base.failures ?? 0) === 0;
  return { ...base, ...(ratio !== undefined ? { ratio } : {}), ...(minRatio !== null ? { target: `>= ${minRatio.toFixed(2)}×` } : {}), pass };
}

function ms(value: number | undefined): string {
  return value === undefined ? '' : `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;
}

export function printTable(rows: readonly Row[]): void {
  const lines = rows.map((r) => [
    r.name,
    r.skipped ? 'skipped' : r.unit === 'fetches' || r.unit === 'entries' ? String(r.value) : r.unit === 'bytes' ? `${r.value} B` : formatRate(r.value),
    r.baseline ? `${formatRate(r.baseline.value)} (${r.baseline.name})` : '',
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : '',
    r.p99Ms !== undefined ? `${ms(r.p50Ms)} / ${ms(r.p99Ms)}` : '',
    r.target ?? '—',
    r.skipped ? 'n/a' : r.pass === null ? 'reported' : r.pass ? 'PASS' : 'MISS',
  ]);
  console.log(renderTable(['benchmark', 'rate', 'baseline, same run', 'ratio', 'p50 / p99', 'target', 'result'], lines));
  for (const r of rows) {
    const said = [...(r.skipped ? [`not run: ${r.skipped}`] : []), ...r.notes, ...(r.pass === false && r.bound ? [`MISS — bounded by: ${r.bound}`] : [])];
    if (said.length > 0) console.log(`\n[${r.id}] ${said.join('\n  ')}`);
  }
}

export function writeJson(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
}

/** The table as Markdown, for docs/performance.md. */
export function markdownTable(rows: readonly Row[]): string {
  const lines = ['| benchmark | figure | compared with, same run | ratio | p50 / p99 | target | result |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const figure = r.skipped ? 'not run' : r.unit === 'fetches' ? `${r.value} key fetch${r.value === 1 ? '' : 'es'}` : r.unit === 'bytes' || r.unit === 'entries' ? `${r.value} ${r.unit}` : `${formatRate(r.value)} ${r.unit}`;
    const base = r.baseline ? `${r.baseline.name}: ${formatRate(r.baseline.value)} ${r.unit}` : '—';
    const ratio = r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : '—';
    const lat = r.p99Ms !== undefined ? `${ms(r.p50Ms)} / ${ms(r.p99Ms)}` : '—';
    const result = r.skipped ? `n/a (${r.skipped})` : r.pass === null ? 'reported' : r.pass ? 'PASS' : '**MISS**';
    lines.push(`| ${r.name} | ${figure} | ${base} | ${ratio} | ${lat} | ${r.target ?? '—'} | ${result} |`);
  }
  return lines.join('\n');
}
