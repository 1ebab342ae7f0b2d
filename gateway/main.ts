// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import './runtime/require-node.js';
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { loadConfig, type Config } from './config/load-config.js';
import { createGateway } from './gateway.js';
import { createLogger } from './observability/logger.js';
import { askPrimaryForMetrics, runPrimary } from './lifecycle/cluster.js';
import { answerMetricsCollection } from './lifecycle/cluster-metrics.js';

/**
 * `npm start`: configuration from the environment, validated once; then serve — in this process
 * (WORKERS=1) or in WORKERS worker processes sharing the port (gateway/lifecycle/cluster.ts).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(`configuration error: ${(error as Error).message}`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  if (!cluster.isWorker) {
    if (!config.riskFeedToken) logger.warn('RISK_FEED_TOKEN is not set: /v1/risk-events refuses every request');
    if (config.allowInsecureLoopbackJwks) logger.warn('ALLOW_INSECURE_LOOPBACK_JWKS is set: for tests and demos only');
  }
  if (config.workers > 1 && cluster.isPrimary) await runPrimary(config, logger);
  else await serve(config, logger);
}

async function serve(config: Config, parentLogger: Logger): Promise<void> {
  const worker = cluster.isWorker;
  // Workers' lines say which worker wrote them (cluster worker id: small, bounded).
  const logger = worker ? parentLogger.child({ worker: cluster.worker!.id }) : parentLogger;
  const gateway = await createGateway(config, { logger, defaultMetrics: true, ...(worker ? { scrapeMetrics: askPrimaryForMetrics() } : {}) });
  // Before listening: the primary asks only listening workers, so each one asked can answer.
  if (worker) answerMetricsCollection(gateway.deps.metrics.registry);
  const server = await gateway.listen();
  const portOf = (s: typeof server | undefined): number | undefined => {
    const address = s?.address();
    return typeof address === 'object' && address ? address.port : undefined;
  };
  const admin = gateway.adminServer();
  logger.info(
    { port: portOf(server) ?? config.port, ...(admin ? { adminPort: portOf(admin) } : {}), store: gateway.deps.store.kind, issuer: config.issuer.url },
    'gateway listening',
  );

  // SIGHUP re-reads what an operator changes in place: partners and signing keys (the pepper never).
  process.on('SIGHUP', () => {
    gateway.deps.reloadPartners().catch((error: unknown) => logger.error({ err: error }, 'partner reload refused; the current partners stay'));
    void gateway.reloadKeys();
  });
  // Handlers stay installed (not once): a second signal during the drain must not kill the
  // process with requests still in flight.
  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason, timeoutMs: config.shutdownTimeoutMs }, 'shutting down');
    gateway.shutdown().then(
      (outcome) => {
        // The last line of a process: a log collector sees it stopped, and how.
        logger.info({ reason, outcome, exitCode: outcome === 'drained' ? 0 : 1 }, 'stopped');
        process.exit(outcome === 'drained' ? 0 : 1);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // A worker whose primary is gone has nobody to restart or stop it: it stops itself.
  if (worker) process.on('disconnect', () => stop('primary gone'));
}

main().catch((error: unknown) => {
  console.error(`gateway failed to start: ${(error as Error).message}`);
  process.exit(1);
});
