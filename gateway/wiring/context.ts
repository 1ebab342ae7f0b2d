import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { WorkPool } from '../admission/work-pool.js';
import type { Config } from '../config/load-config.js';
import { createLogger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import type { SignatureCheck } from '../verify/jws-signature.js';

export interface GatewayOptions {
  /** Injected clock (epoch ms); tests move it. */
  now?: () => number;
  logger?: Logger;
  /** Collect Node.js process metrics too (off in tests). */
  defaultMetrics?: boolean;
  /** PostgreSQL schema to use (tests isolate themselves with it). */
  pgSchema?: string;
  /** undici dispatcher for partner key and status-list fetches (tests may pass a MockAgent). */
  dispatcher?: Dispatcher;
  /** Background work: partner key and status-list refresh and pruning of expired credential records (default on). */
  backgroundRefresh?: boolean;
  /** Reload the signing keys when CERTS_DIR changes (default: as backgroundRefresh). */
  watchCerts?: boolean;
  /** Reload the partners when PARTNERS_DIR changes, as on SIGHUP (default: as backgroundRefresh). */
  watchPartners?: boolean;
  /** What /metrics answers (cluster workers: the aggregate of all workers, from the primary). */
  scrapeMetrics?: () => Promise<string>;
  /** The signature check of verification (default jose; the benchmark compares an alternative). */
  signatureCheck?: SignatureCheck;
  /** Directory of the built pages (default `pages/` of the build, dist/pages, written by `npm run build`). */
  webDir?: string;
}

/** What every part of the gateway is built from: the configuration, the options, clock, log and metrics. */
export interface WiringContext {
  config: Config;
  options: GatewayOptions;
  now: () => number;
  /** Timers and refreshes run (off in tests that drive everything themselves). */
  background: boolean;
  logger: Logger;
  metrics: Metrics;
}

export function wiringContext(config: Config, options: GatewayOptions): WiringContext {
  return {
    config,
    options,
    now: options.now ?? Date.now,
    background: options.backgroundRefresh ?? true,
    logger: options.logger ?? createLogger(config.logLevel),
    metrics: new Metrics({ defaultMetrics: options.defaultMetrics ?? false }),
  };
}

/** The store (SQLite under DATA_DIR, or PostgreSQL at DATABASE_URL), opened and migrated. */
export function openGatewayStore({ config, options, logger }: WiringContext): Promise<Store> {
  const pgSchema = options.pgSchema ?? config.databaseSchema;
  return openStore({
    dataDir: config.dataDir,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(pgSchema ? { pgSchema } : {}),
    onPoolError: (err) => logger.error({ err }, 'database pool error'),
  });
}

/**
 * Slow work (scrypt) is admitted through bounded pools, one per kind (admission/work-pool.ts); a
 * concurrency of 0 means one per core.
 */
export function admissionPool({ metrics }: WiringContext, name: 'binding' | 'issue', concurrency: number, queue: number): WorkPool {
  return new WorkPool({ concurrency: concurrency || availableParallelism(), queue, onRejected: () => metrics.overloaded.inc({ pool: name }) });
}
