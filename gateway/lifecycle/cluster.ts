import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from '../config/load-config.js';
import { loadRules } from '../color/rules-file.js';
import { mayGenerateSecrets } from '../config/production.js';
import { ensureSigningKey, loadOrCreatePepper } from '../issuer/bootstrap-secrets.js';
import { loadPartners } from '../partners/registry.js';
import { openStore } from '../store/open-store.js';
import { collectClusterMetrics, primaryMetrics, WorkerTotals } from './cluster-metrics.js';
import { startLimitsPrimary } from '../limits/limits.js';

/**
 * WORKERS > 1: one primary process, N workers (node:cluster) sharing one port. The primary serves
 * nothing itself; it does the one-time start work before forking (so workers do not race to
 * generate a development key or pepper, or to migrate), answers workers' requests for the
 * cluster-wide metrics, restarts a worker that dies, and on SIGTERM/SIGINT drains them all.
 */
const METRICS_REQUEST = 'gateway:metrics-request';
const METRICS_RESPONSE = 'gateway:metrics-response';
/** Past the workers' own shutdown bound, the primary gives them this long before SIGKILL. */
const PRIMARY_GRACE_MS = 5_000;
/**
 * How long the primary waits for each worker's registry; below the worker's wait for the primary
 * (askPrimaryForMetrics), so a stuck worker gives a named error rather than a second timeout.
 */
const COLLECT_TIMEOUT_MS = 4_000;

interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}
interface MetricsResponse {
  type: typeof METRICS_RESPONSE;
  id: number;
  text?: string;
  error?: string;
}

/** Start work done once, before any worker exists; a bad file stops the start here, named. */
async function prepare(config: Config, logger: Logger): Promise<void> {
  await ensureSigningKey(config.certsDir, config.issuer.signingAlg, Date.now(), logger, mayGenerateSecrets(config));
  loadOrCreatePepper(config.certsDir, logger, mayGenerateSecrets(config));
  loadRules(config.rulesFile);
  loadPartners(config.partnersDir, { allowInsecureLoopback: config.allowInsecureLoopbackJwks });
  const store = await openStore({
    dataDir: config.dataDir,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.databaseSchema ? { pgSchema: config.databaseSchema } : {}),
  });
  await store.close();
}

export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  await prepare(config, logger);
  // One set of rate limits and one mismatch lock for all workers (limits/limits.ts).
  startLimitsPrimary(config);
  const alive = new Set<Worker>();
  const listening = new WeakSet<Worker>();
  let stopping = false;
  let failed = false;
  const serving = (): Worker[] => [...alive].filter((worker) => listening.has(worker));
  const metrics = primaryMetrics(() => serving().length);
  const totals = new WorkerTotals();

  cluster.on('message', (worker, message: MetricsRequest) => {
    if (message?.type !== METRICS_REQUEST) return;
    const reply = (answer: Omit<MetricsResponse, 'type' | 'id'>): void => {
      if (worker.isConnected()) worker.send({ type: METRICS_RESPONSE, id: message.id, ...answer });
    };
    collectClusterMetrics(serving(), COLLECT_TIMEOUT_MS, metrics.registry, totals).then(
      (text) => reply({ text }),
      (error: unknown) => reply({ error: (error as Error).message }),
    );
  });
  cluster.on('listening', (worker) => listening.add(worker));
  cluster.on('exit', (worker, code, signal) => {
    alive.delete(worker);
    totals.retire(worker.id);
    if (stopping) {
      if (code !== 0) failed = true;
      if (alive.size === 0) {
        logger.info({ failed }, 'all workers stopped');
        process.exit(failed ? 1 : 0);
      }
      return;
    }
    if (!listening.has(worker)) {
      // A worker that cannot start would fail the same way again: stop instead of looping.
      logger.error({ code, signal }, 'a worker exited during start; stopping');
      failed = true;
      stop();
      return;
    }
    logger.error({ code, signal }, 'a worker exited; starting another');
    metrics.workerReplaced();
    alive.add(cluster.fork());
  });

  function stop(): void {
    if (stopping) return;
    stopping = true;
    for (const worker of alive) worker.process.kill('SIGTERM');
    if (alive.size === 0) process.exit(failed ? 1 : 0);
    setTimeout(() => {
      logger.error({ workers: alive.size }, 'workers did not stop in time: killed');
      for (const worker of alive) worker.process.kill('SIGKILL');
      process.exit(1);
    }, config.shutdownTimeoutMs + PRIMARY_GRACE_MS).unref();
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      logger.info({ signal, workers: alive.size }, 'shutting down workers');
      stop();
    });
  }
  process.on('SIGHUP', () => {
    for (const worker of alive) worker.process.kill('SIGHUP');
  });
  for (let i = 0; i < config.workers; i++) alive.add(cluster.fork());
  logger.info({ workers: config.workers }, 'primary started workers');
}

/**
 * In a worker: the cluster-wide metrics, aggregated by the primary over IPC. Whichever worker a
 * scrape lands on, Prometheus sees every worker's counts summed.
 */
export function askPrimaryForMetrics(timeoutMs = 6_000): () => Promise<string> {
  let next = 0;
  const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  process.on('message', (message: MetricsResponse) => {
    if (message?.type !== METRICS_RESPONSE) return;
    const request = pending.get(message.id);
    if (!request) return;
    pending.delete(message.id);
    clearTimeout(request.timer);
    if (message.text !== undefined) request.resolve(message.text);
    else request.reject(new Error(`cluster metrics: ${message.error ?? 'no answer'}`));
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('cluster metrics: the primary did not answer'));
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      process.send!({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
    });
}
