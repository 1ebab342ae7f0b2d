import type { Color, DocumentType, Declaration } from '../types/schemas.js';

/**
 * One storage contract, two implementations: embedded SQLite (default, one process) and
 * PostgreSQL (DATABASE_URL, several gateway processes). The same contract tests run against both
 * (tests/store/store-contract.test.ts). Times are epoch milliseconds.
 *
 * What is stored about a person is the minimum the rules need: the document only as a keyed hash
 * (HMAC with the pepper in CERTS_DIR), the masked name and number that go into codes, the
 * declared health facts. No full name, document number or phone is ever stored.
 */

/** The declared facts the colour rules read; the applicant's identity is not part of it. */
export type StoredDeclaration = Pick<Declaration, 'travel14d' | 'symptoms' | 'contactWithCase'> & {
  residence: Declaration['applicant']['residence'];
};

export interface SubjectRecord {
  /** Opaque random id, never derived from the document. */
  id: string;
  documentType: DocumentType;
  /** HMAC-SHA256(pepper, type + number), hex: lookup and uniqueness of documents. */
  documentKey: string;
  /** HMAC-SHA256(pepper, name + phone), hex: lets a second proxy prove it knows the person. */
  identityKey: string;
  nameMasked: string;
  documentMasked: string;
  /** The binding value written into every code of this subject (gateway/issuer/binding.ts). */
  binding: string;
  /**
   * SHA-256 of the owner's holder token, hex. The token itself is shown once and never stored.
   * VACANT_PREFIX + id while the owner slot waits for the person (created by a proxy, signed out).
   */
  holderTokenHash: string;
  /** HMAC-SHA256(pepper, canonical phone), hex: recovery by one-time code. Absent for subjects declared before issue 17. */
  phoneKey?: string | null;
  /** Last use of the owner token (idle expiry); absent or null: not tracked. */
  tokenUsedAt?: number | null;
  declaration: StoredDeclaration;
  declaredAt: number;
  /** Calendar day (Asia/Shanghai, YYYY-MM-DD) of the last modification, null if never modified. */
  modifiedDay: string | null;
  createdAt: number;
}

export type CredentialStatus = 'active' | 'superseded' | 'revoked';

export interface CredentialRecord {
  jti: string;
  subjectId: string;
  color: Color;
  kid: string;
  issuedAt: number;
  expiresAt: number;
  status: CredentialStatus;
  /** When the status left 'active'; null while active. */
  statusAt: number | null;
  /** Its index in Xinji's Token Status List (gateway/status-list/); null for codes issued before it. */
  statusIdx?: number | null;
  /** The code as signed, and a digest of what it states (code-reuse.ts): it may be returned again. */
  jws?: string | null;
  facts?: string | null;
}

export type PersonEventType = 'confirmed_case' | 'close_contact' | 'false_report' | 'clearance';

export interface PersonEventRecord {
  /** The source's event id: delivery is idempotent on it. */
  id: string;
  type: PersonEventType;
  documentKey: string;
  occurredAt: number;
  receivedAt: number;
}

export interface HighRiskRegions {
  regions: string[];
  /** occurredAt of the list in force; 0 when no list was ever received. */
  effectiveAt: number;
}

/** The changes a declaration modification may make. */
export type DeclarationUpdate = Pick<
  SubjectRecord,
  'documentType' | 'documentKey' | 'identityKey' | 'nameMasked' | 'documentMasked' | 'binding' | 'declaration' | 'declaredAt'
> & { /** A new phone's key; absent: unchanged. */ phoneKey?: string | null };

/** A checkpoint device allowed to POST /v1/checkpoint/scans (gateway/checkpoint/devices.ts). */
export interface DeviceRecord {
  id: string;
  /** SHA-256 of the device token, hex. The token itself is shown once and never stored. */
  tokenHash: string;
  createdAt: number;
  /** When the device was revoked; null while it may scan. */
  revokedAt: number | null;
}

/**
 * 健康打卡: one daily check-in of a person (gateway/declarations/check-in.ts), at most one per
 * subject and calendar day (Asia/Shanghai). The temperature and symptoms are health facts of the
 * same kind as the declared symptoms; nothing identifies the person but the opaque subject id.
 */
export interface CheckInRecord {
  subjectId: string;
  /** Calendar day in Asia/Shanghai, YYYY-MM-DD. */
  day: string;
  temperatureC: number;
  symptoms: string[];
  at: number;
}

/** Thrown by a store for a conflict a client can act upon; the service maps it to a GatewayError. */
export class StoreConflict extends Error {
  override name = 'StoreConflict';
  constructor(readonly kind: 'document_exists' | 'proxy_holder_limit' | 'proxy_subject_limit' | 'proxy_exists' | 'claim_required') {
    super(kind);
  }
}

/**
 * A released subject (an operator freed its document, gateway/cli/subjects.ts) keeps its row, so
 * the records of its revoked codes stay in the status list until they expire; its document key and
 * holder-token hash are replaced by this prefix and its id, which no HMAC or SHA-256 hex can equal.
 */
export const RELEASED_PREFIX = 'released:';

export function isReleased(subject: Pick<SubjectRecord, 'documentKey'>): boolean {
  // A purged subject (PURGED_PREFIX, below) is released too: nobody holds it any more.
  return subject.documentKey.startsWith(RELEASED_PREFIX) || subject.documentKey.startsWith('purged:');
}

/**
 * The binding of a subject whose declaration waits in the launch-day queue (issue 22): no real
 * binding (s1.… or s2.…) can equal it. Such a subject has no code yet; its job (DeclarationJob) computes
 * the binding, and the code is signed when the holder asks for it.
 */
export const QUEUED_BINDING = 'queued';

export function isQueued(subject: Pick<SubjectRecord, 'binding'>): boolean {
  return subject.binding === QUEUED_BINDING;
}

/** What a queued declaration's job needs besides the subject: the document, sealed (queue-seal.ts). */
export interface QueuedDeclaration {
  sealedDocument: string;
  enqueuedAt: number;
}

export interface DeclarationJob extends QueuedDeclaration {
  seq: number;
  subjectId: string;
  /** Declarations that waited before this one when it was queued. */
  ahead: number;
}

/**
 * A job taken by one worker. Until complete() or release(), no other worker can take it; if the
 * worker dies first (its database connection or its process ends), the job is taken again.
 */
export interface ClaimedDeclarationJob extends DeclarationJob {
  /** Writes the binding and removes the job, in one transaction; false when the subject is no longer queued. */
  complete(binding: string): Promise<boolean>;
  /** Gives the job back untouched (a worker stopping, a failed scrypt). */
  release(): Promise<void>;
}

/** The owner slot of a subject without an owner token (created by a proxy, or signed out): waits for the person. */
export const VACANT_PREFIX = 'vacant:';

export function vacantToken(subjectId: string): string {
  return VACANT_PREFIX + subjectId;
}

/** A one-time recovery code sent to the registered phone (stored as an HMAC, never in clear). */
export interface RecoveryCodeRecord {
  subjectId: string;
  codeHash: string;
  triesLeft: number;
  expiresAt: number;
  createdAt: number;
}

/** The counter's claim code of a released document (stored as an HMAC of document key and code). */
export interface DocumentClaim {
  codeHash: string;
  expiresAt: number;
}

/** Someone a proxy may act for, as the proxy's own page shows it. */
export interface RepresentedView {
  subjectId: string;
  nameMasked: string;
  since: number;
}

/** A request the proxy itself made and that is still pending (nothing about the person). */
export interface OwnRequestView {
  id: string;
  createdAt: number;
  expiresAt: number;
}

/** A request of a green holder to become a proxy of a subject that already exists (代人申请 with consent). */
export interface ProxyRequestRecord {
  id: string;
  requesterId: string;
  subjectId: string;
  createdAt: number;
  expiresAt: number;
}

/** What the subject sees of a pending request: the requester's masked name, never more. */
export interface PendingProxyRequest {
  id: string;
  /** Internal: never shown to the subject. */
  requesterId: string;
  requesterNameMasked: string;
  createdAt: number;
  expiresAt: number;
}

/** What the subject sees of one of its proxies. */
export interface ProxyLinkView {
  proxyId: string;
  nameMasked: string;
  since: number;
}

/** The audit record of a release: who (operator), when, why. No personal data. */
export interface ReleaseAudit {
  id: string;
  operator: string;
  reason: string;
  at: number;
}

/** Limits of the notice (代人申请): one holder declares for at most 3 people; one person has at most 3 holders. */
export const MAX_PEOPLE_PER_PROXY = 3;
export const MAX_PROXIES_PER_PERSON = 3;

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema. Safe to run from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * A cheap round trip to the database (SELECT 1) for readiness checks: resolves when the store
   * can answer, rejects otherwise (closed, unreachable, pool exhausted past its wait).
   */
  ping(): Promise<void>;

  /**
   * Inserts a subject; when `proxyId` is given, links that proxy to it in the same transaction.
   * Durable when the promise resolves (SQLite synchronous=FULL, PostgreSQL commit).
   * Throws StoreConflict('document_exists' | 'proxy_holder_limit' | 'proxy_subject_limit').
   */
  insertSubject(subject: SubjectRecord, proxyId?: string, claim?: ClaimCheck): Promise<void>;
    /**
   * Issue 22: inserts a subject (binding QUEUED_BINDING) and its job in one transaction, like
   * insertSubject (same conflicts, same proxy link, same counter's claim); durable when it resolves. Returns its place:
   * 1 + the jobs queued before it.
   */
  enqueueDeclaration(subject: SubjectRecord, job: QueuedDeclaration, proxyId?: string, claim?: ClaimCheck): Promise<{ position: number }>;
  /** Takes the oldest job no other worker holds, or undefined when there is none. */
  claimDeclarationJob(): Promise<ClaimedDeclarationJob | undefined>;
  /** The subject's place in the queue (1: next), or undefined when it is not queued. */
  declarationQueuePosition(subjectId: string): Promise<number | undefined>;
  /** How many declarations wait (taken ones included; counted as the span of the queue's places, queue-rows.ts), and since when the oldest waits. */
  declarationQueueStats(): Promise<{ depth: number; oldestEnqueuedAt: number | null }>;
  getSubject(id: string): Promise<SubjectRecord | undefined>;
  getSubjectByDocumentKey(documentKey: string): Promise<SubjectRecord | undefined>;
  getSubjectByTokenHash(holderTokenHash: string): Promise<SubjectRecord | undefined>;

  /**
   * Links a proxy to an existing subject. The limits are enforced by the database itself (slot
   * columns with CHECK and UNIQUE constraints), so no interleaving of requests, in one process
   * or several sharing PostgreSQL, can exceed them.
   * Throws StoreConflict('proxy_holder_limit' | 'proxy_subject_limit' | 'proxy_exists').
   */
  addProxyLink(proxyId: string, subjectId: string, at: number): Promise<void>;
  isProxyOf(proxyId: string, subjectId: string): Promise<boolean>;
  /** How many people `proxyId` acts for (its approved links). */
  countPeopleActedFor(proxyId: string): Promise<number>;
  /** The subject's proxies, in slot order. */
  listProxies(subjectId: string): Promise<ProxyLinkView[]>;
  /** Removes a link at once (its slots free); false when there was none. */
  removeProxyLink(proxyId: string, subjectId: string): Promise<boolean>;

  /**
   * Records a pending request, or renews the pending request of the same pair; returns the id in
   * force. Pending requests hold no slot: only an approved link counts toward the limits.
   */
  insertProxyRequest(request: ProxyRequestRecord): Promise<string>;
  /** The subject's requests that have not expired at `now`, oldest first. */
  listProxyRequests(subjectId: string, now: number): Promise<PendingProxyRequest[]>;
  /**
   * Turns an unexpired request of this subject into a link, in one transaction (the request is
   * consumed only when the link is written). Returns the proxy's id, or undefined when there is no
   * such request. Throws StoreConflict('proxy_holder_limit' | 'proxy_subject_limit'); the request then stays.
   */
  approveProxyRequest(subjectId: string, requestId: string, now: number): Promise<string | undefined>;
  /** Deletes an unexpired request of this subject; false when there is none. */
  declineProxyRequest(subjectId: string, requestId: string, now: number): Promise<boolean>;
  /** Deletes requests that expired before `before`; returns how many. */
  deleteExpiredProxyRequests(before: number): Promise<number>;

  /**
   * Frees the subject's document and disables its holder token (RELEASED_PREFIX), drops its proxy
   * links and requests on both sides and writes the audit record, in one transaction. Codes are
   * revoked by the caller afterwards (see code-issuer.ts on the order of writes and reads).
   */
  releaseSubject(subjectId: string, audit: ReleaseAudit, claim?: DocumentClaim): Promise<'released' | 'already_released' | 'not_found'>;

  /** Replaces the owner token (null: the slot waits, VACANT_PREFIX); false when the subject is unknown or released. */
  setOwnerToken(subjectId: string, tokenHash: string | null, at: number): Promise<boolean>;
  /** Ends the owner token with this hash (sign-out); false when no subject holds it. */
  endOwnerToken(tokenHash: string): Promise<boolean>;
  /** Records a use of the owner token (idle expiry counts from the last one). */
  touchOwnerToken(tokenHash: string, at: number): Promise<void>;
  /** Records a recovery code for the subject, replacing any earlier one. */
  putRecoveryCode(code: RecoveryCodeRecord): Promise<void>;
  /**
   * Spends one try of the subject's unexpired recovery code and returns its hash, or undefined when
   * there is none (expired, tries spent, never sent). The try is spent before the comparison, so
   * concurrent guesses cannot exceed the tries.
   */
  spendRecoveryTry(subjectId: string, now: number): Promise<string | undefined>;
  /** Deletes the subject's recovery code if its hash is still `codeHash`; true for the one caller that did. */
  deleteRecoveryCode(subjectId: string, codeHash: string): Promise<boolean>;
  /**
   * Deletes recovery codes and counter claims that expired at or before `before` (neither is ever
   * honoured after its expiry; their rows are only a document's keyed hash and a code's HMAC, kept
   * no longer than their purpose: PIPL art. 19). Returns how many of each.
   */
  deleteExpiredOneTimeCodes(before: number): Promise<{ recoveryCodes: number; documentClaims: number }>;
  /** The unexpired claim on a released document, if any. */
  getDocumentClaim(documentKey: string, now: number): Promise<DocumentClaim | undefined>;
  /** The subjects this proxy may act for, and its own pending requests. */
  listRepresented(proxyId: string): Promise<RepresentedView[]>;
  listOwnProxyRequests(requesterId: string, now: number): Promise<OwnRequestView[]>;
  /** The audit records of a subject's releases, oldest first. */
  listReleases(subjectId: string): Promise<ReleaseAudit[]>;
  countProxyLinks(): Promise<{ byProxy: Record<string, number>; bySubject: Record<string, number> }>;

  /**
   * Applies a modification unless the subject was already modified on `day` (Asia/Shanghai).
   * The check and the write are one atomic statement. Throws StoreConflict('document_exists')
   * when the new document belongs to another subject.
   */
  updateDeclaration(id: string, update: DeclarationUpdate, day: string): Promise<'updated' | 'already_modified_today' | 'not_found'>;

  insertCredential(credential: CredentialRecord): Promise<void>;
  getCredential(jti: string): Promise<CredentialRecord | undefined>;
  /**
   * Moves the subject's active, unexpired credentials to `status`, except those of `keepColor`.
   * Returns the colour of each credential that changed (so callers see which colour was left).
   */
  invalidateCredentials(
    subjectId: string,
    status: Exclude<CredentialStatus, 'active'>,
    at: number,
    keepColor?: Color,
  ): Promise<Color[]>;
  /** Moves one active credential to `status`; false when it was not active any more. */
  invalidateCredential(jti: string, status: Exclude<CredentialStatus, 'active'>, at: number): Promise<boolean>;
  /**
   * The subject's newest active credential whose exp is after `now` and that was stored with its
   * JWS and facts (code-reuse.ts), or undefined.
   */
  currentCredential(subjectId: string, now: number): Promise<CredentialRecord | undefined>;
  /**
   * Takes index `idx` of the status list for `ref` until `heldUntil`: true when it was free or its
   * previous hold ended before `now` (one atomic statement), false when someone holds it.
   */
  reserveStatusIndex(idx: number, ref: string, heldUntil: number, now: number): Promise<boolean>;
  /** Status-list indices of credentials superseded or revoked whose exp is after `now` (the INVALID bits). */
  listInvalidStatusIndices(now: number): Promise<number[]>;
  /** Superseded or revoked credentials whose exp is after `now`, oldest change first. */
  listInvalidatedCredentials(now: number): Promise<CredentialRecord[]>;
  /** Records a printed 通行证: its credential row and its mark as a pass, in one transaction. */
  insertPass(credential: CredentialRecord): Promise<void>;
  /** The subject's passes (still in the credentials table), newest first. */
  listPasses(subjectId: string): Promise<CredentialRecord[]>;
  /** The pass with this id, or undefined (a code's jti is not a pass). */
  getPass(jti: string): Promise<CredentialRecord | undefined>;

  /**
   * Deletes credential records whose exp is before `before` and returns how many. A code that
   * expired is refused on its exp alone, so its record is no longer needed; pruning keeps the
   * table to the codes that could still be presented.
   */
  deleteExpiredCredentials(before: number): Promise<number>;

  /** Returns false when the event id was seen before (nothing changes then). */
  insertPersonEvent(event: PersonEventRecord): Promise<boolean>;
  personEvents(documentKey: string): Promise<PersonEventRecord[]>;
  /** Replaces the list if `effectiveAt` is newer than the stored one; false for a duplicate id or an older list. */
  setHighRiskRegions(eventId: string, regions: string[], effectiveAt: number): Promise<boolean>;
  highRiskRegions(): Promise<HighRiskRegions>;
  /** Ids of subjects whose declaration lists any travel (recoloured when the region list changes). */
  subjectIdsWithTravel(): Promise<string[]>;

  /** Records a check-in; false (nothing written) when the subject already checked in on that day. */
  insertCheckIn(checkIn: CheckInRecord): Promise<boolean>;
  /** The subject's check-ins made at or after `since`, oldest first. */
  checkIns(subjectId: string, since: number): Promise<CheckInRecord[]>;
  /** Deletes every check-in made before `before` (no rule reads it any more); returns how many. */
  deleteCheckInsBefore(before: number): Promise<number>;

  /** Registers a device; false (nothing written) when its id exists already, revoked or not. */
  insertDevice(device: DeviceRecord): Promise<boolean>;
  /** The device with this token hash, revoked or not (read from the database on every call). */
  getDeviceByTokenHash(tokenHash: string): Promise<DeviceRecord | undefined>;
  listDevices(): Promise<DeviceRecord[]>;
  /** Revokes a device; false when no unrevoked device has this id. */
  revokeDevice(id: string, at: number): Promise<boolean>;
  /** The trust list last taken from `uri`: its sequence and the SHA-256 of its payload. */
  trustListHeld(uri: string): Promise<TrustListHeld | undefined>;
  /** Records a list taken from `uri` when its sequence is higher than the one recorded; false otherwise. */
  recordTrustList(uri: string, held: TrustListHeld, at: number): Promise<boolean>;

  /**
   * Retention (gateway/subjects/retention.ts). Records that the subject fetched a code or was
   * scanned at `at`, writing only when the recorded time is older than `at - granularityMs` (so a
   * busy subject costs one write an hour, not one per request).
   */
  touchSubject(id: string, at: number, granularityMs: number): Promise<void>;
  /**
   * Ids of unpurged subjects with neither a declaration (declared_at) nor activity (touchSubject)
   * at or after `before` — every unpurged subject when `before` is undefined — at most `limit`.
   */
  subjectIdsToPurge(before: number | undefined, limit: number): Promise<string[]>;
  /**
   * Deletes the subject's personal data in one transaction: its proxy links and requests on both
   * sides and its release audits go; its row keeps only the id, purged_at and its code records
   * (document key, identity key and token hash replaced by PURGED_PREFIX + id, masked name and
   * number, binding and declaration emptied). Codes are revoked by the caller before. False when
   * there is no such subject, it was purged already, or — with `inactiveBefore` — it declared,
   * fetched a code or was scanned at or after that time meanwhile (checked in the same statement).
   */
  purgeSubject(id: string, at: number, inactiveBefore?: number): Promise<boolean>;
  /** Deletes purged rows none of whose codes expires at or after `before`; returns how many. */
  deletePurgedSubjects(before: number): Promise<number>;
  /** Deletes every person event of the epidemic feed (purge --all, after POLICY_END); returns how many. */
  deletePersonEvents(): Promise<number>;
}

/**
 * A new subject's document may be under a counter's claim (a release, gateway/subjects/): the
 * insert succeeds only with that claim's code hash, and consumes the claim.
 */
export interface ClaimCheck {
  /** HMAC of the claim code presented, or undefined when none was. */
  codeHash: string | undefined;
  /** The person proved the document by sign-in (a declare ticket): a claim does not hold it back, and is consumed. */
  verified?: boolean;
  now: number;
}
/** What replaces the keys of a purged subject (no HMAC or SHA-256 hex can equal it). */
export const PURGED_PREFIX = 'purged:';

/** The declaration a purged row keeps: nothing declared. */
export const PURGED_DECLARATION: StoredDeclaration = { residence: 'permanent', travel14d: [], symptoms: [], contactWithCase: false };

export interface TrustListHeld {
  sequence: number;
  payloadHash: string;
}
