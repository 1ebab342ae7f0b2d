#!/usr/bin/env node
// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../runtime/require-node.js';
import { loadConfig } from '../config/load-config.js';
import { openStore } from '../store/open-store.js';
import { addDevice, DEVICE_ID } from '../checkpoint/devices.js';

/**
 * Checkpoint devices, in the store the gateway uses (DATABASE_URL / DATABASE_SCHEMA, else SQLite
 * in DATA_DIR):
 *   npm run --silent devices -- add <deviceId>      prints the new token alone on stdout (shown once)
 *   npm run --silent devices -- list                one line per device: id, state, since
 *   npm run --silent devices -- revoke <deviceId>   effective at once on every instance sharing the database
 * No restart is needed: every scan looks its token up in the database.
 */
const config = loadConfig();
const [command, id] = process.argv.slice(2);
const usage = 'usage: devices add <deviceId> | list | revoke <deviceId>';

if (!['add', 'list', 'revoke'].includes(command ?? '') || (command !== 'list' && (id === undefined || !DEVICE_ID.test(id)))) {
  console.error(command === 'add' || command === 'revoke' ? `${usage}\na device id is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit` : usage);
  process.exit(2);
}

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
