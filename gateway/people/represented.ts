import { authorizeOwner } from '../declarations/proxy-consent.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';
import type { RepresentedList } from '../types/schemas.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * GET /v1/subjects/{id}/represented (issue 17, item 3): the proxy's own page — the people this
 * holder may act for (health facts only) and its requests still pending. Its own token only.
 */
export async function listRepresented(deps: IssuerDeps, token: string | undefined, subjectId: string): Promise<RepresentedList> {
  const holder = await authorizeOwner(deps, token, subjectId);
  const [people, requests] = await Promise.all([
    deps.store.listRepresented(holder.id),
    deps.store.listOwnProxyRequests(holder.id, deps.now()),
  ]);
  return {
    people: people.map((p) => ({ subjectId: p.subjectId, name: p.nameMasked, since: iso(p.since) })),
    requests: requests.map((r) => ({ requestId: r.id, requestedAt: iso(r.createdAt), expiresAt: iso(r.expiresAt) })),
  };
}
