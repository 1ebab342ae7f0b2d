import { RateLimiterCluster, RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type pg from 'pg';

/**
 * Where counters live (issue 19, item 2). Limits held in each process give every worker and every
 * replica its own budget; a shared store gives them one:
 * - Redis (REDIS_URL): what a city runs for this; one atomic INCRBY + TTL script per take.
 * - PostgreSQL (DATABASE_URL without REDIS_URL): the table rate_limits (migration 8), one upsert.
 * - cluster: the workers of one machine (WORKERS > 1 without either), counted in the primary's
 *   memory over node:cluster IPC (RateLimiterClusterMaster, started by lifecycle/cluster.ts).
 * - memory: one process (SQLite, WORKERS=1), as before.
 * rate-limiter-flexible does the counting (docs/dependencies.md). When the shared store fails, its
 * insurance limiter counts in this process's memory instead: the gateway keeps answering and keeps
 * a limit, per process, until the store answers again.
 */
export type LimiterBackend =
  | { kind: 'redis'; client: Redis; prefix: string }
  | { kind: 'postgres'; pool: pg.Pool }
  | { kind: 'cluster' }
  | { kind: 'memory' };

/** `points` per window of `windowSeconds` (a fixed window per key, started by its first take). */
export interface WindowLimit {
  points: number;
  windowSeconds: number;
}

export type Take = { ok: true; consumed: number } | { ok: false; consumed: number; retryAfterSeconds: number };

/** The table of the PostgreSQL backend (gateway/store/migrations.ts, version 8). */
export const RATE_LIMITS_TABLE = 'rate_limits';

/**
 * The longest window a take may ask for: the memory store (and every shared store's insurance
 * limiter) ends a key with setTimeout, which fires at once for more than 2^31 − 1 ms (about 24.8
 * days) — so a 30-day 通行证's mismatch lock (checkpoint/document-check.ts) would end the moment it
 * was set. Longer windows are held this long.
 */
export const MAX_WINDOW_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

const retryAfter = (res: RateLimiterRes): number => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/** One named limit over one backend: every instance sharing the backend shares its counters. */
export class Limiter {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    readonly points: number,
  ) {}

  /** Counts `points` against `key`; refused once more than `points` were taken in the window. */
  async take(key: string, points = 1, windowSeconds?: number): Promise<Take> {
    const options = windowSeconds === undefined ? undefined : { customDuration: Math.min(windowSeconds, MAX_WINDOW_SECONDS) };
    try {
      const res = await this.limiter.consume(key, points, options);
      return { ok: true, consumed: res.consumedPoints };
    } catch (rejected) {
      if (!(rejected instanceof RateLimiterRes)) throw rejected;
      return { ok: false, consumed: rejected.consumedPoints, retryAfterSeconds: retryAfter(rejected) };
    }
  }

  /** What `key` has taken in its window, and how long until the window ends; nothing is counted. */
  async peek(key: string): Promise<{ consumed: number; retryAfterSeconds: number }> {
    const res = await this.limiter.get(key);
    // Every window here has a duration, so nothing left of it means it ended (the memory store
    // drops ended keys on a timer, and may be asked in between).
    if (!res || res.msBeforeNext <= 0) return { consumed: 0, retryAfterSeconds: 0 };
    return { consumed: res.consumedPoints, retryAfterSeconds: retryAfter(res) };
  }

  /** Gives `points` back (a reservation that was not needed). */
  async giveBack(key: string, points = 1): Promise<void> {
    await this.limiter.reward(key, points);
  }
}

/** Makes the limiters of one backend; `name` keeps each limit's keys apart. */
export function limiterFactory(backend: LimiterBackend): (name: string, limit: WindowLimit) => Limiter {
  return (name, { points, windowSeconds }) => {
    const common = { points, duration: windowSeconds };
    const memory = (): RateLimiterMemory => new RateLimiterMemory({ ...common, keyPrefix: name });
    switch (backend.kind) {
      case 'memory':
        return new Limiter(memory(), points);
      case 'redis':
        return new Limiter(
          new RateLimiterRedis({ ...common, storeClient: backend.client, keyPrefix: `${backend.prefix}:${name}`, insuranceLimiter: memory() }),
          points,
        );
      case 'cluster':
        return new Limiter(new RateLimiterCluster({ ...common, keyPrefix: name, timeoutMs: 3000, insuranceLimiter: memory() }), points);
      case 'postgres':
        return new Limiter(
          new RateLimiterPostgres({
            ...common,
            storeClient: backend.pool,
            storeType: 'pool',
            tableName: RATE_LIMITS_TABLE,
            tableCreated: true,
            keyPrefix: name,
            insuranceLimiter: memory(),
          }),
          points,
        );
    }
  };
}

/**
 * A token bucket's settings (burst, perSecond: the configuration's words) as a fixed window:
 * `burst` requests per ⌈burst ÷ perSecond⌉ seconds, so the sustained rate stays about perSecond.
 * Whole seconds because Redis expiries are whole seconds.
 */
export function bucketAsWindow(limit: { burst: number; perSecond: number }): WindowLimit {
  return { points: limit.burst, windowSeconds: Math.max(1, Math.ceil(limit.burst / limit.perSecond)) };
}
