#!/usr/bin/env node
import { userInfo } from 'node:os';
import { loadConfig } from '../config/load-config.js';
import { openStore } from '../store/open-store.js';
import { runSubjectsCommand } from '../subjects/subjects-command.js';
import { loadOrCreatePepper } from '../issuer/bootstrap-secrets.js';

/**
 * Operators' resolution of claimed documents (docs/security.md):
 *   npm run subjects -- release <subjectId> --reason "<why>" [--operator <who>]
 *   npm run subjects -- audit <subjectId>
 * Reads the same configuration as the gateway (DATABASE_URL / DATA_DIR, DATABASE_SCHEMA) and may
 * run while the gateway serves. Who: --operator, else the OS user running the command.
 */
const config = loadConfig();
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
  process.exitCode = await runSubjectsCommand(process.argv.slice(2), {
    store,
    now: Date.now,
    defaultOperator: userInfo().username,
    pepper,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
} finally {
  await store.close();
}
