import { codeFacts } from './code-facts.js';
import { currentColor, issueCode, type IssueResult, type IssuerDeps } from './code-issuer.js';
import type { SubjectRecord } from '../store/store.js';

/**
 * GET /v1/subjects/{id}/code without a new code for nothing (issue 18, item 3). The subject's
 * newest active code is returned again while more than half of its life is left, nothing it
 * states changed (colour, reasons, identity, binding: code-facts.ts) and it is signed with the
 * active key. Otherwise a new code is signed and the one it replaces is superseded, so a person
 * has one valid code at a time — except after a key rotation alone: the held code states nothing
 * false, and a retired key's codes stay valid to their exp (docs/partners-and-keys.md).
 *
 * So a flood of fetches by one token costs one signature and one status-list entry per half-life
 * at most, instead of one of each per request: each superseded code is an INVALID bit until it
 * expires, and each code held an index of the list.
 */
export async function currentOrFreshCode(deps: IssuerDeps, subject: SubjectRecord): Promise<IssueResult> {
  const now = deps.now();
  const held = await deps.store.currentCredential(subject.id, now);
  let supersede = held !== undefined;
  if (held?.jws && held.facts) {
    const derived = await currentColor(deps, subject);
    const halfLeft = held.expiresAt - now > (held.expiresAt - held.issuedAt) / 2;
    const same = derived.color === held.color && held.facts === codeFacts(deps, subject, derived);
    if (halfLeft && same && held.kid === deps.keystore.activeKey().kid) {
      return { ...derived, credential: { jws: held.jws, expiresAt: new Date(held.expiresAt).toISOString() } };
    }
    supersede = !halfLeft || !same;
  }
  const issued = await issueCode(deps, subject);
  // The new code is recorded first: superseding before it would leave the person without a valid code on a failure.
  if (held && supersede && (await deps.store.invalidateCredential(held.jti, 'superseded', deps.now()))) {
    deps.metrics.credentialsInvalidated.inc({ status: 'superseded' });
    deps.onStatusChange?.();
  }
  return issued;
}
