import { currentColor, type IssuerDeps } from '../declarations/code-issuer.js';
import { documentKey } from '../declarations/secrets.js';
import { isReleased } from '../store/store.js';
import { recordActivity } from '../store/activity.js';
import type { CheckpointDecision, DenyReason, IdentityDocument } from '../types/schemas.js';

/**
 * 一证通行: a scan with the identity document alone, for Xinji's residents who have no phone to
 * show a code on. The notice (Q3, Q9): 没有申领到健康码的老年人和未成年人，可以凭通行证等有效证件，
 * 经测温合格后方可进入公共场所; and the State Council's 2020 plan for older people asks every
 * checkpoint to accept the ID card itself.
 *
 * The record is found by its keyed lookup (documentKey: one HMAC, the same index a declaration is
 * checked against), never by a scrypt; the colour is derived now, as for a fresh code. The answer
 * shows no more than a code would: the colour, the masked name and the reasons. A document with no
 * record (or a released one) is `no_code`: the officer offers a 通行证 or 申报 on the spot.
 *
 * Partner cities' people are not found here: their records are their city's; they show their code.
 */
export async function decideByDocument(
  deps: Pick<IssuerDeps, 'store' | 'rules' | 'pepper' | 'now' | 'config'>,
  document: IdentityDocument,
  temperatureC: number,
  feverThresholdC: number,
): Promise<CheckpointDecision> {
  // The same fail-closed reading as a code scan (verify/checkpoint.ts).
  const fever = !Number.isFinite(temperatureC) || !(temperatureC < feverThresholdC);
  const subject = await deps.store.getSubjectByDocumentKey(documentKey(deps.pepper, document));
  if (!subject || isReleased(subject)) {
    return { decision: 'deny', color: null, reasons: fever ? ['no_code', 'fever'] : ['no_code'], method: 'document' };
  }
  const { color } = await currentColor(deps, subject);
  // A scan keeps the subject's data from RETENTION_DAYS (subjects/retention.ts), as a code's does:
  // a person who only ever shows the ID card is not inactive.
  await recordActivity(deps.store, subject.id, deps.now());
  const reasons: DenyReason[] = [];
  if (color === 'yellow') reasons.push('color_yellow');
  if (color === 'red') reasons.push('color_red');
  if (fever) reasons.push('fever');
  return {
    decision: reasons.length === 0 && color === 'green' ? 'pass' : 'deny',
    color,
    reasons,
    method: 'document',
    holder: { nameMasked: subject.nameMasked },
  };
}
