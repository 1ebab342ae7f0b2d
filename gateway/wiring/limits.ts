import { openLimits, type Limits } from '../limits/limits.js';
import type { Store } from '../store/store.js';
import type { WiringContext } from './context.js';

/**
 * Rate limits and the checkpoint mismatch lock (issue 19, item 2): in Redis when REDIS_URL is set,
 * else in the store's PostgreSQL, else in memory (the primary's, with WORKERS > 1). A Redis that
 * cannot be reached stops the start, naming REDIS_URL; the store opened before is closed then.
 */
export async function wireLimits({ config, logger }: WiringContext, store: Store): Promise<Limits> {
  try {
    return await openLimits(config, store, logger);
  } catch (err) {
    await store.close();
    throw err;
  }
}
