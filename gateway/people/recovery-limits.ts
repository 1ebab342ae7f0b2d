import type { Limits } from '../limits/limits.js';

/**
 * The limits of recovery (issue 17, item 2), behind the smallest interface the service needs. They
 * are the gateway's shared limits (gateway/limits/: Redis, PostgreSQL or memory), so every
 * instance counts against one budget. Keys are a document's keyed hash and a client address
 * class, never a number.
 */
export interface RecoveryLimiter {
  take(key: string): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }>;
}

export interface RecoveryLimits {
  perDocument: RecoveryLimiter;
  perAddress: RecoveryLimiter;
}

export function recoveryLimits(limits: Limits): RecoveryLimits {
  return { perDocument: limits.recoveryPerDocument, perAddress: limits.recoveryPerAddress };
}
