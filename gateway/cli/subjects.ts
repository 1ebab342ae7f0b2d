#!/usr/bin/env node
// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../runtime/require-node.js';
import { userInfo } from 'node:os';
import { openStore } from '../store/open-store.js';
import { runSubjectsCommand, SUBJECTS_USAGE } from '../subjects/subjects-command.js';
import { cliConfigOrExit } from './cli-settings.js';
import { parseCommandLine, subcommand } from './command-line.js';
import { loadOrCreatePepper } from '../issuer/bootstrap-secrets.js';

/**
 * Operators' resolution of claimed documents (docs/security.md):
 *   npm run subjects -- release <subjectId> --reason "<why>" [--operator <who>]
 *   npm run subjects -- audit <subjectId>
 *   npm run --silent subjects -- purge --inactive-since <ISO time> | purge --all   (docs/privacy.md)
 * Reads the same configuration as the gateway (DATABASE_URL / DATA_DIR, DATABASE_SCHEMA) and may
 * run while the gateway serves. Who: --operator, else the OS user running the command.
 */
const argv = process.argv.slice(2);
const command = subcommand(argv, ['release', 'audit'] as const, SUBJECTS_USAGE);
const { values, positionals } = parseCommandLine(argv.slice(1), {
  usage: SUBJECTS_USAGE,
  options: command === 'release' ? { reason: { type: 'string' }, operator: { type: 'string' } } : {},
  positionals: [1, 1],
});
const config = cliConfigOrExit(values['env-file']);
// The claim code printed by release is keyed with the gateway's pepper; never generated here.
let pepper: Buffer;
try {
  pepper = loadOrCreatePepper(config.certsDir, { warn: () => undefined }, false);
} catch {
  console.error(`no document pepper in ${config.certsDir} (CERTS_DIR): run the command with the gateway's CERTS_DIR (a development gateway creates it on its first start)`);
  process.exit(2);
}
const store = await openStore({
  dataDir: config.dataDir,
  ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
  ...(config.databaseSchema ? { pgSchema: config.databaseSchema } : {}),
});
try {
  const { reason, operator } = values as { reason?: string; operator?: string };
  const args = [command, positionals[0]!, ...(reason === undefined ? [] : ['--reason', reason]), ...(operator === undefined ? [] : ['--operator', operator])];
  process.exitCode = await runSubjectsCommand(args, {
    store,
    now: Date.now,
    defaultOperator: userInfo().username,
    pepper,
    policyEnd: config.policyEnd,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
} finally {
  await store.close();
}
