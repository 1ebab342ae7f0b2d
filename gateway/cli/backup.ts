#!/usr/bin/env node
// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../runtime/require-node.js';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_FILE_NAME } from '../store/open-store.js';
import { cliConfigOrExit } from './cli-settings.js';
import { parseCommandLine, usageExit } from './command-line.js';

/**
 * An online backup of the SQLite store while the gateway serves (docs/deployment.md, "Backups"):
 *   npm run --silent backup -- <destination file> [--env-file <file>]
 * SQLite's online backup API (better-sqlite3's backup()) copies a consistent snapshot, pages
 * written meanwhile included, without stopping the gateway; the copy is then checked
 * (PRAGMA integrity_check) before the command says it is done. Exit 0: done; 1: the backup failed
 * or does not check out; 2: usage, a PostgreSQL store (use pg_dump), nothing to back up.
 */
const USAGE = `usage: backup <destination file> [--env-file <file>]
An online copy of the SQLite store in DATA_DIR, taken while the gateway runs. Restore: stop the
gateway, put the copy at DATA_DIR/${SQLITE_FILE_NAME} (no -wal or -shm file beside it), start it
with the same CERTS_DIR (the keys and the document pepper). PostgreSQL: pg_dump (docs/deployment.md).`;

const { values, positionals } = parseCommandLine(process.argv.slice(2), { usage: USAGE, options: {}, positionals: [1, 1] });
const config = cliConfigOrExit(values['env-file']);
if (config.databaseUrl) usageExit('DATABASE_URL is set: back up PostgreSQL with pg_dump (docs/deployment.md, "Backups")', USAGE);
const source = join(config.dataDir, SQLITE_FILE_NAME);
const destination = resolve(positionals[0]!);
if (!existsSync(source)) usageExit(`no SQLite store at ${source} (DATA_DIR)`, USAGE);
// Created here, empty, exclusively and 0600 before a byte is copied: it will hold document keys
// and codes' records, so no other local user may open it while the copy runs, and 'wx' fails on
// a file (or symlink) that appeared since — a backup never overwrites.
try {
  closeSync(openSync(destination, 'wx', 0o600));
} catch {
  usageExit(`${destination} exists or cannot be created: choose a new file (a backup never overwrites)`, USAGE);
}

try {
  const db = new Database(source, { fileMustExist: true, timeout: 5_000 });
  let pages: number;
  try {
    pages = (await db.backup(destination)).totalPages;
  } finally {
    db.close();
  }
  // SQLite may recreate the file while copying; keep it readable by the gateway's user only.
  chmodSync(destination, 0o600);
  const copy = new Database(destination, { readonly: true, fileMustExist: true });
  const check = copy.pragma('integrity_check', { simple: true });
  copy.close();
  if (check !== 'ok') throw new Error(`the copy does not check out (integrity_check: ${String(check)})`);
  console.log(`backed up ${source} to ${destination} (${pages} pages, integrity ok)`);
} catch (error) {
  console.error(`backup failed: ${(error as Error).message}`);
  process.exit(1);
}
