import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, SQLITE_FILE_NAME } from '../../gateway/store/open-store.js';
import { POSITION_SQL, QUEUE_ENDS_SQL, STATS_SQL } from '../../gateway/store/queue-rows.js';

/**
 * On launch day the queue holds hundreds of thousands of declarations, and every new one reads the
 * queue's ends inside the write batch. On SQLite's own plan for the gateway's schema (migrations
 * applied by the store), those reads must be index lookups: a scan of declaration_queue makes each
 * declaration slower than the last (3.5 ms each behind 100,000, measured before the fix).
 */
let dir: string;
let db: Database.Database;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hcg-plans-'));
  const store = await openStore({ dataDir: dir });
  await store.close();
  db = new Database(join(dir, SQLITE_FILE_NAME), { readonly: true });
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const plan = (sql: string, ...params: unknown[]): string[] => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail);

test('the queue\'s first and last place, read for every new declaration, are index lookups on SQLite, not scans of the queue', () => {
  const steps = plan(QUEUE_ENDS_SQL);
  expect(steps.filter((s) => /SEARCH declaration_queue/.test(s))).toHaveLength(2);
  expect(steps.filter((s) => /SCAN declaration_queue/.test(s))).toEqual([]);
});

test('a resident\'s place in the queue is found by their subject and the queue\'s first seq, without a scan', () => {
  const steps = plan(POSITION_SQL(() => '?'), 'sub_x');
  expect(steps.filter((s) => /SCAN declaration_queue/.test(s))).toEqual([]);
});

test('the depth and oldest wait behind the queue gauges are read without a scan, so a scrape does not hold the event loop for a long queue', () => {
  const steps = plan(STATS_SQL);
  expect(steps.filter((s) => /SEARCH declaration_queue/.test(s))).toHaveLength(2);
  // The first job by seq: a walk of the rowid that stops at the first row (LIMIT 1), not a full scan.
  expect(steps.filter((s) => /SCAN declaration_queue/.test(s))).toHaveLength(1);
});
