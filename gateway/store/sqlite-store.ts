import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
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
  jsonFromRow,
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

/** How long a writer waits for another connection's write lock before failing (ms). */
const BUSY_TIMEOUT_MS = 5000;
/** Most writes committed by one transaction (bounds how long one commit holds the event loop). */
const MAX_BATCH_WRITES = 256;
/** Longest a write waits for its batch before a read commits it (see settle()). */
const MAX_BATCH_WAIT_MS = 5;

interface PendingWrite<T> {
  fn: () => T;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** SQLite reports a unique violation as "UNIQUE constraint failed: table.col, table.col". */
function uniqueTarget(err: unknown): UniqueTarget | undefined {
  const e = err as { code?: unknown; message?: unknown };
  if (e.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return undefined;
  const msg = String(e.message);
  if (msg.includes('subjects.document_key')) return 'document';
  if (msg.includes('proxy_links.proxy_slot') || msg.includes('proxy_links.subject_slot')) return 'slot';
  if (msg.includes('proxy_links.proxy_id, proxy_links.subject_id')) return 'pair';
  return 'other';
}

function rethrowDocument(err: unknown): never {
  if (uniqueTarget(err) === 'document') throw new StoreConflict('document_exists');
  throw err;
}

/**
 * Embedded store for a single gateway process (several connections to one file are safe too).
 * better-sqlite3 is synchronous: every method does its work before returning a resolved promise,
 * and every write runs in a BEGIN IMMEDIATE transaction so it takes the write lock up front
 * instead of failing with SQLITE_BUSY on upgrade from a read lock.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  /**
   * Prepared statements, by SQL text (a fixed set: every text is a constant of this file). Preparing
   * once is better-sqlite3's intended use: preparing per call costs a parse each time, and each
   * discarded statement holds native memory V8 does not see until a GC finalises it.
   */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    try {
      // WAL lets readers run beside the writer; FULL syncs the WAL on every commit, so a
      // resolved write survives kill -9 and power loss (sqlite.org/pragma.html#pragma_synchronous).
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('trusted_schema = OFF');
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** The connection settings the durability promise rests on (for tests and diagnostics). */
  settings(): { journalMode: string; synchronous: number; busyTimeout: number; foreignKeys: number } {
    const one = (p: string): unknown => this.db.pragma(p, { simple: true });
    return {
      journalMode: String(one('journal_mode')),
      synchronous: Number(one('synchronous')),
      busyTimeout: Number(one('busy_timeout')),
      foreignKeys: Number(one('foreign_keys')),
    };
  }

  /**
   * Group commit: writes asked for in the same turn of the event loop are committed by one
   * transaction, each inside its own savepoint (a nested better-sqlite3 transaction), so one
   * fsync (synchronous = FULL) makes a whole batch durable instead of one fsync per write.
   * Nothing is weakened: every write's promise settles only after the COMMIT that contains it
   * returned (a write that failed rolls back only its own savepoint and rejects only its own
   * promise; a failed COMMIT rejects the whole batch), and within a batch writes run in the
   * order they were asked for, each seeing the ones before, exactly as one after the other.
   * better-sqlite3 blocks the event loop during the fsync, so under load (the launch-day
   * benchmark) this is what lets the commit rate follow the request rate.
   */
  private pending: Array<PendingWrite<unknown>> = [];
  private pendingSince = 0;

  private write<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.pending.length === 0) {
        this.pendingSince = performance.now();
        setImmediate(() => this.flush());
      }
      this.pending.push({ fn, resolve, reject } as PendingWrite<unknown>);
    });
  }

  /**
   * Reads first commit writes that have waited longer than MAX_BATCH_WAIT_MS: a caller that reads
   * in a loop of resolved promises (never yielding to the event loop) must not starve the batch it
   * is waiting for. Sooner would split the batches that concurrent requests' reads interleave with.
   */
  private settle(): void {
    if (this.pending.length > 0 && performance.now() - this.pendingSince > MAX_BATCH_WAIT_MS) this.flush();
  }

  private flush(): void {
    const batch = this.pending.splice(0, MAX_BATCH_WRITES);
    if (this.pending.length > 0) {
      this.pendingSince = performance.now();
      setImmediate(() => this.flush());
    }
    if (batch.length === 0) return;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      if (!this.db.open) throw new TypeError('The database connection is not open');
      this.db.transaction(() => {
        for (const w of batch) {
          try {
            outcomes.push({ ok: true, value: this.db.transaction(w.fn)() });
          } catch (error) {
            // Some errors (I/O, full disk) make SQLite roll back the whole transaction: then the
            // writes before this one are gone too, and the whole batch must fail.
            if (!this.db.inTransaction) throw error;
            outcomes.push({ ok: false, error });
          }
        }
      }).immediate();
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      const o = outcomes[i]!;
      if (o.ok) w.resolve(o.value);
      else w.reject(o.error);
    });
  }

  async migrate(): Promise<void> {
    await this.write(() => {
      this.db.exec(MIGRATIONS_TABLE_DDL.sqlite);
      const applied = this.db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[];
      for (const m of pendingMigrations(applied)) {
        this.db.exec(m.sqlite);
        this.db
          .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, CAST(unixepoch('subsec') * 1000 AS INTEGER))")
          .run(m.version, m.name);
      }
    });
  }

  async close(): Promise<void> {
    // Writes already asked for are committed (or fail) before the connection goes.
    while (this.pending.length > 0 && this.db.open) this.flush();
    if (this.db.open) this.db.close();
  }

  async ping(): Promise<void> {
    this.sql('SELECT 1').get();
  }

  private insertSubjectRow(subject: SubjectRecord, proxyId: string | undefined, claim: ClaimCheck | undefined): void {
    if (claim) {
      // A released document under a counter's claim: only its code declares it, once (issue 17, item 4).
      const held = this.sql('SELECT code_hash FROM document_claims WHERE document_key = ? AND expires_at > ?').pluck().get(subject.documentKey, claim.now) as string | undefined;
      if (held !== undefined) {
        if (held !== claim.codeHash && !claim.verified) throw new StoreConflict('claim_required');
        this.sql('DELETE FROM document_claims WHERE document_key = ?').run(subject.documentKey);
      }
    }
    this
      .sql(
        `INSERT INTO subjects (${SUBJECT_COLUMNS}, has_travel, phone_key, token_used_at) VALUES (@id, @documentType, @documentKey, @identityKey,
         @nameMasked, @documentMasked, @binding, @holderTokenHash, @declaration, @declaredAt, @modifiedDay, @createdAt, @hasTravel, @phoneKey, @tokenUsedAt)`,
      )
      .run({
        ...subject,
        declaration: JSON.stringify(subject.declaration),
        hasTravel: hasTravel(subject.declaration) ? 1 : 0,
        phoneKey: subject.phoneKey ?? null,
        tokenUsedAt: subject.tokenUsedAt ?? null,
      });
    if (proxyId !== undefined) this.link(proxyId, subject.id, subject.createdAt);
  }

  async insertSubject(subject: SubjectRecord, proxyId?: string, claim?: ClaimCheck): Promise<void> {
    try {
      await this.write(() => this.insertSubjectRow(subject, proxyId, claim));
    } catch (err) {
      rethrowDocument(err);
    }
  }

  /** Jobs this process has taken (SQLite serves one process: a claim is held in memory and ends with it). */
  private readonly claimed = new Set<number>();

  async enqueueDeclaration(subject: SubjectRecord, job: QueuedDeclaration, proxyId?: string, claim?: ClaimCheck): Promise<{ position: number }> {
    try {
      return await this.write(() => {
        this.insertSubjectRow(subject, proxyId, claim);
        const { lo, hi } = this.sql(QUEUE_ENDS_SQL).get() as { lo: number | null; hi: number | null };
        const ahead = lo === null || hi === null ? 0 : hi - lo + 1;
        this.sql('INSERT INTO declaration_queue (subject_id, sealed_document, ahead, enqueued_at) VALUES (?, ?, ?, ?)').run(subject.id, job.sealedDocument, ahead, job.enqueuedAt);
        return { position: ahead + 1 };
      });
    } catch (err) {
      rethrowDocument(err);
    }
  }

  async claimDeclarationJob(): Promise<ClaimedDeclarationJob | undefined> {
    this.settle();
    const rows = this.sql(`SELECT ${JOB_COLUMNS} FROM declaration_queue ORDER BY seq LIMIT ?`).all(this.claimed.size + 1) as JobRow[];
    const row = rows.find((r) => !this.claimed.has(Number(r.seq)));
    if (!row) return undefined;
    const job = jobFromRow(row);
    this.claimed.add(job.seq);
    let open = true;
    const end = (): void => {
      open = false;
      this.claimed.delete(job.seq);
    };
    return {
      ...job,
      complete: async (binding) => {
        if (!open) throw new Error('store: this job was already completed or released');
        try {
          return await this.write(() => {
            const set = this.sql(SET_BINDING_SQL(() => '?')).run(binding, job.subjectId);
            this.sql('DELETE FROM declaration_queue WHERE seq = ?').run(job.seq);
            return set.changes > 0;
          });
        } finally {
          end();
        }
      },
      release: async () => end(),
    };
  }

  async declarationQueuePosition(subjectId: string): Promise<number | undefined> {
    this.settle();
    const row = this.sql(POSITION_SQL(() => '?')).get(subjectId) as { position: number } | undefined;
    return row ? Number(row.position) : undefined;
  }

  async declarationQueueStats(): Promise<{ depth: number; oldestEnqueuedAt: number | null }> {
    this.settle();
    const row = this.sql(STATS_SQL).get() as { depth: number; oldest: number | null };
    return { depth: Number(row.depth), oldestEnqueuedAt: row.oldest === null ? null : Number(row.oldest) };
  }

  private getBy(column: 'id' | 'document_key' | 'holder_token_hash', value: string): SubjectRecord | undefined {
    this.settle();
    const row = this.sql(`SELECT ${SUBJECT_READ_COLUMNS()} FROM subjects WHERE ${column} = ?`).get(value) as SubjectRow | undefined;
    return row && subjectFromRow(row);
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

  /** Inside a write transaction: the write lock is held, so the first proposal normally wins. */
  private link(proxyId: string, subjectId: string, at: number): void {
    const view = this.sql(
      `SELECT EXISTS (SELECT 1 FROM proxy_links WHERE proxy_id = @p AND subject_id = @s) AS linked,
              (SELECT json_group_array(proxy_slot) FROM proxy_links WHERE proxy_id = @p) AS proxy_slots,
              (SELECT json_group_array(subject_slot) FROM proxy_links WHERE subject_id = @s) AS subject_slots`,
    );
    const insert = this.sql(
      'INSERT INTO proxy_links (proxy_id, subject_id, proxy_slot, subject_slot, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    for (let attempt = 0; attempt < MAX_SLOT_ATTEMPTS; attempt++) {
      const row = view.get({ p: proxyId, s: subjectId }) as { linked: number; proxy_slots: string; subject_slots: string };
      const { proxySlot, subjectSlot } = pickSlots({
        linked: row.linked === 1,
        proxySlots: jsonFromRow<number[]>(row.proxy_slots),
        subjectSlots: jsonFromRow<number[]>(row.subject_slots),
      });
      try {
        insert.run(proxyId, subjectId, proxySlot, subjectSlot, at);
        return;
      } catch (err) {
        const target = uniqueTarget(err);
        if (target === 'pair') throw new StoreConflict('proxy_exists');
        if (target !== 'slot') throw err;
      }
    }
    throw new SlotContention();
  }

  async addProxyLink(proxyId: string, subjectId: string, at: number): Promise<void> {
    await this.write(() => this.link(proxyId, subjectId, at));
  }

  async countPeopleActedFor(proxyId: string): Promise<number> {
    this.settle();
    return intFromRow(this.sql('SELECT count(*) FROM proxy_links WHERE proxy_id = ?').pluck().get(proxyId) as number);
  }

  async isProxyOf(proxyId: string, subjectId: string): Promise<boolean> {
    this.settle();
    return this.sql('SELECT 1 FROM proxy_links WHERE proxy_id = ? AND subject_id = ?').get(proxyId, subjectId) !== undefined;
  }

  async listProxies(subjectId: string): Promise<ProxyLinkView[]> {
    this.settle();
    const rows = this
      .sql(
        `SELECT l.proxy_id, s.name_masked, l.created_at FROM proxy_links l JOIN subjects s ON s.id = l.proxy_id
         WHERE l.subject_id = ? ORDER BY l.subject_slot`,
      )
      .all(subjectId) as ProxyLinkRow[];
    return rows.map(proxyLinkFromRow);
  }

  async removeProxyLink(proxyId: string, subjectId: string): Promise<boolean> {
    return this.write(() => this.sql('DELETE FROM proxy_links WHERE proxy_id = ? AND subject_id = ?').run(proxyId, subjectId).changes === 1);
  }

  async insertProxyRequest(r: ProxyRequestRecord): Promise<string> {
    return this.write(
      () =>
        this
          .sql(
            `INSERT INTO proxy_requests (id, requester_id, subject_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (requester_id, subject_id) DO UPDATE SET created_at = excluded.created_at, expires_at = excluded.expires_at
             RETURNING id`,
          )
          .pluck()
          .get(r.id, r.requesterId, r.subjectId, r.createdAt, r.expiresAt) as string,
    );
  }

  async listProxyRequests(subjectId: string, now: number): Promise<PendingProxyRequest[]> {
    this.settle();
    const rows = this.sql(PENDING_REQUESTS_SQL.replace(/\$\d/g, '?')).all(subjectId, now) as PendingRequestRow[];
    return rows.map(pendingRequestFromRow);
  }

  async approveProxyRequest(subjectId: string, requestId: string, now: number): Promise<string | undefined> {
    return this.write(() => {
      const requester = this
        .sql('DELETE FROM proxy_requests WHERE id = ? AND subject_id = ? AND expires_at > ? RETURNING requester_id')
        .pluck()
        .get(requestId, subjectId, now) as string | undefined;
      if (requester === undefined) return undefined;
      try {
        this.link(requester, subjectId, now);
      } catch (err) {
        // Already a proxy (asked twice): the request is consumed, the link stays as it was.
        if (!(err instanceof StoreConflict && err.kind === 'proxy_exists')) throw err;
      }
      return requester;
    });
  }

  async declineProxyRequest(subjectId: string, requestId: string, now: number): Promise<boolean> {
    return this.write(
      () => this.sql('DELETE FROM proxy_requests WHERE id = ? AND subject_id = ? AND expires_at > ?').run(requestId, subjectId, now).changes === 1,
    );
  }

  async deleteExpiredProxyRequests(before: number): Promise<number> {
    return this.write(() => this.sql('DELETE FROM proxy_requests WHERE expires_at <= ?').run(before).changes);
  }

  async deleteExpiredOneTimeCodes(before: number): Promise<{ recoveryCodes: number; documentClaims: number }> {
    return this.write(() => ({
      recoveryCodes: this.sql('DELETE FROM recovery_codes WHERE expires_at <= ?').run(before).changes,
      documentClaims: this.sql('DELETE FROM document_claims WHERE expires_at <= ?').run(before).changes,
    }));
  }

  async releaseSubject(subjectId: string, audit: ReleaseAudit, claim?: DocumentClaim): Promise<'released' | 'already_released' | 'not_found'> {
    return this.write(() => {
      const documentKey = this.sql('SELECT document_key FROM subjects WHERE id = ?').pluck().get(subjectId) as string | undefined;
      const changed = this
        .sql(
          `UPDATE subjects SET document_key = @tomb, holder_token_hash = @tomb, identity_key = @tomb, has_travel = 0
           WHERE id = @id AND document_key NOT LIKE @prefix || '%'`,
        )
        .run({ id: subjectId, tomb: RELEASED_PREFIX + subjectId, prefix: RELEASED_PREFIX }).changes;
      if (changed === 0) return this.sql('SELECT 1 FROM subjects WHERE id = ?').get(subjectId) === undefined ? 'not_found' : 'already_released';
      this.sql('INSERT INTO subject_releases (id, subject_id, operator, reason, released_at) VALUES (?, ?, ?, ?, ?)').run(
        audit.id, subjectId, audit.operator, audit.reason, audit.at,
      );
      this.sql('DELETE FROM proxy_links WHERE subject_id = ? OR proxy_id = ?').run(subjectId, subjectId);
      this.sql('DELETE FROM proxy_requests WHERE subject_id = ? OR requester_id = ?').run(subjectId, subjectId);
      this.sql('DELETE FROM recovery_codes WHERE subject_id = ?').run(subjectId);
      if (claim && documentKey !== undefined) {
        this.sql(
          `INSERT INTO document_claims (document_key, code_hash, released_subject_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (document_key) DO UPDATE SET code_hash = excluded.code_hash, released_subject_id = excluded.released_subject_id,
             expires_at = excluded.expires_at, created_at = excluded.created_at`,
        ).run(documentKey, claim.codeHash, subjectId, claim.expiresAt, audit.at);
      }
      return 'released';
    });
  }

  async setOwnerToken(subjectId: string, tokenHash: string | null, at: number): Promise<boolean> {
    return this.write(
      () =>
        this
          .sql(`UPDATE subjects SET holder_token_hash = ?, token_used_at = ? WHERE id = ? AND document_key NOT LIKE '${RELEASED_PREFIX}%'`)
          .run(tokenHash ?? vacantToken(subjectId), at, subjectId).changes === 1,
    );
  }

  async endOwnerToken(tokenHash: string): Promise<boolean> {
    return this.write(
      () => this.sql("UPDATE subjects SET holder_token_hash = 'vacant:' || id WHERE holder_token_hash = ?").run(tokenHash).changes === 1,
    );
  }

  async touchOwnerToken(tokenHash: string, at: number): Promise<void> {
    await this.write(() => this.sql('UPDATE subjects SET token_used_at = ? WHERE holder_token_hash = ?').run(at, tokenHash));
  }

  async putRecoveryCode(c: RecoveryCodeRecord): Promise<void> {
    await this.write(() =>
      this.sql(
        `INSERT INTO recovery_codes (subject_id, code_hash, tries_left, expires_at, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (subject_id) DO UPDATE SET code_hash = excluded.code_hash, tries_left = excluded.tries_left,
           expires_at = excluded.expires_at, created_at = excluded.created_at`,
      ).run(c.subjectId, c.codeHash, c.triesLeft, c.expiresAt, c.createdAt),
    );
  }

  async spendRecoveryTry(subjectId: string, now: number): Promise<string | undefined> {
    return this.write(
      () =>
        this
          .sql('UPDATE recovery_codes SET tries_left = tries_left - 1 WHERE subject_id = ? AND expires_at > ? AND tries_left > 0 RETURNING code_hash')
          .pluck()
          .get(subjectId, now) as string | undefined,
    );
  }

  async deleteRecoveryCode(subjectId: string, codeHash: string): Promise<boolean> {
    return this.write(() => this.sql('DELETE FROM recovery_codes WHERE subject_id = ? AND code_hash = ?').run(subjectId, codeHash).changes === 1);
  }

  async getDocumentClaim(documentKey: string, now: number): Promise<DocumentClaim | undefined> {
    this.settle();
    const row = this.sql('SELECT code_hash, expires_at FROM document_claims WHERE document_key = ? AND expires_at > ?').get(documentKey, now) as
      | { code_hash: string; expires_at: number }
      | undefined;
    return row && { codeHash: row.code_hash, expiresAt: intFromRow(row.expires_at) };
  }

  async listRepresented(proxyId: string): Promise<RepresentedView[]> {
    this.settle();
    const rows = this
      .sql(
        `SELECT l.subject_id, s.name_masked, l.created_at FROM proxy_links l JOIN subjects s ON s.id = l.subject_id
         WHERE l.proxy_id = ? ORDER BY l.proxy_slot`,
      )
      .all(proxyId) as Array<{ subject_id: string; name_masked: string; created_at: number }>;
    return rows.map((r) => ({ subjectId: r.subject_id, nameMasked: r.name_masked, since: intFromRow(r.created_at) }));
  }

  async listOwnProxyRequests(requesterId: string, now: number): Promise<OwnRequestView[]> {
    this.settle();
    const rows = this
      .sql('SELECT id, created_at, expires_at FROM proxy_requests WHERE requester_id = ? AND expires_at > ? ORDER BY created_at, id')
      .all(requesterId, now) as Array<{ id: string; created_at: number; expires_at: number }>;
    return rows.map((r) => ({ id: r.id, createdAt: intFromRow(r.created_at), expiresAt: intFromRow(r.expires_at) }));
  }

  async listReleases(subjectId: string): Promise<ReleaseAudit[]> {
    this.settle();
    return (this.sql(RELEASES_SQL.replace('$1', '?')).all(subjectId) as Parameters<typeof releaseFromRow>[0][]).map(releaseFromRow);
  }

  async countProxyLinks(): Promise<{ byProxy: Record<string, number>; bySubject: Record<string, number> }> {
    this.settle();
    type R = { key: string; n: number };
    const byProxy = this.sql('SELECT proxy_id AS key, count(*) AS n FROM proxy_links GROUP BY proxy_id').all() as R[];
    const bySubject = this.sql('SELECT subject_id AS key, count(*) AS n FROM proxy_links GROUP BY subject_id').all() as R[];
    return { byProxy: countsFromRows(byProxy), bySubject: countsFromRows(bySubject) };
  }

  async updateDeclaration(id: string, update: DeclarationUpdate, day: string): Promise<'updated' | 'already_modified_today' | 'not_found'> {
    try {
      return await this.write(() => {
        // The daily rule and the write are one statement: two modifications racing on the same
        // day cannot both see "not modified yet".
        const changed = this
          .sql(
            `UPDATE subjects SET document_type = @documentType, document_key = @documentKey, identity_key = @identityKey,
               name_masked = @nameMasked, document_masked = @documentMasked, binding = @binding,
               declaration = @declaration, has_travel = @hasTravel, declared_at = @declaredAt, modified_day = @day,
               phone_key = coalesce(@phoneKey, phone_key)
             WHERE id = @id AND (modified_day IS NULL OR modified_day <> @day)`,
          )
          .run({
            documentType: update.documentType,
            documentKey: update.documentKey,
            identityKey: update.identityKey,
            nameMasked: update.nameMasked,
            documentMasked: update.documentMasked,
            binding: update.binding,
            declaration: JSON.stringify(update.declaration),
            hasTravel: hasTravel(update.declaration) ? 1 : 0,
            declaredAt: update.declaredAt,
            phoneKey: update.phoneKey ?? null,
            day,
            id,
          }).changes;
        if (changed === 1) return 'updated';
        return this.sql('SELECT 1 FROM subjects WHERE id = ?').get(id) === undefined ? 'not_found' : 'already_modified_today';
      });
    } catch (err) {
      rethrowDocument(err);
    }
  }

  async insertCredential(c: CredentialRecord): Promise<void> {
    await this.write(() =>
      this
        .sql(`INSERT INTO credentials (${REUSABLE_CREDENTIAL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(c.jti, c.subjectId, c.color, c.kid, c.issuedAt, c.expiresAt, c.status, c.statusAt, c.statusIdx ?? null, c.jws ?? null, c.facts ?? null),
    );
  }

  async getCredential(jti: string): Promise<CredentialRecord | undefined> {
    this.settle();
    const row = this.sql(`SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE jti = ?`).get(jti) as CredentialRow | undefined;
    return row && credentialFromRow(row);
  }

  async invalidateCredentials(
    subjectId: string,
    status: Exclude<CredentialStatus, 'active'>,
    at: number,
    keepColor?: Color,
  ): Promise<Color[]> {
    return this.write(() =>
      (
        this
          .sql(
            `UPDATE credentials SET status = @status, status_at = @at
             WHERE subject_id = @subjectId AND status = 'active' AND expires_at > @at
               AND (@keep IS NULL OR color <> @keep)
             RETURNING color`,
          )
          .all({ status, at, subjectId, keep: keepColor ?? null }) as Array<{ color: Color }>
      ).map((row) => row.color),
    );
  }

  async invalidateCredential(jti: string, status: Exclude<CredentialStatus, 'active'>, at: number): Promise<boolean> {
    return this.write(
      () => this.sql("UPDATE credentials SET status = ?, status_at = ? WHERE jti = ? AND status = 'active'").run(status, at, jti).changes === 1,
    );
  }

  async currentCredential(subjectId: string, now: number): Promise<CredentialRecord | undefined> {
    this.settle();
    const row = this
      .sql(
        `SELECT ${REUSABLE_CREDENTIAL_COLUMNS} FROM credentials
         WHERE subject_id = ? AND status = 'active' AND expires_at > ? AND jws IS NOT NULL
         ORDER BY issued_at DESC, jti LIMIT 1`,
      )
      .get(subjectId, now) as CredentialRow | undefined;
    return row && credentialFromRow(row);
  }

  async reserveStatusIndex(idx: number, ref: string, heldUntil: number, now: number): Promise<boolean> {
    return this.write(
      () =>
        this
          .sql(
            `INSERT INTO status_indices (idx, ref, held_until) VALUES (@idx, @ref, @heldUntil)
             ON CONFLICT (idx) DO UPDATE SET ref = excluded.ref, held_until = excluded.held_until
             WHERE status_indices.held_until < @now`,
          )
          .run({ idx, ref, heldUntil, now }).changes === 1,
    );
  }

  async listInvalidStatusIndices(now: number): Promise<number[]> {
    this.settle();
    const rows = this
      .sql("SELECT status_idx FROM credentials WHERE status <> 'active' AND expires_at > ? AND status_idx IS NOT NULL")
      .raw()
      .all(now) as Array<[number | bigint]>;
    return rows.map((r) => Number(r[0]));
  }

  async listInvalidatedCredentials(now: number): Promise<CredentialRecord[]> {
    this.settle();
    const rows = this
      .sql(
        `SELECT ${CREDENTIAL_COLUMNS} FROM credentials
         WHERE status <> 'active' AND expires_at > ? ORDER BY status_at, jti`,
      )
      .all(now) as CredentialRow[];
    return rows.map(credentialFromRow);
  }

  async insertPass(c: CredentialRecord): Promise<void> {
    await this.write(() => {
      this
        .sql(`INSERT INTO credentials (${PASS_CREDENTIAL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(c.jti, c.subjectId, c.color, c.kid, c.issuedAt, c.expiresAt, c.status, c.statusAt, c.statusIdx ?? null);
      this.sql('INSERT INTO passes (jti, subject_id, expires_at) VALUES (?, ?, ?)').run(c.jti, c.subjectId, c.expiresAt);
    });
  }

  async listPasses(subjectId: string): Promise<CredentialRecord[]> {
    this.settle();
    const rows = this
      .sql(`SELECT ${CREDENTIAL_COLUMNS_C} FROM passes p JOIN credentials c ON c.jti = p.jti WHERE p.subject_id = ? ORDER BY c.issued_at DESC, c.jti`)
      .all(subjectId) as CredentialRow[];
    return rows.map(credentialFromRow);
  }

  async getPass(jti: string): Promise<CredentialRecord | undefined> {
    this.settle();
    const row = this.sql(`SELECT ${CREDENTIAL_COLUMNS_C} FROM passes p JOIN credentials c ON c.jti = p.jti WHERE p.jti = ?`).get(jti) as CredentialRow | undefined;
    return row && credentialFromRow(row);
  }

  async deleteExpiredCredentials(before: number): Promise<number> {
    return this.write(() => {
      this.sql('DELETE FROM passes WHERE expires_at < ?').run(before);
      return this.sql('DELETE FROM credentials WHERE expires_at < ?').run(before).changes;
    });
  }

  async insertPersonEvent(e: PersonEventRecord): Promise<boolean> {
    return this.write(
      () =>
        this
          .sql(
            `INSERT INTO risk_events (id, kind, type, document_key, occurred_at, received_at)
             VALUES (?, 'person', ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
          )
          .run(e.id, e.type, e.documentKey, e.occurredAt, e.receivedAt).changes === 1,
    );
  }

  async personEvents(documentKey: string): Promise<PersonEventRecord[]> {
    this.settle();
    const rows = this
      .sql(
        `SELECT id, type, document_key, occurred_at, received_at FROM risk_events
         WHERE kind = 'person' AND document_key = ? ORDER BY occurred_at, id`,
      )
      .all(documentKey) as PersonEventRow[];
    return rows.map(personEventFromRow);
  }

  async setHighRiskRegions(eventId: string, regions: string[], effectiveAt: number): Promise<boolean> {
    return this.write(() => {
      const fresh = this
        .sql(`INSERT INTO risk_events (id, kind, occurred_at) VALUES (?, 'regions', ?) ON CONFLICT (id) DO NOTHING`)
        .run(eventId, effectiveAt).changes;
      if (fresh !== 1) return false;
      // Newer wins: a list delivered late must not overwrite the one in force.
      return (
        this
          .sql('UPDATE high_risk_regions SET regions = ?, effective_at = ?, event_id = ? WHERE singleton = 1 AND effective_at < ?')
          .run(JSON.stringify(regions), effectiveAt, eventId, effectiveAt).changes === 1
      );
    });
  }

  async highRiskRegions(): Promise<HighRiskRegions> {
    this.settle();
    const row = this.sql('SELECT regions, effective_at FROM high_risk_regions WHERE singleton = 1').get() as
      | { regions: string; effective_at: number }
      | undefined;
    if (!row) return { regions: [], effectiveAt: 0 };
    return { regions: jsonFromRow<string[]>(row.regions), effectiveAt: intFromRow(row.effective_at) };
  }

  async subjectIdsWithTravel(): Promise<string[]> {
    this.settle();
    return this.sql('SELECT id FROM subjects WHERE has_travel = 1 ORDER BY id').pluck().all() as string[];
  }

  async insertCheckIn(c: CheckInRecord): Promise<boolean> {
    return this.write(
      () =>
        this
          .sql(`INSERT INTO check_ins (subject_id, day, temperature_c, symptoms, checked_in_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
          .run(c.subjectId, c.day, c.temperatureC, JSON.stringify(c.symptoms), c.at).changes === 1,
    );
  }

  async checkIns(subjectId: string, since: number): Promise<CheckInRecord[]> {
    this.settle();
    const rows = this
      .sql('SELECT subject_id, day, temperature_c, symptoms, checked_in_at FROM check_ins WHERE subject_id = ? AND checked_in_at >= ? ORDER BY checked_in_at')
      .all(subjectId, since) as CheckInRow[];
    return rows.map(checkInFromRow);
  }

  async deleteCheckInsBefore(before: number): Promise<number> {
    return this.write(() => this.sql('DELETE FROM check_ins WHERE checked_in_at < ?').run(before).changes);
  }

  async insertDevice(d: DeviceRecord): Promise<boolean> {
    return this.write(
      () =>
        this
          .sql(`INSERT INTO devices (${DEVICE_COLUMNS}) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
          .run(d.id, d.tokenHash, d.createdAt, d.revokedAt).changes === 1,
    );
  }

  async getDeviceByTokenHash(tokenHash: string): Promise<DeviceRecord | undefined> {
    this.settle();
    const row = this.sql(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE token_hash = ?`).get(tokenHash) as DeviceRow | undefined;
    return row && deviceFromRow(row);
  }

  async listDevices(): Promise<DeviceRecord[]> {
    this.settle();
    return (this.sql(`SELECT ${DEVICE_COLUMNS} FROM devices ORDER BY id`).all() as DeviceRow[]).map(deviceFromRow);
  }

  async revokeDevice(id: string, at: number): Promise<boolean> {
    return this.write(() => this.sql('UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes === 1);
  }

  async trustListHeld(uri: string): Promise<TrustListHeld | undefined> {
    this.settle();
    const row = this.sql('SELECT sequence, payload_hash FROM trust_list_state WHERE uri = ?').get(uri) as { sequence: number; payload_hash: string } | undefined;
    return row ? { sequence: intFromRow(row.sequence), payloadHash: row.payload_hash } : undefined;
  }

  async recordTrustList(uri: string, held: TrustListHeld, at: number): Promise<boolean> {
    return this.write(() =>
      this.sql(`INSERT INTO trust_list_state (uri, sequence, payload_hash, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (uri) DO UPDATE SET sequence = excluded.sequence, payload_hash = excluded.payload_hash, updated_at = excluded.updated_at
        WHERE trust_list_state.sequence < excluded.sequence`).run(uri, held.sequence, held.payloadHash, at).changes === 1);
  }

  async touchSubject(id: string, at: number, granularityMs: number): Promise<void> {
    await this.write(() =>
      this.sql('UPDATE subjects SET last_active_at = ? WHERE id = ? AND purged_at IS NULL AND coalesce(last_active_at, 0) < ?').run(at, id, at - granularityMs),
    );
  }

  async subjectIdsToPurge(before: number | undefined, limit: number): Promise<string[]> {
    this.settle();
    const rows = (before === undefined
      ? this.sql('SELECT id FROM subjects WHERE purged_at IS NULL LIMIT ?').all(limit)
      : this.sql('SELECT id FROM subjects WHERE purged_at IS NULL AND declared_at < ? AND coalesce(last_active_at, 0) < ? LIMIT ?').all(before, before, limit)) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async purgeSubject(id: string, at: number, inactiveBefore?: number): Promise<boolean> {
    return this.write(() => {
      const tomb = PURGED_PREFIX + id;
      const changed = this
        .sql(
          `UPDATE subjects SET document_key = @tomb, holder_token_hash = @tomb, identity_key = @tomb, name_masked = '', document_masked = '',
             binding = '', declaration = @declaration, has_travel = 0, modified_day = NULL, last_active_at = NULL, purged_at = @at
           WHERE id = @id AND purged_at IS NULL AND (@before IS NULL OR (declared_at < @before AND coalesce(last_active_at, 0) < @before))`,
        )
        .run({ id, tomb, at, before: inactiveBefore ?? null, declaration: JSON.stringify(PURGED_DECLARATION) }).changes;
      if (changed === 0) return false;
      this.sql('DELETE FROM proxy_links WHERE subject_id = ? OR proxy_id = ?').run(id, id);
      this.sql('DELETE FROM proxy_requests WHERE subject_id = ? OR requester_id = ?').run(id, id);
      this.sql('DELETE FROM subject_releases WHERE subject_id = ?').run(id);
      this.sql('DELETE FROM check_ins WHERE subject_id = ?').run(id);
      // The codes kept for reuse carry the masked name and number: only their status stays.
      this.sql('UPDATE credentials SET jws = NULL, facts = NULL WHERE subject_id = ?').run(id);
      return true;
    });
  }

  async deletePurgedSubjects(before: number): Promise<number> {
    return this.write(
      () =>
        this.sql('DELETE FROM subjects WHERE purged_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM credentials c WHERE c.subject_id = subjects.id AND c.expires_at >= ?)').run(before)
          .changes,
    );
  }

  async deletePersonEvents(): Promise<number> {
    return this.write(() => this.sql("DELETE FROM risk_events WHERE kind = 'person'").run().changes);
  }
}
