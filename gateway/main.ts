import { loadConfig } from './config/load-config.js';
import { createGateway } from './gateway.js';
import { createLogger } from './observability/logger.js';

/** `npm start`: configuration from the environment, validated once; then serve. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(`configuration error: ${(error as Error).message}`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  if (!config.riskFeedToken) logger.warn('RISK_FEED_TOKEN is not set: /v1/risk-events refuses every request');
  if (config.allowInsecureLoopbackJwks) logger.warn('ALLOW_INSECURE_LOOPBACK_JWKS is set: for tests and demos only');
  const gateway = await createGateway(config, { logger, defaultMetrics: true });
  const server = await gateway.listen();
  const address = server.address();
  logger.info(
    { port: typeof address === 'object' && address ? address.port : config.port, store: gateway.deps.store.kind, issuer: config.issuer.url },
    'gateway listening',
  );

  process.on('SIGHUP', () => {
    gateway.deps.reloadPartners().catch((error: unknown) => logger.error({ err: error }, 'partner reload refused; the current partners stay'));
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      gateway.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

main().catch((error: unknown) => {
  console.error(`gateway failed to start: ${(error as Error).message}`);
  process.exit(1);
});
