import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore, SQLITE_FILE_NAME, type OpenStoreOptions } from '../../gateway/store/open-store.js';
import type { StoredDeclaration, Store, SubjectRecord } from '../../gateway/store/store.js';

/**
 * Where a store under test lives: a fresh temp directory (SQLite) or a fresh randomly named
 * schema (PostgreSQL). `open` may be called several times: each call is another connection
 * (pool), as a second gateway process would have. `sql` reaches the database behind the store's
 * back, to prove what the schema itself refuses.
 */
export interface StoreLocation {
  readonly kind: 'sqlite' | 'postgres';
  /** What `open` passes to openStore (another process can open the same store with it). */
  readonly options: OpenStoreOptions;
  open(): Promise<Store>;
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;

export async function sqliteLocation(): Promise<StoreLocation> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gateway-store-'));
  return {
    kind: 'sqlite',
    options: { dataDir },
    open: () => openStore({ dataDir }),
    async sql(text, params = []) {
      const db = new Database(join(dataDir, SQLITE_FILE_NAME), { timeout: 5000 });
      try {
        db.pragma('foreign_keys = ON');
        const stmt = db.prepare(text);
        return stmt.reader ? (stmt.all(...params) as Record<string, unknown>[]) : (stmt.run(...params), []);
      } catch (err) {
        // better-sqlite3 binds its error class once per process; in a later jest test file that
        // class comes from another realm and fails `instanceof Error`. Re-raise in this realm.
        throw new Error(String((err as { message?: unknown }).message));
      } finally {
        db.close();
      }
    },
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
}

export async function postgresLocation(databaseUrl: string): Promise<StoreLocation> {
  const schema = `store_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 2, options: `-c search_path=${schema}` });
  const options: OpenStoreOptions = { databaseUrl, dataDir: '/nonexistent-unused', pgSchema: schema, pgMaxConnections: 10 };
  return {
    kind: 'postgres',
    options,
    open: () => openStore(options),
    async sql(text, params = []) {
      return (await admin.query(text, params)).rows as Record<string, unknown>[];
    },
    async dispose() {
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** The stores to run: SQLite always, PostgreSQL only when TEST_DATABASE_URL names a server. */
export function storeKinds(): { enabled: ['sqlite' | 'postgres'][]; skipped: ['postgres'][] } {
  if (TEST_DATABASE_URL) return { enabled: [['sqlite'], ['postgres']], skipped: [] };
  console.warn('TEST_DATABASE_URL is not set: the PostgreSQL store tests are SKIPPED (set it, e.g. postgres://postgres@127.0.0.1:5432/test)');
  return { enabled: [['sqlite']], skipped: [['postgres']] };
}

export function location(kind: 'sqlite' | 'postgres'): Promise<StoreLocation> {
  return kind === 'sqlite' ? sqliteLocation() : postgresLocation(TEST_DATABASE_URL!);
}

/** 2020-03-16T00:00:00+08:00, the day of the Xinji notice. */
export const T0 = Date.UTC(2020, 2, 15, 16, 0, 0);
export const DAY = 24 * 60 * 60 * 1000;

const hex = (): string => createHash('sha256').update(randomBytes(16)).digest('hex');

export function declaration(overrides: Partial<StoredDeclaration> = {}): StoredDeclaration {
  return { travel14d: [], symptoms: [], contactWithCase: false, residence: 'permanent', ...overrides };
}

/** A subject with fresh random ids and keys, so tests sharing one store never collide. */
export function makeSubject(overrides: Partial<SubjectRecord> = {}): SubjectRecord {
  return {
    id: `sub_${randomUUID()}`,
    documentType: 'resident_id',
    documentKey: hex(),
    identityKey: hex(),
    nameMasked: '张*猛',
    documentMasked: '1301**********1234',
    binding: hex(),
    holderTokenHash: hex(),
    declaration: declaration(),
    declaredAt: T0,
    modifiedDay: null,
    createdAt: T0,
    ...overrides,
  };
}

/** The StoreConflict kind a promise rejects with, or 'fulfilled'. */
export async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'fulfilled';
  } catch (err) {
    const e = err as { name?: string; kind?: string };
    if (e.name === 'StoreConflict') return e.kind!;
    throw err;
  }
}
