import { availableParallelism } from 'node:os';
import { WorkPool } from './admission/work-pool.js';
import { loadConfig } from './config/load-config.js';
import { mayGenerateSecrets } from './config/production.js';
import { DeclarationQueue } from './declarations/declaration-queue.js';
import { loadOrCreatePepper } from './issuer/bootstrap-secrets.js';
import { createLogger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { openStore } from './store/open-store.js';
import { codeLayoutSettings } from './issuer/sign-credential.js';

/**
 * `npm run declaration-worker`: a queue worker without HTTP (issue 22). It computes the bindings
 * of queued declarations on the same database as the gateways — as many of these as the queue
 * needs, on any machines, scaled on gateway_declaration_queue_depth (docs/deployment.md). Same
 * configuration as the gateway (DATABASE_URL, CERTS_DIR for the pepper, BINDING_SCRYPT_LOG_N,
 * ISSUE_POOL_CONCURRENCY, DECLARATION_QUEUE_POLL_MS). SIGTERM: stop taking jobs, finish the ones
 * running, exit 0; a job of a worker killed harder is taken again by another (PostgreSQL at once,
 * SQLite when a process on that file starts).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel).child({ role: 'declaration-worker' });
  const pepper = loadOrCreatePepper(config.certsDir, logger, mayGenerateSecrets(config));
  const store = await openStore({
    dataDir: config.dataDir,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.databaseSchema ? { pgSchema: config.databaseSchema } : {}),
    onPoolError: (err) => logger.error({ err }, 'database pool error'),
  });
  const pool = new WorkPool({ concurrency: config.admission.issueConcurrency || availableParallelism(), queue: config.admission.issueQueue });
  const queue = new DeclarationQueue({
    store, pepper: () => pepper, pool, scryptLogN: config.binding.scryptLogN, bindingMethod: codeLayoutSettings(config.issuer.codeLayout).bindingMethod, metrics: new Metrics(), logger, now: Date.now, pollMs: config.declarationQueue.pollMs,
  });
  queue.start(true);
  logger.info({ store: store.kind, concurrency: pool.concurrency }, 'declaration worker started');
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    logger.info('declaration worker stopping: finishing the jobs it holds');
    queue.stop().then(() => store.close()).then(() => process.exit(0), (err: unknown) => {
      logger.error({ err }, 'declaration worker stopped with an error');
      process.exit(1);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(`declaration worker failed to start: ${(error as Error).message}`);
  process.exit(1);
});
