import { performance } from 'node:perf_hooks';

/**
 * Throughput measurement without a framework: run the operation for a fixed wall time after a
 * short warm-up (JIT, caches, connection set-up), count completions. Sequential runs give the cost
 * of one operation on one core; concurrent runs (`workers` > 1) give what a server sustains.
 */
export interface Measurement {
  name: string;
  ops: number;
  seconds: number;
  opsPerSecond: number;
  /** Mean wall time per operation as seen by one worker, in milliseconds. */
  meanMs: number;
  workers: number;
}

export interface MeasureOptions {
  seconds: number;
  warmupSeconds?: number;
  /** Operations in flight at once (default 1: one after the other). */
  workers?: number;
}

async function loop(fn: () => Promise<unknown>, until: number): Promise<number> {
  let n = 0;
  while (performance.now() < until) {
    await fn();
    n++;
  }
  return n;
}

export async function measure(name: string, fn: () => Promise<unknown>, options: MeasureOptions): Promise<Measurement> {
  const workers = options.workers ?? 1;
  const warmup = performance.now() + (options.warmupSeconds ?? Math.min(0.5, options.seconds / 4)) * 1000;
  await Promise.all(Array.from({ length: workers }, () => loop(fn, warmup)));
  const start = performance.now();
  const until = start + options.seconds * 1000;
  const counts = await Promise.all(Array.from({ length: workers }, () => loop(fn, until)));
  const seconds = (performance.now() - start) / 1000;
  const ops = counts.reduce((a, b) => a + b, 0);
  return { name, ops, seconds, opsPerSecond: ops / seconds, meanMs: (seconds * 1000 * workers) / Math.max(1, ops), workers };
}

/** 12345.6 → "12 346"; 12.34 → "12.3"; 0.123 → "0.123": readable across five orders of magnitude. */
export function formatRate(value: number): string {
  if (value >= 1000) return Math.round(value).toLocaleString('en-US').replace(/,/g, ' ');
  if (value >= 10) return value.toFixed(1);
  return value.toPrecision(3);
}

/** A duration in the largest unit that keeps it readable. */
export function formatDuration(seconds: number): string {
  const units: Array<[string, number]> = [
    ['years', 365.25 * 86400],
    ['days', 86400],
    ['hours', 3600],
    ['minutes', 60],
    ['s', 1],
  ];
  for (const [unit, size] of units) if (seconds >= size) return `${(seconds / size).toPrecision(3)} ${unit}`;
  return `${(seconds * 1000).toPrecision(3)} ms`;
}
