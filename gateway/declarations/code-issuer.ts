import { deriveColor, type DerivedColor } from '../color/derive-color.js';
import { signCredential } from '../issuer/sign-credential.js';
import type { Keystore } from '../issuer/keystore.js';
import type { Config } from '../config/load-config.js';
import type { Metrics } from '../observability/metrics.js';
import type { WorkPool } from '../admission/work-pool.js';
import type { Store, SubjectRecord } from '../store/store.js';
import type { Color, ColorRules, IssuedCredential } from '../types/schemas.js';

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
}

export interface IssueResult extends DerivedColor {
  credential: IssuedCredential;
}

/** The subject's colour now, from its declaration, its events and the current region list. */
export async function currentColor(deps: IssuerDeps, subject: SubjectRecord): Promise<DerivedColor> {
  const [events, highRisk] = await Promise.all([deps.store.personEvents(subject.documentKey), deps.store.highRiskRegions()]);
  return deriveColor(deps.rules, { declaration: subject.declaration, declaredAt: subject.declaredAt, events, highRisk, now: deps.now() });
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
  if (changed.length > 0) deps.metrics.credentialsInvalidated.inc({ status }, changed.length);
  if (keepColor) deps.metrics.countColorTransitions(changed, keepColor);
  return changed;
}

/** Re-derives a subject's colour and supersedes its outstanding codes of any other colour. */
export async function recolor(deps: IssuerDeps, subject: SubjectRecord): Promise<DerivedColor & { superseded: number }> {
  const derived = await currentColor(deps, subject);
  return { ...derived, superseded: (await invalidateCodes(deps, subject.id, 'superseded', derived.color)).length };
}

/**
 * Signs a fresh code with the current colour and records it. Codes still outstanding with another
 * colour are superseded first, so at any time only codes of the current colour are valid.
 */
export async function issueCode(deps: IssuerDeps, subject: SubjectRecord): Promise<IssueResult> {
  const now = deps.now();
  const { superseded: _, ...derived } = await recolor(deps, subject);
  const code = await signCredential(subject, derived.color, deps.keystore, {
    issuer: deps.config.issuer.url,
    region: deps.config.issuer.region,
    ttlSeconds: deps.config.credentialTtlSeconds,
    now,
  });
  await deps.store.insertCredential({
    jti: code.jti,
    subjectId: subject.id,
    color: derived.color,
    kid: code.kid,
    issuedAt: code.issuedAt,
    expiresAt: code.expiresAt,
    status: 'active',
    statusAt: null,
  });
  deps.metrics.credentialsIssued.inc({ color: derived.color });
  return { ...derived, credential: { jws: code.jws, expiresAt: new Date(code.expiresAt).toISOString() } };
}
