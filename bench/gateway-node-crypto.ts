import { loadConfig } from '../gateway/config/load-config.js';
import { createGateway } from '../gateway/gateway.js';
import { createLogger } from '../gateway/observability/logger.js';
import { verifySignatureJose } from '../gateway/verify/jws-signature.js';

/**
 * BENCH ONLY: the gateway exactly as `node dist/gateway/main.js` runs it with WORKERS=1, except that
 * signatures are checked by jose.compactVerify (the check before issue 22) instead of the direct
 * node:crypto check over the parsed JWS. The signature row of `npm run bench` loads both side by side.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const gateway = await createGateway(config, { logger, defaultMetrics: true, signatureCheck: verifySignatureJose });
  await gateway.listen();
  logger.info({ port: config.port, signatureCheck: 'jose' }, 'bench gateway listening');
  const stop = (): void => {
    gateway.shutdown().then((outcome) => process.exit(outcome === 'drained' ? 0 : 1), () => process.exit(1));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(`bench gateway failed to start: ${(error as Error).message}`);
  process.exit(1);
});
