import { GatewayError } from '../errors/gateway-error.js';
import { currentColor, invalidateCodes, type IssuerDeps } from './code-issuer.js';
import type { CredentialStatusList } from '../types/schemas.js';
import type { SubjectRecord } from '../store/store.js';
import { recordActivity } from '../store/activity.js';

/**
 * Xinji codes are also checked against Xinji's own records after their signature verified: a code
 * superseded by a newer colour, or revoked, is not valid even before its exp. A code whose colour
 * no longer matches the derived one (a rule window closed) is superseded here, lazily. Returns the
 * code's subject: the checkpoint compares the presented document with it (checkpoint/document-check.ts).
 */
export async function checkOwnCode(deps: IssuerDeps, jti: string): Promise<SubjectRecord> {
  const record = await deps.store.getCredential(jti);
  // Signed with our key but unknown to our records (e.g. a restored database): refuse.
  if (!record || record.status === 'revoked') throw new GatewayError('ERR_CREDENTIAL_REVOKED');
  if (record.status === 'superseded') throw new GatewayError('ERR_CREDENTIAL_SUPERSEDED');
  const subject = await deps.store.getSubject(record.subjectId);
  if (!subject) throw new GatewayError('ERR_CREDENTIAL_REVOKED');
  // Read first: the verify path writes only when the colour really changed.
  const { color } = await currentColor(deps, subject);
  if (color !== record.color) {
    await invalidateCodes(deps, subject.id, 'superseded', color);
    throw new GatewayError('ERR_CREDENTIAL_SUPERSEDED');
  }
  // A scan keeps the subject's data from RETENTION_DAYS (subjects/retention.ts).
  await recordActivity(deps.store, subject.id, deps.now());
  return subject;
}

/**
 * The status list partners read to learn, offline, which Xinji codes stopped being valid before
 * their exp. Entries leave the list once the code has expired anyway, so it stays short.
 *
 * Changes made by the epidemic feed or a modification appear at once. A colour change caused only
 * by time passing (a 14-day window closing) appears when the code is next checked here: such a
 * change only ever makes the colour less severe, so an outstanding code is then more restrictive
 * than the truth, never less.
 */
export async function statusList(deps: IssuerDeps): Promise<CredentialStatusList> {
  const now = deps.now();
  const records = await deps.store.listInvalidatedCredentials(now);
  return {
    issuer: deps.config.issuer.url,
    generatedAt: new Date(now).toISOString(),
    entries: records.map((r) => ({
      jti: r.jti,
      status: r.status as 'superseded' | 'revoked',
      since: new Date(r.statusAt ?? now).toISOString(),
      expiresAt: new Date(r.expiresAt).toISOString(),
    })),
  };
}
