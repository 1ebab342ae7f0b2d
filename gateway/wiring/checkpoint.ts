import type { AppDeps } from '../app.js';
import type { WorkPool } from '../admission/work-pool.js';
import { createBindingCheck } from '../checkpoint/document-check.js';
import type { Limiter } from '../limits/limiter.js';
import { admissionPool, type WiringContext } from './context.js';

export interface Checkpoint {
  /** Admission of partner codes' scrypt binding checks. */
  pool: WorkPool;
  app: Pick<AppDeps, 'checkBinding'>;
}

/**
 * The document check of checkpoint scans: keyed lookup, remembered matches, bounded scrypt, mismatch
 * lock — counted in `mismatches` (wiring/limits.ts), so one lock holds for every instance.
 */
export function wireCheckpoint(ctx: WiringContext, pepper: Buffer, mismatches?: Limiter): Checkpoint {
  const { config, now, metrics } = ctx;
  const pool = admissionPool(ctx, 'binding', config.admission.bindingConcurrency, config.admission.bindingQueue);
  const checkBinding = createBindingCheck({
    pepper,
    pool,
    now,
    clockToleranceSeconds: config.clockToleranceSeconds,
    matchCacheMaxEntries: config.checkpoint.matchCacheMaxEntries ?? 0,
    onCheck: (method, outcome) => metrics.bindingChecks.inc({ method, outcome }),
    onLocked: () => metrics.bindingLocks.inc(),
    ...(mismatches ? { mismatches } : {}),
  });
  return { pool, app: { checkBinding } };
}
