import pg from 'pg';
import type { Color } from '../types/schemas.js';
import { MIGRATIONS_TABLE_DDL, pendingMigrations } from './migrations.js';
import { JOB_COLUMNS, POSITION_SQL, QUEUE_ENDS_SQL, SET_BINDING_SQL, STATS_SQL, jobFromRow, type JobRow } from './queue-rows.js';
import { MAX_SLOT_ATTEMPTS, SlotContention, pickSlots, type UniqueTarget } from './proxy-slots.js';
import {
  CREDENTIAL_COLUMNS,
  CREDENTIAL_COLUMNS_C,
  DEVICE_COLUMNS,
  SUBJECT_COLUMNS,
  SUBJECT_READ_COLUMNS,
  PENDING_REQUESTS_SQL,
  RELEASES_SQL,
  releaseFromRow,
  countsFromRows,
  credentialFromRow,
  checkInFromRow,
  deviceFromRow,
  hasTravel,
  intFromRow,
  pendingRequestFromRow,
  personEventFromRow,
  proxyLinkFromRow,
  subjectFromRow,
  type CheckInRow,
  type CredentialRow,
  REUSABLE_CREDENTIAL_COLUMNS,
  PASS_CREDENTIAL_COLUMNS,
  type PendingRequestRow,
  type DeviceRow,
  type PersonEventRow,
  type ProxyLinkRow,
  type SubjectRow,
} from './rows.js';
import {
  RELEASED_PREFIX,
  PURGED_DECLARATION,
  PURGED_PREFIX,
  StoreConflict,
  vacantToken,
  type CheckInRecord,
  type CredentialRecord,
  type CredentialStatus,
  type DeclarationUpdate,
  type ClaimCheck,
  type DeviceRecord,
  type DocumentClaim,
  type OwnRequestView,
  type RecoveryCodeRecord,
  type RepresentedView,
  type HighRiskRegions,
  type PendingProxyRequest,
  type PersonEventRecord,
  type ProxyLinkView,
  type ProxyRequestRecord,
  type ReleaseAudit,
  type ClaimedDeclarationJob,
  type QueuedDeclaration,
  type Store,
  type SubjectRecord,
  type TrustListHeld,
} from './store.js';

/** One constant key: every gateway process migrating any schema of this database queues on it. */
const MIGRATION_LOCK_KEY = 0x6863_6777; // "hcgw"

/** A schema name that is safe to splice into SQL without quoting tricks. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema holding the tables (created at migration); default: the server's search_path. */
  schema?: string;
  /** Pool size per process. */
  maxConnections?: number;
  /** Told about errors of idle pooled connections (the pool drops them and reconnects). */
  onPoolError?: (err: Error) => void;
}

function uniqueTarget(err: unknown): UniqueTarget | undefined {
  const e = err as { code?: unknown; constraint?: unknown };
  if (e.code !== '23505') return undefined;
  switch (e.constraint) {
    case 'subjects_document_key_key':
      return 'document';
    case 'proxy_links_proxy_slot_key':
    case 'proxy_links_subject_slot_key':
      return 'slot';
    case 'proxy_links_pkey':
      return 'pair';
    default:
      return 'other';
  }
}

function rethrowDocument(err: unknown): never {
  if (uniqueTarget(err) === 'document') throw new StoreConflict('document_exists');
  throw err;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * Shared store for several gateway processes. Transactions run at READ COMMITTED; the rules
 * that must hold across processes are written as constraints or single conditional statements,
 * so they do not depend on the isolation level.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly schema: string | undefined;
  private readonly connectionString: string;
  private readonly onPoolError: ((err: Error) => void) | undefined;

  constructor(options: PostgresStoreOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new Error('store: the PostgreSQL schema name must match [a-z_][a-z0-9_]{0,62}');
    }
    this.schema = options.schema;
    this.connectionString = options.connectionString;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      // Fail closed instead of hanging when the database is unreachable or stuck.
      connectionTimeoutMillis: 5000,
      statement_timeout: 15000,
      idle_in_transaction_session_timeout: 15000,
      ...(this.schema ? { options: `-c search_path=${this.schema}` } : {}),
    });
    this.onPoolError = options.onPoolError;
    this.pool.on('error', (err) => options.onPoolError?.(err));
  }

  private async tx<T>(fn: (client: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<void> {
    await this.tx(async (c) => {
      // Two processes starting at once: the second waits here, then finds nothing to do.
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      if (this.schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await c.query(MIGRATIONS_TABLE_DDL.postgres);
      const applied = (await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version);
      for (const m of pendingMigrations(applied)) {
        await c.query(m.postgres);
        await c.query(
          'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)',
          [m.version, m.name],
        );
      }
    });
  }

  private sidePool: pg.Pool | undefined;

  /**
   * The pool of the shared rate limits (gateway/limits/limiter.ts; table rate_limits): a few
   * connections of their own, so limits never wait behind the store's transactions, with
   * synchronous_commit off — a counter lost in a crash costs a client a few requests of budget,
   * and not waiting for the WAL flush makes each count several times cheaper.
   */
  get limiterPool(): pg.Pool {
    this.sidePool ??= new pg.Pool({
      connectionString: this.connectionString,
      max: 4,
      connectionTimeoutMillis: 5000,
      statement_timeout: 5000,
      options: `${this.schema ? `-c search_path=${this.schema} ` : ''}-c synchronous_commit=off`,
    });
    this.sidePool.on('error', (err) => this.onPoolError?.(err));
    return this.sidePool;
  }

  async close(): Promise<void> {
    await this.sidePool?.end();
    await this.pool.end();
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /**
   * Inserts the subject row, under a counter's claim when one is given (issue 17, item 4): the
   * claim's presence and the insert are one statement, so no interleaving lets a racer without the
   * code in. Throws StoreConflict('claim_required').
   */
  private async insertSubjectRow(c: Queryable, s: SubjectRecord, claim: ClaimCheck | undefined): Promise<void> {
    const claimGuard = claim
      ? claim.verified
        ? 'WHERE $16::bigint IS NOT NULL OR $17::text IS NULL'
        : 'WHERE NOT EXISTS (SELECT 1 FROM document_claims WHERE document_key = $3 AND expires_at > $16::bigint AND code_hash IS DISTINCT FROM $17::text)'
      : 'WHERE $16::bigint IS NULL AND $17::text IS NULL';
    const { rowCount } = await c.query(
      `INSERT INTO subjects (${SUBJECT_COLUMNS}, has_travel, phone_key, token_used_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::bigint, $11, $12::bigint, $13::boolean, $14, $15::bigint ${claimGuard}`,
      [s.id, s.documentType, s.documentKey, s.identityKey, s.nameMasked, s.documentMasked, s.binding, s.holderTokenHash,
        JSON.stringify(s.declaration), s.declaredAt, s.modifiedDay, s.createdAt, hasTravel(s.declaration), s.phoneKey ?? null,
        s.tokenUsedAt ?? null, claim ? claim.now : null, claim?.codeHash ?? null],
    );
    if (rowCount !== 1) throw new StoreConflict('claim_required');
  }

  /** The claim is consumed once the document is taken (by then no one else can declare it). */
  private async consumeClaim(documentKey: string, claim: ClaimCheck | undefined): Promise<void> {
    if (claim?.verified) {
      await this.pool.query('DELETE FROM document_claims WHERE document_key = $1', [documentKey]);
    } else if (claim?.codeHash !== undefined) {
      await this.pool.query('DELETE FROM document_claims WHERE document_key = $1 AND code_hash = $2', [documentKey, claim.codeHash]);
    }
  }

  async insertSubject(s: SubjectRecord, proxyId?: string, claim?: ClaimCheck): Promise<void> {
    try {
      // One statement commits atomically on its own (one round trip instead of BEGIN, INSERT,
      // COMMIT); a proxy link must commit with the subject, in one transaction.
      if (proxyId === undefined) {
        await this.insertSubjectRow(this.pool, s, claim);
      } else {
        await this.tx(async (c) => {
          await this.insertSubjectRow(c, s, claim);
          await this.link(c, proxyId, s.id, s.createdAt);
        });
      }
    } catch (err) {
      rethrowDocument(err);
    }
    await this.consumeClaim(s.documentKey, claim);
  }

  /**
   * The subject and its job in one statement (one round trip, atomic on its own); with a proxy,
   * in one transaction with the link, as insertSubject does.
   */
  async enqueueDeclaration(s: SubjectRecord, job: QueuedDeclaration, proxyId?: string, claim?: ClaimCheck): Promise<{ position: number }> {
    let place: { position: number };
    try {
      // The subject (under its claim), its job and its proxy link commit together.
      place = await this.tx(async (c) => {
        await this.insertSubjectRow(c, s, claim);
        const { rows } = await c.query<{ ahead: string }>(
          `WITH h AS (${QUEUE_ENDS_SQL})
           INSERT INTO declaration_queue (subject_id, sealed_document, ahead, enqueued_at)
           SELECT $1, $2, COALESCE(h.hi - h.lo + 1, 0), $3 FROM h RETURNING ahead`,
          [s.id, job.sealedDocument, job.enqueuedAt],
        );
        if (proxyId !== undefined) await this.link(c, proxyId, s.id, s.createdAt);
        return { position: intFromRow(rows[0]!.ahead) + 1 };
      });
    } catch (err) {
      rethrowDocument(err);
    }
    await this.consumeClaim(s.documentKey, claim);
    return place;
  }

  /**
   * FOR UPDATE SKIP LOCKED in a transaction that stays open while the worker computes the
   * binding: any number of workers in any number of processes take distinct jobs, oldest first,
   * and a worker that dies takes its lock with it (its connection ends, the transaction rolls
   * back), so the job is taken again at once — no lease to time out, nothing lost.
   */
  async claimDeclarationJob(): Promise<ClaimedDeclarationJob | undefined> {
    const client = await this.pool.connect();
    // A connection that breaks while a job is held (a database restart, a terminated session)
    // emits 'error' on the checked-out client: without a listener that would end the process. The
    // job's lock ends with the connection, so another worker takes it; this one's complete() fails.
    let broken: Error | undefined;
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on('error', onError);
    const giveBack = (err?: Error): void => {
      client.off('error', onError);
      client.release(err ?? broken);
    };
    let job;
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM declaration_queue ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED`);
      job = rows[0] && jobFromRow(rows[0]);
      if (!job) await client.query('ROLLBACK');
    } catch (err) {
      giveBack(err as Error);
      throw err;
    }
    if (!job) {
      giveBack();
      return undefined;
    }
    const taken = job;
    let open = true;
    const finish = async <T>(fn: () => Promise<T>): Promise<T> => {
      if (!open) throw new Error('store: this job was already completed or released');
      open = false;
      try {
        if (broken) throw broken;
        const result = await fn();
        giveBack();
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        giveBack(err as Error);
        throw err;
      }
    };
    return {
      ...taken,
      complete: (binding) => finish(async () => {
        const set = await client.query(SET_BINDING_SQL((n) => `$${n}`), [binding, taken.subjectId]);
        await client.query('DELETE FROM declaration_queue WHERE seq = $1', [taken.seq]);
        await client.query('COMMIT');
        return (set.rowCount ?? 0) > 0;
      }),
      release: () => finish(async () => {
        await client.query('ROLLBACK');
      }),
    };
  }

  async declarationQueuePosition(subjectId: string): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ position: string }>(POSITION_SQL((n) => `$${n}`), [subjectId]);
    return rows[0] ? intFromRow(rows[0].position) : undefined;
  }

  async declarationQueueStats(): Promise<{ depth: number; oldestEnqueuedAt: number | null }> {
    const { rows } = await this.pool.query<{ depth: string; oldest: string | null }>(STATS_SQL);
    return { depth: intFromRow(rows[0]!.depth), oldestEnqueuedAt: rows[0]!.oldest === null ? null : intFromRow(rows[0]!.oldest) };
  }

  private async getBy(column: 'id' | 'document_key' | 'holder_token_hash', value: string): Promise<SubjectRecord | undefined> {
    const { rows } = await this.pool.query<SubjectRow>(`SELECT ${SUBJECT_READ_COLUMNS()} FROM subjects WHERE ${column} = $1`, [value]);
    return rows[0] && subjectFromRow(rows[0]);
  }

  async getSubject(id: string): Promise<SubjectRecord | undefined> {
    return this.getBy('id', id);
  }

  async getSubjectByDocumentKey(documentKey: string): Promise<SubjectRecord | undefined> {
    return this.getBy('document_key', documentKey);
  }

  async getSubjectByTokenHash(holderTokenHash: string): Promise<SubjectRecord | undefined> {
    return this.getBy('holder_token_hash', holderTokenHash);
  }

  /**
   * Inside a transaction. The slot insert runs under a savepoint: a unique violation aborts only
   * the savepoint, and at READ COMMITTED the next proposal sees the slot the winner committed.
   */
  private async link(c: Queryable, proxyId: string, subjectId: string, at: number): Promise<void> {
    for (let attempt = 0; attempt < MAX_SLOT_ATTEMPTS; attempt++) {
      const { rows } = await c.query<{ linked: boolean; proxy_slots: number[]; subject_slots: number[] }>(
        `SELECT EXISTS (SELECT 1 FROM proxy_links WHERE proxy_id = $1 AND subject_id = $2) AS linked,
                ARRAY(SELECT proxy_slot::int FROM proxy_links WHERE proxy_id = $1) AS proxy_slots,
                ARRAY(SELECT subject_slot::int FROM proxy_links WHERE subject_id = $2) AS subject_slots`,
        [proxyId, subjectId],
      );
      const row = rows[0]!;
      const { proxySlot, subjectSlot } = pickSlots({ linked: row.linked, proxySlots: row.proxy_slots, subjectSlots: row.subject_slots });
      await c.query('SAVEPOINT proxy_link');
      try {
        await c.query(
          'INSERT INTO proxy_links (proxy_id, subject_id, proxy_slot, subject_slot, created_at) VALUES ($1, $2, $3, $4, $5)',
          [proxyId, subjectId, proxySlot, subjectSlot, at],
        );
        await c.query('RELEASE SAVEPOINT proxy_link');
        return;
      } catch (err) {
        const target = uniqueTarget(err);
        if (target !== 'slot' && target !== 'pair') throw err;
        await c.query('ROLLBACK TO SAVEPOINT proxy_link');
        if (target === 'pair') throw new StoreConflict('proxy_exists');
      }
    }
    throw new SlotContention();
  }

  async addProxyLink(proxyId: string, subjectId: string, at: number): Promise<void> {
    await this.tx((c) => this.link(c, proxyId, subjectId, at));
  }

  async countPeopleActedFor(proxyId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM proxy_links WHERE proxy_id = $1', [proxyId]);
    return intFromRow(rows[0]?.n ?? 0);
  }

  async isProxyOf(proxyId: string, subjectId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM proxy_links WHERE proxy_id = $1 AND subject_id = $2', [proxyId, subjectId]);
    return rowCount === 1;
  }

  async listProxies(subjectId: string): Promise<ProxyLinkView[]> {
    const { rows } = await this.pool.query<ProxyLinkRow>(
      `SELECT l.proxy_id, s.name_masked, l.created_at FROM proxy_links l JOIN subjects s ON s.id = l.proxy_id
       WHERE l.subject_id = $1 ORDER BY l.subject_slot`,
      [subjectId],
    );
    return rows.map(proxyLinkFromRow);
  }

  async removeProxyLink(proxyId: string, subjectId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM proxy_links WHERE proxy_id = $1 AND subject_id = $2', [proxyId, subjectId]);
    return rowCount === 1;
  }

  async insertProxyRequest(r: ProxyRequestRecord): Promise<string> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO proxy_requests (id, requester_id, subject_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (requester_id, subject_id) DO UPDATE SET created_at = excluded.created_at, expires_at = excluded.expires_at
       RETURNING id`,
      [r.id, r.requesterId, r.subjectId, r.createdAt, r.expiresAt],
    );
    return rows[0]!.id;
  }

  async listProxyRequests(subjectId: string, now: number): Promise<PendingProxyRequest[]> {
    const { rows } = await this.pool.query<PendingRequestRow>(PENDING_REQUESTS_SQL, [subjectId, now]);
    return rows.map(pendingRequestFromRow);
  }

  async approveProxyRequest(subjectId: string, requestId: string, now: number): Promise<string | undefined> {
    return this.tx(async (c) => {
      // The row lock of the DELETE makes a concurrent approval of the same request wait, then find nothing.
      const { rows } = await c.query<{ requester_id: string }>(
        'DELETE FROM proxy_requests WHERE id = $1 AND subject_id = $2 AND expires_at > $3 RETURNING requester_id',
        [requestId, subjectId, now],
      );
      const requester = rows[0]?.requester_id;
      if (requester === undefined) return undefined;
      try {
        await this.link(c, requester, subjectId, now);
      } catch (err) {
        // Already a proxy (asked twice): the request is consumed, the link stays as it was.
        if (!(err instanceof StoreConflict && err.kind === 'proxy_exists')) throw err;
      }
      return requester;
    });
  }

  async declineProxyRequest(subjectId: string, requestId: string, now: number): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM proxy_requests WHERE id = $1 AND subject_id = $2 AND expires_at > $3', [
      requestId, subjectId, now,
    ]);
    return rowCount === 1;
  }

  async deleteExpiredProxyRequests(before: number): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM proxy_requests WHERE expires_at <= $1', [before]);
    return rowCount ?? 0;
  }

  async deleteExpiredOneTimeCodes(before: number): Promise<{ recoveryCodes: number; documentClaims: number }> {
    const codes = await this.pool.query('DELETE FROM recovery_codes WHERE expires_at <= $1', [before]);
    const claims = await this.pool.query('DELETE FROM document_claims WHERE expires_at <= $1', [before]);
    return { recoveryCodes: codes.rowCount ?? 0, documentClaims: claims.rowCount ?? 0 };
  }

  async releaseSubject(subjectId: string, audit: ReleaseAudit, claim?: DocumentClaim): Promise<'released' | 'already_released' | 'not_found'> {
    return this.tx(async (c) => {
      // The document key before the tombstone (the claim is keyed by it); the row lock holds until commit.
      const { rows: before } = await c.query<{ document_key: string }>('SELECT document_key FROM subjects WHERE id = $1 FOR UPDATE', [subjectId]);
      const { rowCount } = await c.query(
        `UPDATE subjects SET document_key = $2, holder_token_hash = $2, identity_key = $2, has_travel = false
         WHERE id = $1 AND document_key NOT LIKE $3 || '%'`,
        [subjectId, RELEASED_PREFIX + subjectId, RELEASED_PREFIX],
      );
      if (rowCount !== 1) {
        const found = await c.query('SELECT 1 FROM subjects WHERE id = $1', [subjectId]);
        return found.rowCount === 1 ? 'already_released' : 'not_found';
      }
      await c.query('INSERT INTO subject_releases (id, subject_id, operator, reason, released_at) VALUES ($1, $2, $3, $4, $5)', [
        audit.id, subjectId, audit.operator, audit.reason, audit.at,
      ]);
      await c.query('DELETE FROM proxy_links WHERE subject_id = $1 OR proxy_id = $1', [subjectId]);
      await c.query('DELETE FROM proxy_requests WHERE subject_id = $1 OR requester_id = $1', [subjectId]);
      await c.query('DELETE FROM recovery_codes WHERE subject_id = $1', [subjectId]);
      const documentKey = before[0]?.document_key;
      if (claim && documentKey !== undefined) {
        await c.query(
          `INSERT INTO document_claims (document_key, code_hash, released_subject_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (document_key) DO UPDATE SET code_hash = excluded.code_hash, released_subject_id = excluded.released_subject_id,
             expires_at = excluded.expires_at, created_at = excluded.created_at`,
          [documentKey, claim.codeHash, subjectId, claim.expiresAt, audit.at],
        );
      }
      return 'released' as const;
    });
  }

  async setOwnerToken(subjectId: string, tokenHash: string | null, at: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE subjects SET holder_token_hash = $1, token_used_at = $2 WHERE id = $3 AND document_key NOT LIKE '${RELEASED_PREFIX}%'`,
      [tokenHash ?? vacantToken(subjectId), at, subjectId],
    );
    return rowCount === 1;
  }

  async endOwnerToken(tokenHash: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("UPDATE subjects SET holder_token_hash = 'vacant:' || id WHERE holder_token_hash = $1", [tokenHash]);
    return rowCount === 1;
  }

  async touchOwnerToken(tokenHash: string, at: number): Promise<void> {
    await this.pool.query('UPDATE subjects SET token_used_at = $1 WHERE holder_token_hash = $2', [at, tokenHash]);
  }

  async putRecoveryCode(r: RecoveryCodeRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO recovery_codes (subject_id, code_hash, tries_left, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (subject_id) DO UPDATE SET code_hash = excluded.code_hash, tries_left = excluded.tries_left,
         expires_at = excluded.expires_at, created_at = excluded.created_at`,
      [r.subjectId, r.codeHash, r.triesLeft, r.expiresAt, r.createdAt],
    );
  }

  async spendRecoveryTry(subjectId: string, now: number): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ code_hash: string }>(
      'UPDATE recovery_codes SET tries_left = tries_left - 1 WHERE subject_id = $1 AND expires_at > $2 AND tries_left > 0 RETURNING code_hash',
      [subjectId, now],
    );
    return rows[0]?.code_hash;
  }

  async deleteRecoveryCode(subjectId: string, codeHash: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM recovery_codes WHERE subject_id = $1 AND code_hash = $2', [subjectId, codeHash]);
    return rowCount === 1;
  }

  async getDocumentClaim(documentKey: string, now: number): Promise<DocumentClaim | undefined> {
    const { rows } = await this.pool.query<{ code_hash: string; expires_at: string }>(
      'SELECT code_hash, expires_at FROM document_claims WHERE document_key = $1 AND expires_at > $2',
      [documentKey, now],
    );
    const row = rows[0];
    return row && { codeHash: row.code_hash, expiresAt: intFromRow(row.expires_at) };
  }

  async listRepresented(proxyId: string): Promise<RepresentedView[]> {
    const { rows } = await this.pool.query<{ subject_id: string; name_masked: string; created_at: string }>(
      `SELECT l.subject_id, s.name_masked, l.created_at FROM proxy_links l JOIN subjects s ON s.id = l.subject_id
       WHERE l.proxy_id = $1 ORDER BY l.proxy_slot`,
      [proxyId],
    );
    return rows.map((r) => ({ subjectId: r.subject_id, nameMasked: r.name_masked, since: intFromRow(r.created_at) }));
  }

  async listOwnProxyRequests(requesterId: string, now: number): Promise<OwnRequestView[]> {
    const { rows } = await this.pool.query<{ id: string; created_at: string; expires_at: string }>(
      'SELECT id, created_at, expires_at FROM proxy_requests WHERE requester_id = $1 AND expires_at > $2 ORDER BY created_at, id',
      [requesterId, now],
    );
    return rows.map((r) => ({ id: r.id, createdAt: intFromRow(r.created_at), expiresAt: intFromRow(r.expires_at) }));
  }

  async listReleases(subjectId: string): Promise<ReleaseAudit[]> {
    const { rows } = await this.pool.query<Parameters<typeof releaseFromRow>[0]>(RELEASES_SQL, [subjectId]);
    return rows.map(releaseFromRow);
  }

  async countProxyLinks(): Promise<{ byProxy: Record<string, number>; bySubject: Record<string, number> }> {
    type R = { key: string; n: string };
    // One statement, one snapshot: both tallies describe the same moment.
    const { rows } = await this.pool.query<{ side: 'p' | 's' } & R>(
      `SELECT 'p' AS side, proxy_id AS key, count(*) AS n FROM proxy_links GROUP BY proxy_id
       UNION ALL SELECT 's', subject_id, count(*) FROM proxy_links GROUP BY subject_id`,
    );
    return {
      byProxy: countsFromRows(rows.filter((r) => r.side === 'p')),
      bySubject: countsFromRows(rows.filter((r) => r.side === 's')),
    };
  }

  async updateDeclaration(id: string, u: DeclarationUpdate, day: string): Promise<'updated' | 'already_modified_today' | 'not_found'> {
    try {
      // The daily rule and the write are one statement: a concurrent modification on the same day
      // blocks on the row lock, then re-checks the WHERE against the committed row and matches nothing.
      const { rows } = await this.pool.query<{ updated: boolean; found: boolean }>(
        `WITH u AS (
           UPDATE subjects SET document_type = $2, document_key = $3, identity_key = $4, name_masked = $5,
             document_masked = $6, binding = $7, declaration = $8, has_travel = $9, declared_at = $10, modified_day = $11,
             phone_key = coalesce($12, phone_key)
           WHERE id = $1 AND (modified_day IS NULL OR modified_day <> $11)
           RETURNING 1)
         SELECT EXISTS (SELECT 1 FROM u) AS updated, EXISTS (SELECT 1 FROM subjects WHERE id = $1) AS found`,
        [id, u.documentType, u.documentKey, u.identityKey, u.nameMasked, u.documentMasked, u.binding,
          JSON.stringify(u.declaration), hasTravel(u.declaration), u.declaredAt, day, u.phoneKey ?? null],
      );
      const row = rows[0]!;
      if (row.updated) return 'updated';
      return row.found ? 'already_modified_today' : 'not_found';
    } catch (err) {
      rethrowDocument(err);
    }
  }

  async insertCredential(c: CredentialRecord): Promise<void> {
    await this.pool.query(`INSERT INTO credentials (${REUSABLE_CREDENTIAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, [
      c.jti, c.subjectId, c.color, c.kid, c.issuedAt, c.expiresAt, c.status, c.statusAt, c.statusIdx ?? null, c.jws ?? null, c.facts ?? null,
    ]);
  }

  async getCredential(jti: string): Promise<CredentialRecord | undefined> {
    const { rows } = await this.pool.query<CredentialRow>(`SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE jti = $1`, [jti]);
    return rows[0] && credentialFromRow(rows[0]);
  }

  async invalidateCredentials(
    subjectId: string,
    status: Exclude<CredentialStatus, 'active'>,
    at: number,
    keepColor?: Color,
  ): Promise<Color[]> {
    const { rows } = await this.pool.query<{ color: Color }>(
      `UPDATE credentials SET status = $1, status_at = $2
       WHERE subject_id = $3 AND status = 'active' AND expires_at > $2 AND ($4::text IS NULL OR color <> $4::text)
       RETURNING color`,
      [status, at, subjectId, keepColor ?? null],
    );
    return rows.map((row) => row.color);
  }

  async invalidateCredential(jti: string, status: Exclude<CredentialStatus, 'active'>, at: number): Promise<boolean> {
    const { rowCount } = await this.pool.query("UPDATE credentials SET status = $1, status_at = $2 WHERE jti = $3 AND status = 'active'", [
      status, at, jti,
    ]);
    return rowCount === 1;
  }

  async currentCredential(subjectId: string, now: number): Promise<CredentialRecord | undefined> {
    const { rows } = await this.pool.query<CredentialRow>(
      `SELECT ${REUSABLE_CREDENTIAL_COLUMNS} FROM credentials
       WHERE subject_id = $1 AND status = 'active' AND expires_at > $2 AND jws IS NOT NULL
       ORDER BY issued_at DESC, jti LIMIT 1`,
      [subjectId, now],
    );
    return rows[0] && credentialFromRow(rows[0]);
  }

  async reserveStatusIndex(idx: number, ref: string, heldUntil: number, now: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO status_indices (idx, ref, held_until) VALUES ($1, $2, $3)
       ON CONFLICT (idx) DO UPDATE SET ref = excluded.ref, held_until = excluded.held_until
       WHERE status_indices.held_until < $4`,
      [idx, ref, heldUntil, now],
    );
    return rowCount === 1;
  }

  async listInvalidStatusIndices(now: number): Promise<number[]> {
    const { rows } = await this.pool.query<{ status_idx: string | number }>(
      "SELECT status_idx FROM credentials WHERE status <> 'active' AND expires_at > $1 AND status_idx IS NOT NULL",
      [now],
    );
    return rows.map((r) => Number(r.status_idx));
  }

  async listInvalidatedCredentials(now: number): Promise<CredentialRecord[]> {
    const { rows } = await this.pool.query<CredentialRow>(
      `SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE status <> 'active' AND expires_at > $1 ORDER BY status_at, jti`,
      [now],
    );
    return rows.map(credentialFromRow);
  }

  async insertPass(c: CredentialRecord): Promise<void> {
    await this.tx(async (client) => {
      await client.query(`INSERT INTO credentials (${PASS_CREDENTIAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
        c.jti, c.subjectId, c.color, c.kid, c.issuedAt, c.expiresAt, c.status, c.statusAt, c.statusIdx ?? null,
      ]);
      await client.query('INSERT INTO passes (jti, subject_id, expires_at) VALUES ($1, $2, $3)', [c.jti, c.subjectId, c.expiresAt]);
    });
  }

  async listPasses(subjectId: string): Promise<CredentialRecord[]> {
    const { rows } = await this.pool.query<CredentialRow>(
      `SELECT ${CREDENTIAL_COLUMNS_C} FROM passes p JOIN credentials c ON c.jti = p.jti WHERE p.subject_id = $1 ORDER BY c.issued_at DESC, c.jti`,
      [subjectId],
    );
    return rows.map(credentialFromRow);
  }

  async getPass(jti: string): Promise<CredentialRecord | undefined> {
    const { rows } = await this.pool.query<CredentialRow>(`SELECT ${CREDENTIAL_COLUMNS_C} FROM passes p JOIN credentials c ON c.jti = p.jti WHERE p.jti = $1`, [jti]);
    return rows[0] && credentialFromRow(rows[0]);
  }

  async deleteExpiredCredentials(before: number): Promise<number> {
    await this.pool.query('DELETE FROM passes WHERE expires_at < $1', [before]);
    const { rowCount } = await this.pool.query('DELETE FROM credentials WHERE expires_at < $1', [before]);
    return rowCount ?? 0;
  }

  async insertPersonEvent(e: PersonEventRecord): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO risk_events (id, kind, type, document_key, occurred_at, received_at)
       VALUES ($1, 'person', $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [e.id, e.type, e.documentKey, e.occurredAt, e.receivedAt],
    );
    return rowCount === 1;
  }

  async personEvents(documentKey: string): Promise<PersonEventRecord[]> {
    const { rows } = await this.pool.query<PersonEventRow>(
      `SELECT id, type, document_key, occurred_at, received_at FROM risk_events
       WHERE kind = 'person' AND document_key = $1 ORDER BY occurred_at, id`,
      [documentKey],
    );
    return rows.map(personEventFromRow);
  }

  async setHighRiskRegions(eventId: string, regions: string[], effectiveAt: number): Promise<boolean> {
    return this.tx(async (c) => {
      const fresh = await c.query(
        `INSERT INTO risk_events (id, kind, occurred_at) VALUES ($1, 'regions', $2) ON CONFLICT (id) DO NOTHING`,
        [eventId, effectiveAt],
      );
      if (fresh.rowCount !== 1) return false;
      // Newer wins; a concurrent writer's row lock makes this re-check the committed effective_at.
      const { rowCount } = await c.query(
        'UPDATE high_risk_regions SET regions = $1, effective_at = $2, event_id = $3 WHERE singleton = 1 AND effective_at < $2',
        [JSON.stringify(regions), effectiveAt, eventId],
      );
      return rowCount === 1;
    });
  }

  async highRiskRegions(): Promise<HighRiskRegions> {
    const { rows } = await this.pool.query<{ regions: string[]; effective_at: string }>(
      'SELECT regions, effective_at FROM high_risk_regions WHERE singleton = 1',
    );
    const row = rows[0];
    if (!row) return { regions: [], effectiveAt: 0 };
    return { regions: row.regions, effectiveAt: intFromRow(row.effective_at) };
  }

  async subjectIdsWithTravel(): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM subjects WHERE has_travel ORDER BY id');
    return rows.map((r) => r.id);
  }

  async insertCheckIn(c: CheckInRecord): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO check_ins (subject_id, day, temperature_c, symptoms, checked_in_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [c.subjectId, c.day, c.temperatureC, JSON.stringify(c.symptoms), c.at],
    );
    return rowCount === 1;
  }

  async checkIns(subjectId: string, since: number): Promise<CheckInRecord[]> {
    const { rows } = await this.pool.query<CheckInRow>(
      'SELECT subject_id, day, temperature_c, symptoms, checked_in_at FROM check_ins WHERE subject_id = $1 AND checked_in_at >= $2 ORDER BY checked_in_at',
      [subjectId, since],
    );
    return rows.map(checkInFromRow);
  }

  async deleteCheckInsBefore(before: number): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM check_ins WHERE checked_in_at < $1', [before]);
    return rowCount ?? 0;
  }

  async insertDevice(d: DeviceRecord): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO devices (${DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
      [d.id, d.tokenHash, d.createdAt, d.revokedAt],
    );
    return rowCount === 1;
  }

  async getDeviceByTokenHash(tokenHash: string): Promise<DeviceRecord | undefined> {
    const { rows } = await this.pool.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE token_hash = $1`, [tokenHash]);
    return rows[0] && deviceFromRow(rows[0]);
  }

  async listDevices(): Promise<DeviceRecord[]> {
    const { rows } = await this.pool.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices ORDER BY id`);
    return rows.map(deviceFromRow);
  }

  async revokeDevice(id: string, at: number): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE devices SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]);
    return rowCount === 1;
  }

  async trustListHeld(uri: string): Promise<TrustListHeld | undefined> {
    const { rows } = await this.pool.query<{ sequence: string; payload_hash: string }>('SELECT sequence, payload_hash FROM trust_list_state WHERE uri = $1', [uri]);
    const row = rows[0];
    return row ? { sequence: intFromRow(row.sequence), payloadHash: row.payload_hash } : undefined;
  }

  async recordTrustList(uri: string, held: TrustListHeld, at: number): Promise<boolean> {
    // The row lock of ON CONFLICT makes concurrent gateways compare with the committed sequence.
    const { rowCount } = await this.pool.query(
      `INSERT INTO trust_list_state (uri, sequence, payload_hash, updated_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (uri) DO UPDATE SET sequence = excluded.sequence, payload_hash = excluded.payload_hash, updated_at = excluded.updated_at
        WHERE trust_list_state.sequence < excluded.sequence`,
      [uri, held.sequence, held.payloadHash, at],
    );
    return rowCount === 1;
  }

  async touchSubject(id: string, at: number, granularityMs: number): Promise<void> {
    await this.pool.query('UPDATE subjects SET last_active_at = $2 WHERE id = $1 AND purged_at IS NULL AND coalesce(last_active_at, 0) < $3', [id, at, at - granularityMs]);
  }

  async subjectIdsToPurge(before: number | undefined, limit: number): Promise<string[]> {
    const { rows } = before === undefined
      ? await this.pool.query<{ id: string }>('SELECT id FROM subjects WHERE purged_at IS NULL LIMIT $1', [limit])
      : await this.pool.query<{ id: string }>('SELECT id FROM subjects WHERE purged_at IS NULL AND declared_at < $1 AND coalesce(last_active_at, 0) < $1 LIMIT $2', [before, limit]);
    return rows.map((r) => r.id);
  }

  async purgeSubject(id: string, at: number, inactiveBefore?: number): Promise<boolean> {
    return this.tx(async (c) => {
      const { rowCount } = await c.query(
        `UPDATE subjects SET document_key = $2, holder_token_hash = $2, identity_key = $2, name_masked = '', document_masked = '',
           binding = '', declaration = $3, has_travel = false, modified_day = NULL, last_active_at = NULL, purged_at = $4
         WHERE id = $1 AND purged_at IS NULL AND ($5::bigint IS NULL OR (declared_at < $5 AND coalesce(last_active_at, 0) < $5))`,
        [id, PURGED_PREFIX + id, JSON.stringify(PURGED_DECLARATION), at, inactiveBefore ?? null],
      );
      if (rowCount !== 1) return false;
      await c.query('DELETE FROM proxy_links WHERE subject_id = $1 OR proxy_id = $1', [id]);
      await c.query('DELETE FROM proxy_requests WHERE subject_id = $1 OR requester_id = $1', [id]);
      await c.query('DELETE FROM subject_releases WHERE subject_id = $1', [id]);
      await c.query('DELETE FROM check_ins WHERE subject_id = $1', [id]);
      // The codes kept for reuse carry the masked name and number: only their status stays.
      await c.query('UPDATE credentials SET jws = NULL, facts = NULL WHERE subject_id = $1', [id]);
      return true;
    });
  }

  async deletePurgedSubjects(before: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      'DELETE FROM subjects WHERE purged_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.subject_id = subjects.id AND c.expires_at >= $1)',
      [before],
    );
    return rowCount ?? 0;
  }

  async deletePersonEvents(): Promise<number> {
    const { rowCount } = await this.pool.query("DELETE FROM risk_events WHERE kind = 'person'");
    return rowCount ?? 0;
  }
}
