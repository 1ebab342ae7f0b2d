import { GatewayError } from '../errors/gateway-error.js';
import { assertValid } from '../schemas/registry.js';
import { authorize } from './holder-auth.js';
import { recolor, type IssuerDeps } from './code-issuer.js';
import { checkInLookbackDays } from '../color/derive-color.js';
import { shanghaiDay } from './secrets.js';
import type { CheckIn, CheckInResult } from '../types/schemas.js';

/**
 * POST /v1/subjects/{id}/check-ins — 健康打卡, the daily report the notice names beside the
 * declaration (在填写申请表或健康打卡时有身体不适症状): today's temperature and symptoms, by the
 * holder or an approved proxy, once per calendar day in Asia/Shanghai (the day of the
 * modification rule). It changes nothing of the declaration; the colour rules read it
 * (check_in:symptoms, check_in:fever in gateway/color/default-rules.json), so a symptom or a fever
 * turns the code yellow like a declared symptom, and a clean check-in never turns it green by
 * itself. Codes of the colour left are superseded at once, so a page showing one learns of it.
 */
const DAY_MS = 86_400_000;

export async function checkIn(deps: IssuerDeps, subjectId: string, body: unknown, token: string | undefined): Promise<CheckInResult> {
  const { viaProxy: _, ...subject } = await authorize(deps, token, subjectId);
  const report = assertValid<CheckIn>('check-in', body);
  const now = deps.now();
  const day = shanghaiDay(now);
  const recorded = await deps.store.insertCheckIn({ subjectId: subject.id, day, temperatureC: report.temperatureC, symptoms: report.symptoms, at: now });
  if (!recorded) throw new GatewayError('ERR_CHECK_IN_LIMIT');
  const fever = isFever(deps, report.temperatureC);
  deps.metrics.checkIns.inc({ reported: fever ? 'fever' : report.symptoms.length > 0 ? 'symptoms' : 'clean' });
  // Check-ins no rule reads any more are not kept (data minimisation): past the longest window of
  // the check_in rules, plus a day for the once-a-day rule. Cheap: an index range that is nearly
  // always empty, as every check-in prunes.
  const keepDays = checkInLookbackDays(deps.rules);
  if (Number.isFinite(keepDays)) await deps.store.deleteCheckInsBefore(now - (keepDays + 1) * DAY_MS);
  const { color, reasons } = await recolor(deps, subject);
  return { subjectId: subject.id, day, fever, color, reasons };
}

/** The checkpoint's threshold (37.3 °C by default): a reading at or above it is a fever. */
export function isFever(deps: Pick<IssuerDeps, 'config'>, temperatureC: number): boolean {
  return !(temperatureC < deps.config.checkpoint.feverThresholdC);
}
