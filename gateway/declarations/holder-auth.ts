import { GatewayError } from '../errors/gateway-error.js';
import type { SubjectRecord } from '../store/store.js';
import { currentColor, type IssuerDeps } from './code-issuer.js';
import { hashToken, isSubjectId } from './secrets.js';
import { checkOwnerToken } from '../people/owner-token.js';

// Who is asking, from the holder token: declaring (declaration-service.ts) and proxy consent
// (proxy-consent.ts) both start here, so it sits below them both.

/** The subject a holder token belongs to; 401 without a token or with an unknown one. */
export async function authenticate(deps: IssuerDeps, token: string | undefined): Promise<SubjectRecord> {
  const tokenHash = token ? hashToken(token) : undefined;
  const subject = tokenHash ? await deps.store.getSubjectByTokenHash(tokenHash) : undefined;
  if (!subject || !tokenHash) throw new GatewayError('ERR_UNAUTHENTICATED');
  // Issue 17, item 5: an owner token unused for HOLDER_TOKEN_IDLE_SECONDS has ended.
  await checkOwnerToken(deps, subject, tokenHash);
  return subject;
}

/**
 * The target subject, when the token is its holder's or an approved proxy's whose own code is
 * green; `viaProxy` says which. The link and the proxy's colour are read on every request, so a
 * removed proxy, or one no longer green, is refused from the next one on.
 */
export async function authorize(deps: IssuerDeps, token: string | undefined, subjectId: string): Promise<SubjectRecord & { viaProxy: boolean }> {
  const caller = await authenticate(deps, token);
  const subject = caller.id === subjectId ? caller : isSubjectId(subjectId) ? await deps.store.getSubject(subjectId) : undefined;
  if (!subject) throw new GatewayError('ERR_SUBJECT_NOT_FOUND');
  if (caller.id !== subject.id && !(await deps.store.isProxyOf(caller.id, subject.id))) throw new GatewayError('ERR_FORBIDDEN');
  // Issue 19, item 4: only a green holder may declare for others (notice, 代人申请), and that
  // right lasts only while it stays green — a proxy turned yellow or red fetches and modifies
  // nothing for the person until its own colour is green again.
  if (caller.id !== subject.id && (await currentColor(deps, caller)).color !== 'green') throw new GatewayError('ERR_PROXY_NOT_GREEN');
  return { ...subject, viaProxy: caller.id !== subject.id };
}
