/**
 * The schema of both stores, as numbered migrations per dialect. A migration, once released, is
 * never edited: a change is a new entry with the next version. Both dialects use the same table
 * and column names so that one row mapper (rows.ts) serves both stores.
 *
 * Why the proxy limits live in the schema: a link takes a numbered slot on both sides, and slots
 * are bounded by CHECK and unique per side, so a fourth link cannot be written by any interleaving
 * of transactions (the limits of the notice, MAX_PEOPLE_PER_PROXY = MAX_PROXIES_PER_PERSON = 3).
 * The bound 3 is written out because a released migration must not change with a constant.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}

/** Records which migrations ran; created before any migration, in both dialects. */
export const MIGRATIONS_TABLE_DDL = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
  )`,
} as const;

const V1_SQLITE = `
CREATE TABLE subjects (
  id TEXT PRIMARY KEY,
  document_type TEXT NOT NULL,
  document_key TEXT NOT NULL CONSTRAINT subjects_document_key_key UNIQUE,
  identity_key TEXT NOT NULL,
  name_masked TEXT NOT NULL,
  document_masked TEXT NOT NULL,
  binding TEXT NOT NULL,
  holder_token_hash TEXT NOT NULL CONSTRAINT subjects_holder_token_hash_key UNIQUE,
  declaration TEXT NOT NULL CHECK (json_valid(declaration)),
  has_travel INTEGER NOT NULL CHECK (has_travel IN (0, 1)),
  declared_at INTEGER NOT NULL,
  modified_day TEXT,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX subjects_has_travel_idx ON subjects (id) WHERE has_travel = 1;

CREATE TABLE proxy_links (
  proxy_id TEXT NOT NULL,
  subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  proxy_slot INTEGER NOT NULL CHECK (proxy_slot BETWEEN 1 AND 3),
  subject_slot INTEGER NOT NULL CHECK (subject_slot BETWEEN 1 AND 3),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (proxy_id, subject_id),
  CONSTRAINT proxy_links_proxy_slot_key UNIQUE (proxy_id, proxy_slot),
  CONSTRAINT proxy_links_subject_slot_key UNIQUE (subject_id, subject_slot)
) STRICT;

CREATE TABLE credentials (
  jti TEXT PRIMARY KEY,
  subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  color TEXT NOT NULL CHECK (color IN ('green', 'yellow', 'red')),
  kid TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'superseded', 'revoked')),
  status_at INTEGER
) STRICT;
CREATE INDEX credentials_subject_idx ON credentials (subject_id, status);
CREATE INDEX credentials_invalidated_idx ON credentials (status_at) WHERE status <> 'active';

CREATE TABLE risk_events (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('person', 'regions')),
  type TEXT CHECK (type IN ('confirmed_case', 'close_contact', 'false_report', 'clearance')),
  document_key TEXT,
  occurred_at INTEGER NOT NULL,
  received_at INTEGER,
  CHECK ((kind = 'person') = (type IS NOT NULL AND document_key IS NOT NULL AND received_at IS NOT NULL))
) STRICT;
CREATE INDEX risk_events_document_idx ON risk_events (document_key, occurred_at) WHERE kind = 'person';

CREATE TABLE high_risk_regions (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  regions TEXT NOT NULL CHECK (json_valid(regions)),
  effective_at INTEGER NOT NULL,
  event_id TEXT
) STRICT;
INSERT INTO high_risk_regions (singleton, regions, effective_at, event_id) VALUES (1, '[]', 0, NULL);
`;

const V1_POSTGRES = `
CREATE TABLE subjects (
  id TEXT PRIMARY KEY,
  document_type TEXT NOT NULL,
  document_key TEXT NOT NULL CONSTRAINT subjects_document_key_key UNIQUE,
  identity_key TEXT NOT NULL,
  name_masked TEXT NOT NULL,
  document_masked TEXT NOT NULL,
  binding TEXT NOT NULL,
  holder_token_hash TEXT NOT NULL CONSTRAINT subjects_holder_token_hash_key UNIQUE,
  declaration JSONB NOT NULL,
  has_travel BOOLEAN NOT NULL,
  declared_at BIGINT NOT NULL,
  modified_day TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX subjects_has_travel_idx ON subjects (id) WHERE has_travel;

CREATE TABLE proxy_links (
  proxy_id TEXT NOT NULL,
  subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  proxy_slot SMALLINT NOT NULL CHECK (proxy_slot BETWEEN 1 AND 3),
  subject_slot SMALLINT NOT NULL CHECK (subject_slot BETWEEN 1 AND 3),
  created_at BIGINT NOT NULL,
  CONSTRAINT proxy_links_pkey PRIMARY KEY (proxy_id, subject_id),
  CONSTRAINT proxy_links_proxy_slot_key UNIQUE (proxy_id, proxy_slot),
  CONSTRAINT proxy_links_subject_slot_key UNIQUE (subject_id, subject_slot)
);

CREATE TABLE credentials (
  jti TEXT PRIMARY KEY,
  subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  color TEXT NOT NULL CHECK (color IN ('green', 'yellow', 'red')),
  kid TEXT NOT NULL,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'superseded', 'revoked')),
  status_at BIGINT
);
CREATE INDEX credentials_subject_idx ON credentials (subject_id, status);
CREATE INDEX credentials_invalidated_idx ON credentials (status_at) WHERE status <> 'active';

CREATE TABLE risk_events (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('person', 'regions')),
  type TEXT CHECK (type IN ('confirmed_case', 'close_contact', 'false_report', 'clearance')),
  document_key TEXT,
  occurred_at BIGINT NOT NULL,
  received_at BIGINT,
  CHECK ((kind = 'person') = (type IS NOT NULL AND document_key IS NOT NULL AND received_at IS NOT NULL))
);
CREATE INDEX risk_events_document_idx ON risk_events (document_key, occurred_at) WHERE kind = 'person';

CREATE TABLE high_risk_regions (
  singleton SMALLINT PRIMARY KEY CHECK (singleton = 1),
  regions JSONB NOT NULL,
  effective_at BIGINT NOT NULL,
  event_id TEXT
);
INSERT INTO high_risk_regions (singleton, regions, effective_at, event_id) VALUES (1, '[]', 0, NULL);
`;

/** Expired credential rows are pruned by expiry (Store.deleteExpiredCredentials). */
const V2_BOTH = 'CREATE INDEX credentials_expires_at_idx ON credentials (expires_at);';

/**
 * Pending proxy requests (issue 9, item 1): a holder declaring for a person who already has a
 * code only asks; the person approves with its own token. A request holds no slot, so it is kept
 * apart from proxy_links, whose slots stay the only thing the 3/3 limits count.
 */
const V3 = (int: string) => `
CREATE TABLE proxy_requests (
  id TEXT PRIMARY KEY,
  requester_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  created_at ${int} NOT NULL,
  expires_at ${int} NOT NULL,
  CONSTRAINT proxy_requests_pair_key UNIQUE (requester_id, subject_id)
)${int === 'INTEGER' ? ' STRICT' : ''};
CREATE INDEX proxy_requests_subject_idx ON proxy_requests (subject_id, expires_at);
CREATE INDEX proxy_requests_expires_at_idx ON proxy_requests (expires_at);
`;

/** The audit of operators' releases of claimed documents (issue 9, item 5): who, when, why. */
const V4 = (int: string) => `
CREATE TABLE subject_releases (
  id TEXT PRIMARY KEY,
  subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  operator TEXT NOT NULL CHECK (length(operator) BETWEEN 1 AND 100),
  reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  released_at ${int} NOT NULL
)${int === 'INTEGER' ? ' STRICT' : ''};
CREATE INDEX subject_releases_subject_idx ON subject_releases (subject_id);
`;

/**
 * Checkpoint devices (gateway/checkpoint/devices.ts): a device token is 256 random bits, so only
 * its SHA-256 is kept. A revoked device keeps its row (revoked_at set) so its id is never reused
 * and `devices list` shows when it was revoked.
 */
const V5 = (int: string) => `
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL CONSTRAINT devices_token_hash_key UNIQUE,
  created_at ${int} NOT NULL,
  revoked_at ${int}
)${int === 'INTEGER' ? ' STRICT' : ''};
`;

/**
 * The highest trust-list sequence a gateway took, per list URI, so a restart does not reopen the
 * door to a replayed older list (docs/federation.md). Shared by every process on the database.
 */
const V6 = (int: string) => `CREATE TABLE trust_list_state (
  uri TEXT PRIMARY KEY,
  sequence ${int} NOT NULL,
  payload_hash TEXT NOT NULL,
  updated_at ${int} NOT NULL
)${int === 'INTEGER' ? ' STRICT' : ''};`;

/**
 * People, not tokens (issue 17). A subject has one owner token at most (holder_token_hash, or
 * VACANT_PREFIX while the owner slot waits for the person), its last use (idle expiry), and a keyed
 * hash of the registered phone for recovery by one-time code. Subjects a proxy created before this
 * change — the creator's link was written in the same transaction as the subject, so with the
 * subject's created_at — lose the token the creator received: the creator stays a proxy, and the
 * owner slot waits for the person to prove itself. Recovery codes and the counter's claim codes are
 * stored hashed (HMAC with the pepper).
 */
const V7 = (int: string, nowMs: string) => `
ALTER TABLE subjects ADD COLUMN phone_key TEXT;
ALTER TABLE subjects ADD COLUMN token_used_at ${int};
UPDATE subjects SET token_used_at = ${nowMs};
UPDATE subjects SET holder_token_hash = 'vacant:' || id
  WHERE holder_token_hash NOT LIKE 'released:%'
    AND EXISTS (SELECT 1 FROM proxy_links l WHERE l.subject_id = subjects.id AND l.created_at = subjects.created_at);
CREATE TABLE recovery_codes (
  subject_id TEXT PRIMARY KEY REFERENCES subjects (id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  tries_left ${int} NOT NULL CHECK (tries_left >= 0),
  expires_at ${int} NOT NULL,
  created_at ${int} NOT NULL
)${int === 'INTEGER' ? ' STRICT' : ''};
CREATE TABLE document_claims (
  document_key TEXT PRIMARY KEY,
  code_hash TEXT NOT NULL,
  released_subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  expires_at ${int} NOT NULL,
  created_at ${int} NOT NULL
)${int === 'INTEGER' ? ' STRICT' : ''};
`;

/**
 * The shared rate limits and checkpoint mismatch lock when the store is PostgreSQL and no Redis is
 * configured (gateway/limits/limiter.ts): rate-limiter-flexible's layout (key, points, expire in
 * epoch ms). SQLite serves one process, whose limits stay in memory: nothing to create there.
 */
const V8_POSTGRES = `CREATE TABLE rate_limits (
  key VARCHAR(255) PRIMARY KEY,
  points INTEGER NOT NULL DEFAULT 0,
  expire BIGINT
);
CREATE INDEX rate_limits_expire_idx ON rate_limits (expire);`;

/**
 * Retention (issue 19, item 6): when a subject last fetched a code or was scanned (declarations and
 * modifications move declared_at), and when it was purged. A purged subject keeps an anonymous row
 * — no document key, identity, token, masked name or declaration — only while the records of its
 * revoked codes must stay in the status list; then the row goes too.
 */
const V15 = (int: string) => `
ALTER TABLE subjects ADD COLUMN last_active_at ${int};
ALTER TABLE subjects ADD COLUMN purged_at ${int};
CREATE INDEX subjects_activity_idx ON subjects (declared_at, last_active_at) WHERE purged_at IS NULL;
CREATE INDEX subjects_purged_idx ON subjects (purged_at) WHERE purged_at IS NOT NULL;
`;

/**
 * Issue 18: the IETF Token Status List and codes that are not re-issued for nothing.
 * - `status_indices`: every index of Xinji's status list that is taken, by whom (`ref`, e.g. a
 *   code's jti) and until when (`held_until`, past the credential's exp + clock tolerance). Any
 *   Xinji credential reserves its index here (gateway/status-list/allocate-index.ts); a row whose
 *   hold ended may be taken again, never before.
 * - `credentials.status_idx`: the code's index, so the list is one indexed read of the codes that
 *   stopped being valid. `jws` and `facts` let GET /v1/subjects/{id}/code return the current code
 *   again while nothing it states changed (gateway/declarations/code-reuse.ts).
 * - `credentials_withdrawn_idx` covers the list's one read (the indices of unexpired codes withdrawn
 *   early): without it, a million codes cost a second's scan; with it, the 100 000 withdrawn ones only.
 */
const V9 = (int: string) => `
CREATE TABLE status_indices (
  idx ${int} PRIMARY KEY,
  ref TEXT NOT NULL,
  held_until ${int} NOT NULL
)${int === 'INTEGER' ? ' STRICT' : ''};
ALTER TABLE credentials ADD COLUMN status_idx ${int};
ALTER TABLE credentials ADD COLUMN jws TEXT;
ALTER TABLE credentials ADD COLUMN facts TEXT;
CREATE INDEX credentials_current_idx ON credentials (subject_id, issued_at) WHERE status = 'active';
CREATE INDEX credentials_withdrawn_idx ON credentials (expires_at, status_idx) WHERE status <> 'active';
`;

/**
 * Which credentials are printed 通行证 (issue 25): the pass itself is a row of `credentials` like
 * any code, so the status list and every invalidation cover it; this table only says which rows
 * are passes, for `passes -- list` and `revoke`.
 */
const V10 = (int: string) => `CREATE TABLE passes (
  jti TEXT PRIMARY KEY,
  subject_id TEXT NOT NULL,
  expires_at ${int} NOT NULL
)${int === 'INTEGER' ? ' STRICT' : ''};
CREATE INDEX passes_subject ON passes (subject_id);`;

/**
 * 健康打卡 (issue 21, item 4): one row per person and Asia/Shanghai day; the primary key is the
 * once-a-day rule, so two check-ins sent at once cannot both be recorded.
 */
const V11 = (int: string, real: string, json: string) => `CREATE TABLE check_ins (
  subject_id TEXT NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
  day TEXT NOT NULL,
  temperature_c ${real} NOT NULL,
  symptoms ${json} NOT NULL,
  checked_in_at ${int} NOT NULL,
  CONSTRAINT check_ins_pkey PRIMARY KEY (subject_id, day)
)${int === 'INTEGER' ? ' STRICT' : ''};
CREATE INDEX check_ins_subject_at_idx ON check_ins (subject_id, checked_in_at);
CREATE INDEX check_ins_at_idx ON check_ins (checked_in_at);`;

/**
 * Issue 22: the launch-day queue of declarations waiting for their binding (one scrypt). A queued
 * subject is already in `subjects` (binding QUEUED_BINDING), so its document is taken and its
 * holder token works from the 202 on; the job holds what the worker needs — the document sealed
 * (AES-256-GCM under a key derived from the pepper, queue-seal.ts) — and goes in the transaction
 * that writes the binding. `seq` orders the queue (never reused: AUTOINCREMENT, a sequence);
 * `ahead` is how many waited before it, for the wait estimate (declaration-queue.ts).
 */
const V12 = (dialect: 'sqlite' | 'postgres') => `CREATE TABLE declaration_queue (
  seq ${dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY'},
  subject_id TEXT NOT NULL CONSTRAINT declaration_queue_subject_key UNIQUE REFERENCES subjects (id) ON DELETE CASCADE,
  sealed_document TEXT NOT NULL,
  ahead ${dialect === 'sqlite' ? 'INTEGER' : 'BIGINT'} NOT NULL,
  enqueued_at ${dialect === 'sqlite' ? 'INTEGER' : 'BIGINT'} NOT NULL
)${dialect === 'sqlite' ? ' STRICT' : ''};`;

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: 'subjects, proxy slots, credentials, risk events', sqlite: V1_SQLITE, postgres: V1_POSTGRES },
  { version: 2, name: 'index credentials by expiry', sqlite: V2_BOTH, postgres: V2_BOTH },
  { version: 3, name: 'pending proxy requests', sqlite: V3('INTEGER'), postgres: V3('BIGINT') },
  { version: 4, name: 'audit of released subjects', sqlite: V4('INTEGER'), postgres: V4('BIGINT') },
  { version: 5, name: 'checkpoint devices', sqlite: V5('INTEGER'), postgres: V5('BIGINT') },
  { version: 6, name: 'trust-list sequence held', sqlite: V6('INTEGER'), postgres: V6('BIGINT') },
  {
    version: 7,
    name: 'one owner token, recovery codes, claim codes',
    sqlite: V7('INTEGER', "CAST(unixepoch('subsec') * 1000 AS INTEGER)"),
    postgres: V7('BIGINT', '(extract(epoch FROM clock_timestamp()) * 1000)::bigint'),
  },
  { version: 8, name: 'shared rate limits', sqlite: '-- limits of one SQLite process stay in memory', postgres: V8_POSTGRES },
  { version: 9, name: 'token status list indices, reusable codes', sqlite: V9('INTEGER'), postgres: V9('BIGINT') },
  { version: 10, name: 'printed passes (通行证)', sqlite: V10('INTEGER'), postgres: V10('BIGINT') },
  { version: 11, name: 'daily check-ins', sqlite: V11('INTEGER', 'REAL', 'TEXT CHECK (json_valid(symptoms))'), postgres: V11('BIGINT', 'DOUBLE PRECISION', 'JSONB') },
  { version: 12, name: 'declaration queue', sqlite: V12('sqlite'), postgres: V12('postgres') },
  { version: 15, name: 'subject activity and purge', sqlite: V15('INTEGER'), postgres: V15('BIGINT') },
]);

export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * The migrations still to apply after `applied` (the versions already recorded). Refuses a
 * database that a newer gateway has migrated: running old code on it could break its rules.
 */
export function pendingMigrations(applied: readonly number[]): Migration[] {
  const newest = applied.length === 0 ? 0 : Math.max(...applied);
  if (newest > LATEST_VERSION) {
    throw new Error(`database schema version ${newest} is newer than this gateway knows (${LATEST_VERSION})`);
  }
  const done = new Set(applied);
  return MIGRATIONS.filter((m) => !done.has(m.version));
}
