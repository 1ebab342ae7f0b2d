#!/usr/bin/env node
// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../runtime/require-node.js';
import { openStore } from '../store/open-store.js';
import { addDevice, DEVICE_ID } from '../checkpoint/devices.js';
import { cliConfigOrExit } from './cli-settings.js';
import { parseCommandLine, subcommand, usageExit } from './command-line.js';

/**
 * Checkpoint devices, in the store the gateway uses (DATABASE_URL / DATABASE_SCHEMA, else SQLite
 * in DATA_DIR):
 *   npm run --silent devices -- add <deviceId>      prints the new token alone on stdout (shown once)
 *   npm run --silent devices -- list                one line per device: id, state, since
 *   npm run --silent devices -- revoke <deviceId>   effective at once on every instance sharing the database
 * No restart is needed: every scan looks its token up in the database.
 */
const USAGE = `usage: devices <command> [--env-file <file>]
  add <deviceId>      prints the new token alone on stdout (shown once)
  list                one line per device: id, state, since
  revoke <deviceId>   effective at once on every instance sharing the database
A device id is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit.`;
const argv = process.argv.slice(2);
const command = subcommand(argv, ['add', 'list', 'revoke'] as const, USAGE);
const { values, positionals } = parseCommandLine(argv.slice(1), { usage: USAGE, options: {}, positionals: command === 'list' ? [0, 0] : [1, 1] });
const id = positionals[0];
if (id !== undefined && !DEVICE_ID.test(id)) usageExit(`'${id}' is not a device id`, USAGE);
const config = cliConfigOrExit(values['env-file']);

const store = await openStore({
  dataDir: config.dataDir,
  ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
  ...(config.databaseSchema ? { pgSchema: config.databaseSchema } : {}),
  pgMaxConnections: 1,
});
const now = Date.now();
try {
  switch (command) {
    case 'add': {
      const token = await addDevice(store, id!, now);
      if (token === undefined) {
        console.error(`a device ${id} exists already (ids are never reused, even once revoked): choose another id`);
        process.exitCode = 2;
      } else {
        // Alone on stdout, so `TOKEN=$(npm run --silent devices -- add gate-7)` captures it.
        console.log(token);
      }
      break;
    }
    case 'list':
      for (const d of await store.listDevices()) {
        const state = d.revokedAt === null ? `active since ${new Date(d.createdAt).toISOString()}` : `revoked ${new Date(d.revokedAt).toISOString()}`;
        console.log(`${d.id}  ${state}`);
      }
      break;
    case 'revoke':
      if (await store.revokeDevice(id!, now)) console.log(`revoked: ${id}`);
      else {
        console.error(`no active device ${id}`);
        process.exitCode = 2;
      }
      break;
  }
} finally {
  await store.close();
}
