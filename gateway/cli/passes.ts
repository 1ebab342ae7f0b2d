#!/usr/bin/env node
import { pino } from 'pino';
import { loadConfig } from '../config/load-config.js';
import { openStore } from '../store/open-store.js';
import { loadRules } from '../color/rules-file.js';
import { mayGenerateSecrets } from '../config/production.js';
import { ensureSigningKey, loadOrCreatePepper } from '../issuer/bootstrap-secrets.js';
import { Keystore } from '../issuer/keystore.js';
import { createLogger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { runPassesCommand } from './passes-command.js';

/**
 * Printed passes (通行证) for people without a phone, in the store and with the keys the gateway
 * uses (DATABASE_URL / DATA_DIR, CERTS_DIR):
 *   npm run --silent passes -- issue <subjectId>    the pass as a compact JWS alone on the last line
 *   npm run --silent passes -- list <subjectId>     one line per pass: id, status, dates
 *   npm run --silent passes -- revoke <passId>      listed in the status data at once
 */
const config = loadConfig();
// Warnings (a development key generated) to stderr: stdout carries only the command's lines, the pass last.
const logger = createLogger('warn', pino.destination(2));
const generate = mayGenerateSecrets(config);
await ensureSigningKey(config.certsDir, config.issuer.signingAlg, Date.now(), logger, generate);
const pepper = loadOrCreatePepper(config.certsDir, logger, generate);
const keystore = await Keystore.load(config.certsDir, (Math.max(config.credentialTtlSeconds, config.passTtlSeconds) + config.clockToleranceSeconds) * 1000);
const store = await openStore({
  dataDir: config.dataDir,
  ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
  ...(config.databaseSchema ? { pgSchema: config.databaseSchema } : {}),
  pgMaxConnections: 1,
});
try {
  process.exitCode = await runPassesCommand(process.argv.slice(2), {
    deps: { config, store, keystore, rules: loadRules(config.rulesFile), pepper, now: Date.now, metrics: new Metrics() },
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
} finally {
  await store.close();
}
