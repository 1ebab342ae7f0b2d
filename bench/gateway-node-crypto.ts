import { loadConfig } from '../gateway/config/load-config.js';
import { createGateway } from '../gateway/gateway.js';
import { createLogger } from '../gateway/observability/logger.js';
import { verifySignatureNodeCrypto } from './node-crypto-signature.js';

/**
 * BENCH ONLY: the gateway exactly as `node dist/gateway/main.js` runs it with WORKERS=1, except that
 * signatures are checked by the former node:crypto path (node-crypto-signature.ts) instead of
 * jose.compactVerify. The signature row of `npm run bench` loads both side by side.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const gateway = await createGateway(config, { logger, defaultMetrics: true, signatureCheck: verifySignatureNodeCrypto });
  await gateway.listen();
  logger.info({ port: config.port, signatureCheck: 'node:crypto' }, 'bench gateway listening');
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
