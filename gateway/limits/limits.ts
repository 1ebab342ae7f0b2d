import cluster from 'node:cluster';
import { Redis } from 'ioredis';
import { RateLimiterClusterMaster } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import type { Config } from '../config/load-config.js';
import type { Store } from '../store/store.js';
import { PostgresStore } from '../store/postgres-store.js';
import { bucketAsWindow, limiterFactory, type Limiter, type LimiterBackend } from './limiter.js';

/** The checkpoint mismatch lock: LOCK_AFTER mismatches per code (checkpoint/binding-check.ts). */
export const LOCK_AFTER = 3;
/** The lock's window when a code's remaining life is not given (a Xinji code lives 15 minutes). */
const LOCK_DEFAULT_SECONDS = 900;

/**
 * Every limit of the gateway, over one backend (limiter.ts). The request limits exist when
 * RATE_LIMIT_ENABLED; the mismatch lock always does (it guards document numbers, not capacity).
 */
export interface Limits {
  backend: LimiterBackend['kind'];
  /** Per client address: verification, JWKS, metadata, status list, trust bundle. */
  public?: Limiter;
  /** Per client address: declarations and code requests, modifications too (issue 19, item 1). */
  issue?: Limiter;
  /** Per device: checkpoint scans. */
  device?: Limiter;
  /** Per holder token: declaration modifications (MODIFY_RATE_LIMIT_*). */
  modify?: Limiter;
  /** Per client address: failed authentications (AUTH_FAILURE_*). */
  authFailures?: Limiter;
  /** Per code (partner + jti): document mismatches at checkpoints. */
  mismatches: Limiter;
  /** Recovery by one-time code (issue 17), always on: per document's keyed hash and per client address, hourly. */
  recoveryPerDocument: Limiter;
  recoveryPerAddress: Limiter;
  close(): Promise<void>;
}

export function createLimits(config: Config, backend: LimiterBackend, close: () => Promise<void> = async () => undefined): Limits {
  const make = limiterFactory(backend);
  const on = config.rateLimit.enabled;
  const publicWindow = bucketAsWindow(config.rateLimit);
  return {
    backend: backend.kind,
    ...(on
      ? {
          public: make('public', publicWindow),
          issue: make('issue', bucketAsWindow(config.issueRateLimit)),
          device: make('device', publicWindow),
          modify: make('modify', config.modifyRateLimit),
          authFailures: make('auth-failures', config.authFailureLimit),
        }
      : {}),
    mismatches: make('mismatch', { points: LOCK_AFTER, windowSeconds: LOCK_DEFAULT_SECONDS }),
    recoveryPerDocument: make('recovery-document', { points: config.recovery.perDocumentPerHour, windowSeconds: 3600 }),
    recoveryPerAddress: make('recovery-address', { points: config.recovery.perAddressPerHour, windowSeconds: 3600 }),
    close,
  };
}

/**
 * Opens the configured backend: Redis when REDIS_URL is set (the start fails, naming REDIS_URL,
 * when it cannot connect), the store's PostgreSQL when it is one, memory otherwise.
 */
export async function openLimits(config: Config, store: Store, logger: Logger): Promise<Limits> {
  if (config.redisUrl) {
    const client = new Redis(config.redisUrl, {
      lazyConnect: true,
      // A command while Redis is away fails at once and the insurance limiter counts instead,
      // rather than queueing requests behind a reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
    });
    let warned = 0;
    client.on('error', (err: Error) => {
      // Reconnects retry on their own; one line a minute is enough for operators.
      if (Date.now() - warned < 60_000) return;
      warned = Date.now();
      logger.warn({ err: { message: err.message } }, 'Redis of the shared limits unreachable: limits count per process meanwhile');
    });
    try {
      await client.connect();
    } catch (err) {
      client.disconnect();
      throw new Error(`REDIS_URL: cannot connect to Redis (${(err as Error).message})`);
    }
    return createLimits(config, { kind: 'redis', client, prefix: config.redisKeyPrefix ?? 'hcg' }, async () => {
      await client.quit().catch(() => client.disconnect());
    });
  }
  if (store instanceof PostgresStore) return createLimits(config, { kind: 'postgres', pool: store.limiterPool });
  // WORKERS > 1 on SQLite: the workers share the primary's counters (startLimitsPrimary).
  if (cluster.isWorker && config.workers > 1) return createLimits(config, { kind: 'cluster' });
  return createLimits(config, { kind: 'memory' });
}

/**
 * In the primary of WORKERS > 1 when neither Redis nor PostgreSQL holds the limits: the one memory
 * every worker counts in (rate-limiter-flexible's cluster master answers the workers over IPC, on
 * a channel of its own beside the metrics requests).
 */
export function startLimitsPrimary(config: Config): void {
  if (config.workers > 1 && !config.redisUrl && !config.databaseUrl) new RateLimiterClusterMaster();
}
