import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** PostgreSQL connection URL (DATABASE_URL); when absent the embedded SQLite store is used. */
  databaseUrl?: string;
  /** Directory of the SQLite file `gateway.sqlite`; created (mode 0700) if missing. */
  dataDir: string;
  /** PostgreSQL schema for the tables, created if needed; lets tests and tenants isolate themselves. */
  pgSchema?: string;
  /** PostgreSQL pool size of this process. */
  pgMaxConnections?: number;
  /** Told about errors of idle PostgreSQL connections (logged by the caller; never personal data). */
  onPoolError?: (err: Error) => void;
}

export const SQLITE_FILE_NAME = 'gateway.sqlite';

function openSqlite(dataDir: string): SqliteStore {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, SQLITE_FILE_NAME);
  // Create the file owner-only before SQLite does: it holds health facts (PIPL sensitive data),
  // and SQLite gives its -wal and -shm files the permissions of the database file.
  closeSync(openSync(file, 'a', 0o600));
  return new SqliteStore(file);
}

/**
 * Opens the configured store and brings its schema up to date. A store that cannot migrate is
 * closed and the error is thrown: the gateway must not serve on an unknown schema.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const store: Store = options.databaseUrl
    ? new PostgresStore({
        connectionString: options.databaseUrl,
        ...(options.pgSchema !== undefined ? { schema: options.pgSchema } : {}),
        ...(options.pgMaxConnections !== undefined ? { maxConnections: options.pgMaxConnections } : {}),
        ...(options.onPoolError ? { onPoolError: options.onPoolError } : {}),
      })
    : openSqlite(options.dataDir);
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}
