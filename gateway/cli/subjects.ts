#!/usr/bin/env node
import { userInfo } from 'node:os';
import { loadConfig } from '../config/load-config.js';
import { openStore } from '../store/open-store.js';
import { runSubjectsCommand } from '../subjects/subjects-command.js';

/**
 * Operators' resolution of claimed documents (docs/security.md):
 *   npm run subjects -- release <subjectId> --reason "<why>" [--operator <who>]
 *   npm run subjects -- audit <subjectId>
 *   npm run --silent subjects -- purge --inactive-since <ISO time> | purge --all   (docs/privacy.md)
 * Reads the same configuration as the gateway (DATABASE_URL / DATA_DIR, DATABASE_SCHEMA) and may
 * run while the gateway serves. Who: --operator, else the OS user running the command.
 */
const config = loadConfig();
const store = await openStore({
  dataDir: config.dataDir,
  ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
  ...(config.databaseSchema ? { pgSchema: config.databaseSchema } : {}),
});
try {
  process.exitCode = await runSubjectsCommand(process.argv.slice(2), {
    store,
    now: Date.now,
    defaultOperator: userInfo().username,
    policyEnd: config.policyEnd,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
} finally {
  await store.close();
}
