import { LRUCache } from 'lru-cache';
import type { Store } from './store.js';

/** Activity is recorded at most once an hour per subject: retention counts days, not requests. */
export const ACTIVITY_GRANULARITY_MS = 3_600_000;

/** Per store: when this process last recorded each subject's activity (bounded, least recent dropped). */
const recorded = new WeakMap<Store, LRUCache<string, number>>();

/**
 * Records a code request or scan of the subject, for RETENTION_DAYS (subjects/retention.ts). Scans
 * are the checkpoint's hot path: a subject recorded by this process within the last hour costs
 * nothing, not even a statement; otherwise one conditional UPDATE (the store writes only when its
 * record is older).
 */
export async function recordActivity(store: Store, subjectId: string, now: number): Promise<void> {
  let seen = recorded.get(store);
  if (!seen) recorded.set(store, (seen = new LRUCache<string, number>({ max: 100_000 })));
  const last = seen.get(subjectId);
  if (last !== undefined && now - last < ACTIVITY_GRANULARITY_MS && now >= last) return;
  seen.set(subjectId, now);
  await store.touchSubject(subjectId, now, ACTIVITY_GRANULARITY_MS);
}
