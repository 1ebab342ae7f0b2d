import { randomBytes } from 'node:crypto';
import { isSubjectId } from '../declarations/secrets.js';
import type { Store } from '../store/store.js';
import { claimCodeHash, newClaimCode } from '../people/one-time-codes.js';

/** How long a released document waits for its owner's claim code (issue 17, item 4). */
export const CLAIM_TTL_MS = 7 * 86_400_000;

/**
 * Claimed documents (issue 9, item 5). The gateway cannot tell who owns a document number — the
 * channel (Alipay, the city app) verifies real names — so a number declared first by someone else
 * blocks its owner (409). After the operator has settled the dispute outside the gateway, a
 * release frees the document: the subject's holder token stops working, its proxy links and
 * requests go, and every outstanding code is revoked (listed in the status list until its exp).
 * No colour is set: the owner's colour is derived afresh when it declares, from its declaration
 * and the epidemic events kept for the document (无法人工干预).
 */
export interface ReleaseRequest {
  subjectId: string;
  operator: string;
  reason: string;
  now: number;
  /** The document pepper (CERTS_DIR): the claim code is stored as an HMAC keyed with it. */
  pepper: Buffer;
}

export interface ReleaseResult {
  outcome: 'released' | 'already_released';
  codesRevoked: number;
  auditId?: string;
  /**
   * The one-time code for the person at the counter (issue 17, item 4): for CLAIM_TTL_MS the
   * document can be declared only with it. Shown once, stored only as an HMAC, never audited.
   */
  claimCode?: string;
  claimExpiresAt?: number;
}

export class ReleaseRefused extends Error {
  override name = 'ReleaseRefused';
  constructor(message: string, readonly exitCode: 1 | 2) {
    super(message);
  }
}

export const MAX_REASON_CHARS = 500;
export const MAX_OPERATOR_CHARS = 100;

export async function releaseSubject(store: Store, request: ReleaseRequest): Promise<ReleaseResult> {
  const reason = request.reason.trim();
  const operator = request.operator.trim();
  if (!isSubjectId(request.subjectId)) throw new ReleaseRefused('the subject id must look like sub_ followed by 22 characters', 2);
  if (reason.length === 0 || [...reason].length > MAX_REASON_CHARS) throw new ReleaseRefused(`--reason must say why, in 1 to ${MAX_REASON_CHARS} characters`, 2);
  if (operator.length === 0 || [...operator].length > MAX_OPERATOR_CHARS) throw new ReleaseRefused(`--operator must name who, in 1 to ${MAX_OPERATOR_CHARS} characters`, 2);
  const auditId = `rel_${randomBytes(12).toString('base64url')}`;
  const claimCode = newClaimCode();
  const claimExpiresAt = request.now + CLAIM_TTL_MS;
  const subject = await store.getSubject(request.subjectId);
  // The claim is keyed by the document being freed; the store writes it in the release's transaction.
  const claim = subject ? { codeHash: claimCodeHash(request.pepper, subject.documentKey, claimCode), expiresAt: claimExpiresAt } : undefined;
  const outcome = await store.releaseSubject(request.subjectId, { id: auditId, operator, reason, at: request.now }, claim);
  if (outcome === 'not_found') throw new ReleaseRefused(`no subject ${request.subjectId}`, 1);
  // After the release committed, never inside it: a code being issued at this moment either sees
  // the release when it re-reads its subject, or was recorded before this revocation reads
  // (code-issuer.ts). Running the command again revokes again, so a crash between is repaired.
  const codesRevoked = (await store.invalidateCredentials(request.subjectId, 'revoked', request.now)).length;
  return { outcome, codesRevoked, ...(outcome === 'released' ? { auditId, claimCode, claimExpiresAt } : {}) };
}
