import { randomBytes } from 'node:crypto';
import { GatewayError } from '../errors/gateway-error.js';
import { StoreConflict, type SubjectRecord } from '../store/store.js';
import { currentColor, type IssuerDeps } from './code-issuer.js';
import { authenticate } from './holder-auth.js';
import { isSubjectId } from './secrets.js';
import type { ProxyLink, ProxyList, ProxyRequestList } from '../types/schemas.js';

/**
 * 代人申请 with the person's consent (issue 9, item 1). The notice means a family member applying
 * for an elderly person or a child; so a holder naming a person who already has a code only asks,
 * and becomes a proxy when that person approves with its own holder token. A pending request holds
 * no slot of the 3/3 limits and lapses after PROXY_REQUEST_TTL_MS (72 h on the injected clock).
 */
export const PROXY_REQUEST_TTL_MS = 72 * 3_600_000;

function newRequestId(): string {
  return `prq_${randomBytes(16).toString('base64url')}`;
}

function isRequestId(value: string): boolean {
  return /^prq_[A-Za-z0-9_-]{22}$/.test(value);
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A pending request of `proxy` for `subject`; asking again renews it (same id, new expiry). */
export async function requestProxy(deps: IssuerDeps, proxy: SubjectRecord, subject: SubjectRecord): Promise<string> {
  const now = deps.now();
  const id = await deps.store.insertProxyRequest({ id: newRequestId(), requesterId: proxy.id, subjectId: subject.id, createdAt: now, expiresAt: now + PROXY_REQUEST_TTL_MS });
  deps.metrics.declarations.inc({ kind: 'proxy_request' });
  return id;
}

/**
 * The subject itself, by its own holder token: only the person decides who acts for it. A proxy's
 * token (even the first holder's own) is refused with 403 here.
 */
export async function authorizeOwner(deps: IssuerDeps, token: string | undefined, subjectId: string): Promise<SubjectRecord> {
  const caller = await authenticate(deps, token);
  if (caller.id === subjectId) return caller;
  if (!isSubjectId(subjectId) || !(await deps.store.getSubject(subjectId))) throw new GatewayError('ERR_SUBJECT_NOT_FOUND');
  throw new GatewayError('ERR_FORBIDDEN');
}

export async function listProxyRequests(deps: IssuerDeps, token: string | undefined, subjectId: string): Promise<ProxyRequestList> {
  const subject = await authorizeOwner(deps, token, subjectId);
  const pending = await deps.store.listProxyRequests(subject.id, deps.now());
  return {
    requests: pending.map((r) => ({ requestId: r.id, requesterName: r.requesterNameMasked, requestedAt: iso(r.createdAt), expiresAt: iso(r.expiresAt) })),
  };
}

export async function listProxies(deps: IssuerDeps, token: string | undefined, subjectId: string): Promise<ProxyList> {
  const subject = await authorizeOwner(deps, token, subjectId);
  return { proxies: (await deps.store.listProxies(subject.id)).map((p) => ({ proxyId: p.proxyId, name: p.nameMasked, since: iso(p.since) })) };
}

const LIMITS = { proxy_holder_limit: 'ERR_PROXY_HOLDER_LIMIT', proxy_subject_limit: 'ERR_PROXY_SUBJECT_LIMIT' } as const;

/**
 * Approval writes the link under the database's slot constraints; at a limit the request stays
 * pending (the person may remove a proxy and approve again). The requester must still be green:
 * only a green holder may act for others (notice Q3); otherwise the request stays until it lapses.
 */
export async function approveProxyRequest(deps: IssuerDeps, token: string | undefined, subjectId: string, requestId: string): Promise<ProxyLink> {
  const subject = await authorizeOwner(deps, token, subjectId);
  const now = deps.now();
  const pending = isRequestId(requestId) ? (await deps.store.listProxyRequests(subject.id, now)).find((r) => r.id === requestId) : undefined;
  if (!pending) throw new GatewayError('ERR_PROXY_REQUEST_NOT_FOUND');
  const proxy = await deps.store.getSubject(pending.requesterId);
  if (!proxy) throw new GatewayError('ERR_PROXY_REQUEST_NOT_FOUND');
  if ((await currentColor(deps, proxy)).color !== 'green') throw new GatewayError('ERR_PROXY_NOT_GREEN');
  const approved = await deps.store.approveProxyRequest(subject.id, requestId, now).catch((error: unknown) => {
    if (error instanceof StoreConflict && (error.kind === 'proxy_holder_limit' || error.kind === 'proxy_subject_limit')) throw new GatewayError(LIMITS[error.kind]);
    throw error;
  });
  // Answered meanwhile by a concurrent approval or decline.
  if (approved === undefined) throw new GatewayError('ERR_PROXY_REQUEST_NOT_FOUND');
  deps.metrics.declarations.inc({ kind: 'proxy_link' });
  const link = (await deps.store.listProxies(subject.id)).find((p) => p.proxyId === proxy.id);
  return { proxyId: proxy.id, name: proxy.nameMasked, since: iso(link?.since ?? now) };
}

export async function declineProxyRequest(deps: IssuerDeps, token: string | undefined, subjectId: string, requestId: string): Promise<void> {
  const subject = await authorizeOwner(deps, token, subjectId);
  if (!isRequestId(requestId) || !(await deps.store.declineProxyRequest(subject.id, requestId, deps.now()))) {
    throw new GatewayError('ERR_PROXY_REQUEST_NOT_FOUND');
  }
}

/** Removal takes effect at once: every request of the removed proxy is authorised against the links. */
export async function removeProxy(deps: IssuerDeps, token: string | undefined, subjectId: string, proxyId: string): Promise<void> {
  const subject = await authorizeOwner(deps, token, subjectId);
  if (!isSubjectId(proxyId) || !(await deps.store.removeProxyLink(proxyId, subject.id))) throw new GatewayError('ERR_PROXY_NOT_FOUND');
}
