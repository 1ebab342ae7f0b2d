import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { watchDirectory } from '../../gateway/runtime/directory-watch.js';

/**
 * PARTNERS_DIR and CERTS_DIR are followed by watching the directory (gateway/runtime/directory-watch.ts):
 * a burst of changes gives one reload once it settles, and a directory that never settles (a file
 * beside the partner files written every 50 ms) still reloads, within the bounded wait.
 */
const logger = pino({ level: 'silent' });
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hcg-watch-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('a burst of changes gives one call once it has settled', async () => {
  const calls: number[] = [];
  const watch = watchDirectory(dir, () => calls.push(Date.now()), { logger, what: 'TEST_DIR', fallback: 'none', debounceMs: 100, maxWaitMs: 5_000 });
  try {
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(dir, `p${i}.json`), '{}');
      await sleep(20);
    }
    expect(calls).toHaveLength(0);
    await sleep(400);
    expect(calls).toHaveLength(1);
  } finally {
    watch.close();
  }
});

test('a directory written to without pause is still followed: a call comes within the bounded wait, not after the writes stop', async () => {
  const calls: number[] = [];
  const started = Date.now();
  const watch = watchDirectory(dir, () => calls.push(Date.now() - started), { logger, what: 'TEST_DIR', fallback: 'none', debounceMs: 200, maxWaitMs: 600 });
  try {
    // 2 s of writes every 50 ms: the debounce alone would wait until they stop.
    for (let t = 0; t < 2_000; t += 50) {
      writeFileSync(join(dir, 'noise.log'), String(t));
      await sleep(50);
    }
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls[0]).toBeLessThan(1_500);
  } finally {
    watch.close();
  }
});
