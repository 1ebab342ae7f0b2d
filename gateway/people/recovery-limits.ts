import { TokenBuckets, type TakeResult } from '../http/rate-limit.js';
import type { Config } from '../config/load-config.js';

/**
 * The limits of recovery (issue 17, item 2), behind the smallest interface the service needs, so
 * the limiter behind it can be swapped (a shared store for several instances) without touching
 * recovery. Keys are a document's keyed hash and a client address class, never a number.
 */
export interface RecoveryLimiter {
  take(key: string): TakeResult | Promise<TakeResult>;
}

export interface RecoveryLimits {
  perDocument: RecoveryLimiter;
  perAddress: RecoveryLimiter;
}

/** Token buckets of the existing rate limiter, per process: N per hour, N at once. */
export function recoveryLimits(config: Config, now: () => number): RecoveryLimits {
  const hourly = (perHour: number): RecoveryLimiter =>
    new TokenBuckets({ perSecond: perHour / 3600, burst: perHour, maxClients: config.rateLimit.maxClients }, now);
  return { perDocument: hourly(config.recovery.perDocumentPerHour), perAddress: hourly(config.recovery.perAddressPerHour) };
}
