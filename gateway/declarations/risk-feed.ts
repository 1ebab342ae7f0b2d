import { GatewayError } from '../errors/gateway-error.js';
import { assertValid } from '../schemas/registry.js';
import { dateTimeMs } from '../schemas/date-time.js';
import { documentKey, safeEqual } from './secrets.js';
import { recolor, type IssuerDeps } from './code-issuer.js';
import type { RiskEventBatch, RiskEventResult } from '../types/schemas.js';

/** The feed's bearer token, compared in constant time. No configured token: nothing gets in. */
export function checkFeedToken(configured: string | undefined, presented: string | undefined): void {
  if (!configured || !presented || !safeEqual(configured, presented)) throw new GatewayError('ERR_RISK_FEED_UNAUTHORIZED');
}

/**
 * POST /v1/risk-events: events from the epidemic data source. Each event is stored once (by id;
 * redelivery is harmless), then every subject it may affect is re-derived and its outstanding
 * codes of another colour are superseded. Events about people who have not declared yet are kept
 * and apply when they do.
 */
export async function applyRiskEvents(deps: IssuerDeps, body: unknown): Promise<RiskEventResult> {
  const batch = assertValid<RiskEventBatch>('risk-events', body);
  const now = deps.now();
  const affected = new Set<string>();
  let accepted = 0;
  let duplicates = 0;
  // Every instant is read before any event is stored: a refused batch leaves nothing behind.
  const instants = batch.events.map((event, index) => {
    const at = dateTimeMs(event.occurredAt);
    if (Number.isNaN(at)) throw new GatewayError('ERR_VALIDATION', 'occurredAt is not a date-time.', { field: `events.${index}.occurredAt` });
    return at;
  });
  for (const [index, event] of batch.events.entries()) {
    // An event cannot have occurred in the future; clamping keeps colours from worsening later
    // by time alone, which the status list relies on (own-code-status.ts).
    const occurredAt = Math.min(instants[index]!, now);
    let applied: boolean;
    if (event.type === 'high_risk_regions') {
      applied = await deps.store.setHighRiskRegions(event.id, event.regions, occurredAt);
      if (applied) for (const id of await deps.store.subjectIdsWithTravel()) affected.add(id);
    } else {
      const key = documentKey(deps.pepper, event.document);
      applied = await deps.store.insertPersonEvent({ id: event.id, type: event.type, documentKey: key, occurredAt, receivedAt: now });
      const subject = applied ? await deps.store.getSubjectByDocumentKey(key) : undefined;
      if (subject) affected.add(subject.id);
    }
    if (applied) accepted++;
    else duplicates++;
    deps.metrics.riskEvents.inc({ type: event.type, outcome: applied ? 'applied' : 'duplicate' });
  }
  let credentialsSuperseded = 0;
  for (const id of affected) {
    const subject = await deps.store.getSubject(id);
    if (subject) credentialsSuperseded += (await recolor(deps, subject)).superseded;
  }
  return { accepted, duplicates, subjectsEvaluated: affected.size, credentialsSuperseded };
}
