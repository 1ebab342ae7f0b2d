import type { Color, DocumentType } from '../types/schemas.js';
import type {
  CheckInRecord,
  ReleaseAudit,
  PendingProxyRequest,
  ProxyLinkView,
  CredentialRecord,
  DeviceRecord,
  CredentialStatus,
  PersonEventRecord,
  PersonEventType,
  StoredDeclaration,
  SubjectRecord,
} from './store.js';

/**
 * Row <-> record mapping shared by both stores (same column names in both dialects, see
 * migrations.ts). PostgreSQL returns BIGINT as a string and JSONB as a value; SQLite returns
 * INTEGER as a number and JSON as text: the mappers accept both.
 */
type Int = number | string | bigint;

function int(value: Int): number {
  const n = Number(value);
  // Epoch milliseconds stay far below 2^53; anything else means a corrupt row: fail closed.
  if (!Number.isSafeInteger(n)) throw new Error('store: a stored integer is out of range');
  return n;
}

function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export interface SubjectRow {
  id: string;
  document_type: string;
  document_key: string;
  identity_key: string;
  name_masked: string;
  document_masked: string;
  binding: string;
  holder_token_hash: string;
  declaration: unknown;
  declared_at: Int;
  modified_day: string | null;
  created_at: Int;
  phone_key?: string | null;
  token_used_at?: Int | null;
}

/** What a subject read selects: the inserted columns, then those of migration 7. */
export const SUBJECT_READ_COLUMNS = () => `${SUBJECT_COLUMNS}, phone_key, token_used_at`;

export const SUBJECT_COLUMNS =
  'id, document_type, document_key, identity_key, name_masked, document_masked, binding, holder_token_hash, declaration, declared_at, modified_day, created_at';

export function subjectFromRow(row: SubjectRow): SubjectRecord {
  return {
    id: row.id,
    documentType: row.document_type as DocumentType,
    documentKey: row.document_key,
    identityKey: row.identity_key,
    nameMasked: row.name_masked,
    documentMasked: row.document_masked,
    binding: row.binding,
    holderTokenHash: row.holder_token_hash,
    declaration: json<StoredDeclaration>(row.declaration),
    declaredAt: int(row.declared_at),
    modifiedDay: row.modified_day,
    createdAt: int(row.created_at),
    // Set only when stored: a subject written without them reads back as it was written.
    ...(row.phone_key ? { phoneKey: row.phone_key } : {}),
    ...(row.token_used_at === null || row.token_used_at === undefined ? {} : { tokenUsedAt: int(row.token_used_at) }),
  };
}

/** Whether the subject must be recoloured when the high-risk region list changes. */
export function hasTravel(declaration: StoredDeclaration): boolean {
  return Array.isArray(declaration.travel14d) && declaration.travel14d.length > 0;
}

export interface CredentialRow {
  jti: string;
  subject_id: string;
  color: string;
  kid: string;
  issued_at: Int;
  expires_at: Int;
  status: string;
  status_at: Int | null;
  status_idx?: Int | null;
  jws?: string | null;
  facts?: string | null;
}

/** The columns of a credential that may be returned again (code-reuse.ts). */
export const REUSABLE_CREDENTIAL_COLUMNS = 'jti, subject_id, color, kid, issued_at, expires_at, status, status_at, status_idx, jws, facts';

export const CREDENTIAL_COLUMNS = 'jti, subject_id, color, kid, issued_at, expires_at, status, status_at';
/** A pass's columns (issue 25): a code's, and its index in the Token Status List; never `jws`, so code-reuse.ts never returns a pass as a code. */
export const PASS_CREDENTIAL_COLUMNS = `${CREDENTIAL_COLUMNS}, status_idx`;
/** The same columns of `credentials c`, for joins (passes). */
export const CREDENTIAL_COLUMNS_C = PASS_CREDENTIAL_COLUMNS.split(', ').map((column) => `c.${column}`).join(', ');

export function credentialFromRow(row: CredentialRow): CredentialRecord {
  return {
    jti: row.jti,
    subjectId: row.subject_id,
    color: row.color as Color,
    kid: row.kid,
    issuedAt: int(row.issued_at),
    expiresAt: int(row.expires_at),
    status: row.status as CredentialStatus,
    statusAt: row.status_at === null ? null : int(row.status_at),
    ...(row.status_idx === undefined ? {} : { statusIdx: row.status_idx === null ? null : int(row.status_idx) }),
    ...(row.jws === undefined ? {} : { jws: row.jws, facts: row.facts ?? null }),
  };
}

export interface PersonEventRow {
  id: string;
  type: string;
  document_key: string;
  occurred_at: Int;
  received_at: Int;
}

export function personEventFromRow(row: PersonEventRow): PersonEventRecord {
  return {
    id: row.id,
    type: row.type as PersonEventType,
    documentKey: row.document_key,
    occurredAt: int(row.occurred_at),
    receivedAt: int(row.received_at),
  };
}

export interface ProxyLinkRow {
  proxy_id: string;
  name_masked: string;
  created_at: Int;
}

export function proxyLinkFromRow(row: ProxyLinkRow): ProxyLinkView {
  return { proxyId: row.proxy_id, nameMasked: row.name_masked, since: int(row.created_at) };
}

/** Pending requests of a subject with the requester's masked name ($1 subject, $2 now). */
export const PENDING_REQUESTS_SQL = `SELECT r.id, r.requester_id, s.name_masked, r.created_at, r.expires_at
  FROM proxy_requests r JOIN subjects s ON s.id = r.requester_id
  WHERE r.subject_id = $1 AND r.expires_at > $2 ORDER BY r.created_at, r.id`;

export interface PendingRequestRow {
  id: string;
  requester_id: string;
  name_masked: string;
  created_at: Int;
  expires_at: Int;
}

export function pendingRequestFromRow(row: PendingRequestRow): PendingProxyRequest {
  return { id: row.id, requesterId: row.requester_id, requesterNameMasked: row.name_masked, createdAt: int(row.created_at), expiresAt: int(row.expires_at) };
}

export const RELEASES_SQL = 'SELECT id, operator, reason, released_at FROM subject_releases WHERE subject_id = $1 ORDER BY released_at, id';

export function releaseFromRow(row: { id: string; operator: string; reason: string; released_at: Int }): ReleaseAudit {
  return { id: row.id, operator: row.operator, reason: row.reason, at: int(row.released_at) };
}

export function countsFromRows(rows: readonly { key: string; n: Int }[]): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  for (const row of rows) out[row.key] = int(row.n);
  return out;
}

export const DEVICE_COLUMNS = 'id, token_hash, created_at, revoked_at';

export interface DeviceRow {
  id: string;
  token_hash: string;
  created_at: Int;
  revoked_at: Int | null;
}

export function deviceFromRow(r: DeviceRow): DeviceRecord {
  return { id: r.id, tokenHash: r.token_hash, createdAt: int(r.created_at), revokedAt: r.revoked_at === null ? null : int(r.revoked_at) };
}

export interface CheckInRow {
  subject_id: string;
  day: string;
  temperature_c: number | string;
  symptoms: unknown;
  checked_in_at: Int;
}

export function checkInFromRow(r: CheckInRow): CheckInRecord {
  return { subjectId: r.subject_id, day: r.day, temperatureC: Number(r.temperature_c), symptoms: json<string[]>(r.symptoms), at: int(r.checked_in_at) };
}

export { int as intFromRow, json as jsonFromRow };
