import { GatewayError } from '../errors/gateway-error.js';
import { signPass } from '../issuer/sign-pass.js';
import { codeExpiry } from '../issuer/sign-credential.js';
import { allocateStatusIndex } from '../status-list/allocate-index.js';
import { tokenStatusListUri } from '../status-list/own-status-list.js';
import { randomUUID } from 'node:crypto';
import { isReleased, type CredentialRecord } from '../store/store.js';
import { currentColor, type IssuerDeps } from './code-issuer.js';
import { isSubjectId } from './secrets.js';
import type { IssuedPass } from '../types/schemas.js';

/**
 * Printed passes (通行证) for people without a phone, issued at a counter or a community office
 * (`npm run passes -- issue`, POST /v1/admin/subjects/{id}/passes).
 *
 * A pass is a row of `credentials` like any code, with the colour green it was issued under, and
 * marked in `passes`. So the one invalidation mechanism covers it: when an event or a modification
 * changes the person's colour, every outstanding credential of another colour is superseded
 * (code-issuer.ts invalidateCodes) — the pass among them — and it appears at once in the status
 * data every verifier reads (own-code-status.ts). Colours only worsen through such writes (a
 * 14-day window closing only improves them), so a pass not listed is a pass whose holder is green.
 * A new pass can be printed once the person is green again.
 */
function passOf(record: CredentialRecord, now: number, jws?: string): IssuedPass {
  return {
    passId: record.jti,
    issuedAt: new Date(record.issuedAt).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
    status: record.status === 'active' && record.expiresAt <= now ? 'expired' : record.status,
    ...(jws === undefined ? {} : { jws }),
  };
}

async function subjectOf(deps: IssuerDeps, subjectId: string) {
  const subject = isSubjectId(subjectId) ? await deps.store.getSubject(subjectId) : undefined;
  if (!subject || isReleased(subject)) throw new GatewayError('ERR_SUBJECT_NOT_FOUND');
  return subject;
}

/** Prints a pass for a subject who is green now; ERR_PASS_NOT_GREEN otherwise. */
export async function issuePass(deps: IssuerDeps, subjectId: string): Promise<IssuedPass> {
  const subject = await subjectOf(deps, subjectId);
  if ((await currentColor(deps, subject)).color !== 'green') throw new GatewayError('ERR_PASS_NOT_GREEN');
  const now = deps.now();
  // As for a code (code-issuer.ts issueCode): the pass's index of Xinji's Token Status List is
  // reserved for its jti until past its exp, before it is signed, so a withdrawn pass is a 1 there.
  const jti = randomUUID();
  const statusIdx = await allocateStatusIndex(
    { store: deps.store, now: deps.now, clockToleranceSeconds: deps.config.clockToleranceSeconds },
    jti,
    codeExpiry(now, deps.config.passTtlSeconds),
  );
  const signed = await signPass(subject, deps.keystore, {
    issuer: deps.config.issuer.url,
    region: deps.config.issuer.region,
    ttlSeconds: deps.config.passTtlSeconds,
    now,
    jti,
    status: { idx: statusIdx, uri: tokenStatusListUri(deps.config.issuer.url) },
  });
  const record: CredentialRecord = {
    jti: signed.jti, subjectId: subject.id, color: 'green', kid: signed.kid,
    issuedAt: signed.issuedAt, expiresAt: signed.expiresAt, status: 'active', statusAt: null, statusIdx,
  };
  await deps.store.insertPass(record);
  // As for codes (code-issuer.ts issueCode): an event committed between the colour read and the
  // record supersedes only what it saw, so read again after the record and withdraw the pass if
  // the person is no longer green or no longer holds this document and name.
  const fresh = await deps.store.getSubject(subject.id);
  const stillGreen = fresh !== undefined && !isReleased(fresh) && (await currentColor(deps, fresh)).color === 'green';
  if (!stillGreen || fresh.binding !== subject.binding || fresh.nameMasked !== subject.nameMasked) {
    if (await deps.store.invalidateCredential(record.jti, 'revoked', deps.now())) deps.onStatusChange?.();
    throw new GatewayError(stillGreen ? 'ERR_SUBJECT_NOT_FOUND' : 'ERR_PASS_NOT_GREEN');
  }
  deps.metrics.passesIssued.inc();
  return passOf(record, now, signed.jws);
}

/** The subject's passes, newest first, with their status. */
export async function listPasses(deps: IssuerDeps, subjectId: string): Promise<IssuedPass[]> {
  const subject = await subjectOf(deps, subjectId);
  const now = deps.now();
  return (await deps.store.listPasses(subject.id)).map((r) => passOf(r, now));
}

/** Revokes a pass at the counter (lost, damaged); it appears in the status data at once. */
export async function revokePass(deps: IssuerDeps, passId: string): Promise<IssuedPass> {
  const record = await deps.store.getPass(passId);
  if (!record) throw new GatewayError('ERR_PASS_NOT_FOUND');
  if (await deps.store.invalidateCredential(passId, 'revoked', deps.now())) {
    deps.metrics.credentialsInvalidated.inc({ status: 'revoked' });
    // Xinji's Token Status List is built again (own-status-list.ts): the pass is a 1 there at once.
    deps.onStatusChange?.();
  }
  return passOf((await deps.store.getPass(passId)) ?? record, deps.now());
}
