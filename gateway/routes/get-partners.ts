import type { RequestHandler } from 'express';
import type { SourceOf } from '../federation/partner-sources.js';
import type { KeySource } from '../partners/key-source.js';
import type { Partner, PartnerStatusList } from '../types/schemas.js';

/**
 * GET /v1/partners — each partner's status, where it came from (self, a local file, the trust
 * list), and the health of its keys: how many it verifies with, why the last fetch or set was
 * refused, and every key skipped with its reason, so a city being onboarded can see what to fix.
 */
export function getPartners(deps: { registry: { list(): readonly Partner[] }; keySource: KeySource; sourceOf: (id: string) => SourceOf }): RequestHandler {
  return (_req, res) => {
    const body: PartnerStatusList = {
      partners: deps.registry.list().map((p) => {
        const status = deps.keySource.status(p.id);
        return {
          id: p.id,
          name: p.name,
          region: p.region,
          status: p.status,
          keyCount: status.keyCount,
          lastFetchAt: status.lastFetchAt === null ? null : new Date(status.lastFetchAt).toISOString(),
          lastErrorCode: status.lastErrorCode,
          lastErrorReason: status.lastErrorReason ?? null,
          skippedKeys: (status.skippedKeys ?? []).map(({ index, kid, reason }) => ({ index, kid, reason })),
          ...deps.sourceOf(p.id),
        };
      }),
    };
    res.json(body);
  };
}
