import { GatewayError } from '../errors/gateway-error.js';
import { hashToken, newHolderToken } from '../declarations/secrets.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';
import type { SubjectRecord } from '../store/store.js';

/**
 * A subject's one owner token (issue 17, items 3 and 5): it is the person's, ends after
 * HOLDER_TOKEN_IDLE_SECONDS without use, on sign-out, and when the person proves itself again
 * (recovery), which replaces it so every earlier copy stops working at once.
 */

/** A use is recorded at most this often: each record is a write. */
const TOUCH_EVERY_MS = 60_000;

/** Refuses an idle token (401 ERR_HOLDER_TOKEN_EXPIRED); otherwise records the use. */
export async function checkOwnerToken(deps: IssuerDeps, subject: SubjectRecord, tokenHash: string): Promise<void> {
  const now = deps.now();
  const used = subject.tokenUsedAt ?? null;
  if (used !== null && now - used > deps.config.holderTokenIdleSeconds * 1000) throw new GatewayError('ERR_HOLDER_TOKEN_EXPIRED');
  if (used === null || now - used >= TOUCH_EVERY_MS) await deps.store.touchOwnerToken(tokenHash, now);
}

/** A new owner token for the subject; the one before (anyone's copy) stops working at once. */
export async function replaceOwnerToken(deps: IssuerDeps, subjectId: string): Promise<string> {
  const token = newHolderToken();
  if (!(await deps.store.setOwnerToken(subjectId, hashToken(token), deps.now()))) throw new GatewayError('ERR_SUBJECT_NOT_FOUND');
  return token;
}

/** DELETE /v1/holder-token: the holder ends its own token (退出登录); the owner slot then waits for the person. */
export async function endOwnerToken(deps: IssuerDeps, token: string | undefined): Promise<void> {
  if (!token || !(await deps.store.endOwnerToken(hashToken(token)))) throw new GatewayError('ERR_UNAUTHENTICATED');
  deps.metrics.holderTokensEnded.inc({ reason: 'sign_out' });
}

export function isOwnedSubject(subject: SubjectRecord): boolean {
  return !subject.holderTokenHash.includes(':');
}
