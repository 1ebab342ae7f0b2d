import type { Store } from '../store/store.js';
import { PURGED_ROW_MARGIN_MS, purgeSubjects } from '../subjects/retention.js';
import type { WiringContext } from './context.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Personal data that ends with its purpose (issue 19, item 6; docs/privacy.md). Hourly, the
 * anonymous rows of purged subjects go once none of their codes can be presented; with
 * RETENTION_DAYS, once at start and then daily, subjects inactive that long are purged. Every
 * instance may run it: a purge is idempotent, and each subject is purged by one statement.
 * Returns the function that stops the timers.
 */
export function startRetention({ config, now, logger, background }: WiringContext, store: Store): () => void {
  if (!background) return () => undefined;
  const removeRows = async (): Promise<void> => {
    try {
      const removed = await store.deletePurgedSubjects(now() - PURGED_ROW_MARGIN_MS);
      if (removed > 0) logger.info({ removed }, 'purged subjects removed');
    } catch (err) {
      logger.error({ err }, 'removing purged subjects failed');
    }
  };
  const retain = async (): Promise<void> => {
    if (config.retentionDays === undefined) return;
    try {
      const result = await purgeSubjects(store, { inactiveSince: now() - config.retentionDays * DAY_MS, now: now() });
      // Counts only: no id of a deleted subject is written anywhere.
      logger.info({ ...result, retentionDays: config.retentionDays }, 'inactive subjects purged');
    } catch (err) {
      logger.error({ err }, 'purging inactive subjects failed');
    }
  };
  const hourly = setInterval(() => void removeRows(), HOUR_MS).unref();
  const daily = config.retentionDays === undefined ? undefined : setInterval(() => void retain(), DAY_MS).unref();
  if (daily) void retain();
  return () => {
    clearInterval(hourly);
    clearInterval(daily);
  };
}
