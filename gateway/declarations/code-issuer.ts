import { checkInLookbackDays, deriveColor, type ColorInputs, type DerivedColor } from '../color/derive-color.js';
import { reasonWindows } from '../color/green-window.js';
import { codeExpiry, codeLayoutSettings, newJti, signCredential } from '../issuer/sign-credential.js';
import { allocateStatusIndex } from '../status-list/allocate-index.js';
import { tokenStatusListUri } from '../status-list/own-status-list.js';
import { codeFacts } from './code-facts.js';
import type { Keystore } from '../issuer/keystore.js';
import type { Config } from '../config/load-config.js';
import type { Metrics } from '../observability/metrics.js';
import type { WorkPool } from '../admission/work-pool.js';
import type { DeclarationQueue } from './declaration-queue.js';
import { isReleased, type Store, type SubjectRecord } from '../store/store.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Color, ColorRules, IssuedCredential, ReasonUntil } from '../types/schemas.js';

const DAY_MS = 86_400_000;

export interface IssuerDeps {
  config: Config;
  store: Store;
  keystore: Keystore;
  rules: ColorRules;
  pepper: Buffer;
  now: () => number;
  metrics: Metrics;
  /** Admission for slow work of declarations and modifications (the binding's scrypt); absent: unbounded. */
  issuePool?: WorkPool;
  /** Called when a code of this process stopped being valid: Xinji's status list is built again (own-status-list.ts). */
  onStatusChange?: () => void;
  /** The launch-day queue (issue 22): declarations that find the issue pool busy wait here; absent: 503 as before. */
  declarationQueue?: DeclarationQueue | undefined;
}

export interface IssueResult extends DerivedColor {
  credential: IssuedCredential;
}

/** The subject's colour now, from its declaration, its events, its daily check-ins and the current region list. */
export async function currentColor(deps: Pick<IssuerDeps, 'store' | 'rules' | 'now' | 'config'>, subject: SubjectRecord): Promise<DerivedColor> {
  return deriveColor(deps.rules, await colorInputs(deps, subject));
}

async function colorInputs(deps: Pick<IssuerDeps, 'store' | 'rules' | 'now' | 'config'>, subject: SubjectRecord): Promise<ColorInputs> {
  const now = deps.now();
  const lookbackDays = checkInLookbackDays(deps.rules);
  const [events, highRisk, checkIns] = await Promise.all([
    deps.store.personEvents(subject.documentKey),
    deps.store.highRiskRegions(),
    lookbackDays > 0 ? deps.store.checkIns(subject.id, Number.isFinite(lookbackDays) ? now - lookbackDays * DAY_MS : 0) : [],
  ]);
  const threshold = deps.config.checkpoint.feverThresholdC;
  return {
    declaration: subject.declaration,
    declaredAt: subject.declaredAt,
    events,
    highRisk,
    checkIns: checkIns.map((c) => ({ at: c.at, fever: !(c.temperatureC < threshold), symptoms: c.symptoms })),
    now,
  };
}

/** When each reason of the subject's colour ends by itself (color/green-window.ts), as the API states it. */
export async function reasonsUntil(deps: Pick<IssuerDeps, 'store' | 'rules' | 'now' | 'config'>, subject: SubjectRecord): Promise<ReasonUntil[]> {
  return reasonWindows(deps.rules, await colorInputs(deps, subject)).map((w) => ({ reason: w.reason, until: w.until === null ? null : new Date(w.until).toISOString() }));
}

/**
 * The one way outstanding codes stop being valid early, counted for operators: `superseded` keeps
 * the codes of `keepColor` (the current one), `revoked` ends them all. Returns the colours of the
 * codes that changed. Superseding codes of another colour is where the gateway notices that a
 * subject's colour changed, so that transition is counted here too; a change while a subject holds
 * no unexpired code goes unnoticed (the colour is derived, never stored: derive-color.ts).
 */
export async function invalidateCodes(
  deps: IssuerDeps,
  subjectId: string,
  status: 'superseded' | 'revoked',
  keepColor?: DerivedColor['color'],
): Promise<Color[]> {
  const changed = await deps.store.invalidateCredentials(subjectId, status, deps.now(), keepColor);
  if (changed.length > 0) {
    deps.metrics.credentialsInvalidated.inc({ status }, changed.length);
    deps.onStatusChange?.();
  }
  if (keepColor) deps.metrics.countColorTransitions(changed, keepColor);
  return changed;
}

/** Re-derives a subject's colour and supersedes its outstanding codes of any other colour. */
export async function recolor(deps: IssuerDeps, subject: SubjectRecord): Promise<DerivedColor & { superseded: number }> {
  const derived = await currentColor(deps, subject);
  return { ...derived, superseded: (await invalidateCodes(deps, subject.id, 'superseded', derived.color)).length };
}

/** How often a code is signed again when the colour changed while it was being issued. */
const MAX_ISSUE_ATTEMPTS = 4;

/** Whether the facts a code states (colour, binding, masked name) still hold for `now`. */
function sameFacts(signed: SubjectRecord, color: DerivedColor['color'], fresh: SubjectRecord, freshColor: DerivedColor['color']): boolean {
  return color === freshColor && signed.binding === fresh.binding && signed.nameMasked === fresh.nameMasked && signed.documentKey === fresh.documentKey;
}

/**
 * Signs a fresh code with the current colour and records it. Codes still outstanding with another
 * colour are superseded first, so at any time only codes of the current colour are valid.
 *
 * Why the subject is read again after the record (issue 9, item 2): a risk event, a modification
 * or a release may commit between the derivation and the record, and its writer supersedes only
 * the codes it can see. Each side writes first and reads after its write committed, so one of
 * them always sees the other: either this re-read sees the change (and the new code is
 * superseded here, then signed again), or the change committed after this read, so its writer's
 * UPDATE — issued after its own commit — finds the new code already recorded.
 */
export async function issueCode(deps: IssuerDeps, subject: SubjectRecord): Promise<IssueResult> {
  let current = subject;
  for (let attempt = 0; attempt < MAX_ISSUE_ATTEMPTS; attempt++) {
    const now = deps.now();
    const { superseded: _, ...derived } = await recolor(deps, current);
    // The index is reserved before the code is signed, for this jti, until past its exp.
    const { format } = codeLayoutSettings(deps.config.issuer.codeLayout);
    const jti = newJti(format);
    const idx = await allocateStatusIndex(
      { store: deps.store, now: deps.now, clockToleranceSeconds: deps.config.clockToleranceSeconds },
      jti,
      codeExpiry(now, deps.config.credentialTtlSeconds),
    );
    const code = await signCredential(current, derived.color, deps.keystore, {
      issuer: deps.config.issuer.url,
      region: deps.config.issuer.region,
      ttlSeconds: deps.config.credentialTtlSeconds,
      now,
      format,
      jti,
      status: { idx, uri: tokenStatusListUri(deps.config.issuer.url) },
    });
    await deps.store.insertCredential({
      jti: code.jti,
      subjectId: current.id,
      color: derived.color,
      kid: code.kid,
      issuedAt: code.issuedAt,
      expiresAt: code.expiresAt,
      status: 'active',
      statusAt: null,
      statusIdx: idx,
      jws: code.jws,
      facts: codeFacts(deps, current, derived),
    });
    const fresh = await deps.store.getSubject(current.id);
    if (!fresh || isReleased(fresh)) {
      if (await deps.store.invalidateCredential(code.jti, 'revoked', deps.now())) deps.onStatusChange?.();
      throw new GatewayError('ERR_SUBJECT_NOT_FOUND');
    }
    const { color: freshColor } = await currentColor(deps, fresh);
    if (sameFacts(current, derived.color, fresh, freshColor)) {
      deps.metrics.credentialsIssued.inc({ color: derived.color });
      return { ...derived, credential: { jws: code.jws, expiresAt: new Date(code.expiresAt).toISOString() } };
    }
    // Changed meanwhile: this code states what no longer holds; it is listed, and signed again.
    const status = freshColor === derived.color ? 'revoked' : 'superseded';
    if (await deps.store.invalidateCredential(code.jti, status, deps.now())) {
      deps.metrics.credentialsInvalidated.inc({ status });
      deps.onStatusChange?.();
    }
    current = fresh;
  }
  // Only a feed changing this person's colour faster than a code can be signed gets here: every
  // code signed meanwhile is listed, so the honest answer is "not now" (a 503 the client retries),
  // never a 500 and never a code whose facts no longer hold.
  throw new GatewayError('ERR_OVERLOADED', 'The colour of this code changed while it was issued; retry in a moment.', { retryAfterSeconds: 1 });
}
