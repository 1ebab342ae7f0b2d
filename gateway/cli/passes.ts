#!/usr/bin/env node
// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../runtime/require-node.js';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { cliConfigOrExit } from './cli-settings.js';
import { openStore } from '../store/open-store.js';
import { loadRules } from '../color/rules-file.js';
import { mayGenerateSecrets } from '../config/production.js';
import { ensureSigningKey, loadOrCreatePepper } from '../issuer/bootstrap-secrets.js';
import { Keystore } from '../issuer/keystore.js';
import { createLogger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { parsePassesArgs, PASSES_USAGE, runPassesCommand } from './passes-command.js';

/**
 * Printed passes (通行证) for people without a phone, in the store and with the keys the gateway
 * uses (DATABASE_URL / DATA_DIR, CERTS_DIR):
 *   npm run --silent passes -- issue <subjectId>    the pass as a compact JWS alone on the last line
 *   npm run --silent passes -- list <subjectId>     one line per pass: id, status, dates
 *   npm run --silent passes -- revoke <passId>      listed in the status data at once
 * Each takes `--env-file <file>` (the gateway's settings; gateway/cli/cli-settings.ts).
 */
// The command line is checked before any key, pepper or store is touched.
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${PASSES_USAGE}\n`);
  process.exit(0);
}
const parsed = parsePassesArgs(args);
if ('problem' in parsed) {
  process.stderr.write(`${parsed.problem}\n`);
  process.exit(2);
}
const envFile = parseArgs({ args: process.argv.slice(2), options: { 'env-file': { type: 'string' } }, strict: false, allowPositionals: true }).values['env-file'];
const config = cliConfigOrExit(typeof envFile === 'string' ? envFile : undefined, { needsCerts: true });
// Warnings (a development key generated) to stderr: stdout carries only the command's lines, the pass last.
const logger = createLogger('warn', pino.destination({ dest: 2, sync: true }));
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
