import { QUEUED_BINDING, type DeclarationJob } from './store.js';
import { intFromRow } from './rows.js';

/**
 * The SQL and row mapping of the declaration queue (issue 22), shared by both stores. A position
 * is `seq − the oldest seq + 1`: one index lookup instead of counting the queue (630,000 rows on a
 * launch morning). It can overstate a place by the jobs finished out of order, at most the jobs in
 * flight at that moment, and never understates it.
 */
export const JOB_COLUMNS = 'seq, subject_id, sealed_document, ahead, enqueued_at';

export interface JobRow {
  seq: number | string | bigint;
  subject_id: string;
  sealed_document: string;
  ahead: number | string | bigint;
  enqueued_at: number | string | bigint;
}

export function jobFromRow(row: JobRow): DeclarationJob {
  return { seq: intFromRow(row.seq), subjectId: row.subject_id, sealedDocument: row.sealed_document, ahead: intFromRow(row.ahead), enqueuedAt: intFromRow(row.enqueued_at) };
}

/** Parameters: the binding, the subject id. Only a subject still queued gets it (a release or a second worker cannot be overwritten). */
export const SET_BINDING_SQL = (p: (n: number) => string): string => `UPDATE subjects SET binding = ${p(1)} WHERE id = ${p(2)} AND binding = '${QUEUED_BINDING}'`;

export const POSITION_SQL = (p: (n: number) => string): string =>
  `SELECT q.seq - (SELECT min(seq) FROM declaration_queue) + 1 AS position FROM declaration_queue q WHERE q.subject_id = ${p(1)}`;

/**
 * The queue's first and last seq (null, null when empty). Two scalar subqueries, not one SELECT of
 * min() and max(): SQLite answers a lone min() or max() of the rowid with one index lookup, but a
 * query with both scans the whole table (sqlite.org/optoverview.html#minmax) — 3.5 ms per
 * declaration behind 100,000 queued ones, inside the write batch, growing with the queue.
 */
export const QUEUE_ENDS_SQL = 'SELECT (SELECT min(seq) FROM declaration_queue) AS lo, (SELECT max(seq) FROM declaration_queue) AS hi';

/**
 * Depth and the oldest wait, for the gauges and for a serving process's poll, by index lookups
 * only: the span from the oldest queued seq to the newest, and the first job's enqueue time. A
 * count(*) and a min(enqueued_at) scanned the queue: 89 ms behind 600,000 queued declarations, on
 * SQLite with the event loop held, at every scrape. The span counts a gap where a job finished
 * ahead of an older one still running, or a queued record was deleted: it may overcount by those,
 * never undercount (0 only when the queue is empty).
 */
export const STATS_SQL = `SELECT COALESCE((SELECT max(seq) FROM declaration_queue) - (SELECT min(seq) FROM declaration_queue) + 1, 0) AS depth,
  (SELECT enqueued_at FROM declaration_queue ORDER BY seq LIMIT 1) AS oldest`;
