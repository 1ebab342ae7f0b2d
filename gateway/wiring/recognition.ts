import type { AppDeps } from '../app.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';
import type { Keystore } from '../issuer/keystore.js';
import { RemoteKeySource } from '../partners/key-cache.js';
import { CompositeKeySource, LocalKeySource } from '../partners/local-key-source.js';
import type { PartnerRegistry } from '../partners/registry.js';
import { RemoteStatusSource } from '../partners/status-cache.js';
import { RemoteTokenStatusSource } from '../partners/token-status-cache.js';
import { createVerifyService } from '../recognition/verify-service.js';
import type { Partner } from '../types/schemas.js';
import { VerifiedCache } from '../verify/verified-cache.js';
import { createVerifier, type ValidOutcome } from '../verify/verify-code.js';
import type { WiringContext } from './context.js';

export interface Recognition {
  /** Partners' keys as fetched (their ages and refreshes). */
  remote: RemoteKeySource;
  /** Partners' status lists as fetched. */
  statusLists: RemoteStatusSource;
  /** Partners' IETF Token Status Lists as fetched (partner file statusListUri). */
  tokenStatusLists: RemoteTokenStatusSource;
  /** Every issuer's keys: the gateway's own read locally, partners' fetched. */
  keySource: CompositeKeySource;
  verifiedCache: VerifiedCache<ValidOutcome> | undefined;
  app: Pick<AppDeps, 'registry' | 'keySource' | 'verify'>;
}

export interface RecognitionParts {
  registry: PartnerRegistry;
  self: Partner;
  keystore: Keystore;
  /** Own codes are checked against the issuer's records (superseded, revoked). */
  issuer: IssuerDeps;
}

/** Verification of any registered issuer's code: partners' keys and status lists, the verifier, its cache. */
export function wireRecognition(ctx: WiringContext, { registry, self, keystore, issuer }: RecognitionParts): Recognition {
  const { config, options, now, background, logger, metrics } = ctx;
  // Partners' keys and status lists are fetched under the same rules: one safe dispatcher policy,
  // one stale bound (partner-fetch-cache.ts).
  const fetching = {
    registry,
    jwks: config.jwks,
    allowInsecureLoopback: config.allowInsecureLoopbackJwks,
    now,
    background,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  };
  const remote = new RemoteKeySource({
    ...fetching,
    hooks: {
      onFetch(partnerId, outcome, seconds, reason) {
        metrics.jwksFetches.inc({ partner: partnerId, outcome });
        metrics.jwksFetchDuration.observe({ partner: partnerId }, seconds);
        // The reason code only (timeout, http_status, …): the operator learns which partner and why.
        if (outcome === 'error') logger.warn({ partner: partnerId, reason }, 'partner key fetch failed');
      },
      onStaleServed: (partnerId) => metrics.partnerKeysStaleServed.inc({ partner: partnerId }),
      onKeySet(partnerId, skipped, refused) {
        if (refused) metrics.partnerKeySetsRefused.inc({ partner: partnerId, reason: refused });
        if (!refused && skipped.length === 0) return;
        // Positions and reason codes only: a kid is the partner's free text (GET /v1/partners shows it).
        const keys = skipped.map(({ index, reason }) => ({ index, reason }));
        logger.warn({ partner: partnerId, refused, skipped: keys }, refused ? 'partner key set refused' : 'partner key set: keys skipped');
      },
    },
    onAddressRefused: (cls) => metrics.fetchAddressesRefused.inc({ class: cls }),
  });
  const statusLists = new RemoteStatusSource({
    ...fetching,
    clockToleranceSeconds: config.clockToleranceSeconds,
    hooks: {
      onFetch(partnerId, outcome, _seconds, reason) {
        metrics.statusListFetches.inc({ partner: partnerId, outcome });
        if (reason === 'older_list') metrics.statusListRollbacks.inc({ partner: partnerId });
        if (outcome === 'error') logger.warn({ partner: partnerId, reason }, 'partner status list fetch failed');
      },
    },
    onAddressRefused: (cls) => metrics.fetchAddressesRefused.inc({ class: cls }),
  });
  const keySource = new CompositeKeySource(self.id, new LocalKeySource(() => keystore.publishedKeys(now()), now), remote);
  // Every bounded label set starts at 0, so increase() sees the first event (label-sets.ts).
  metrics.partnerIds = () => registry.list().map((p) => p.id);
  metrics.zeroBoundedLabels();
  metrics.partnerKeyCounts = () => registry.list().map((p) => [p.id, keySource.status(p.id).keyCount]);
  metrics.partnerSkippedKeys = () => registry.list().map((p) => [p.id, (keySource.status(p.id).skippedKeys ?? []).map((k) => k.reason)]);
  // Only fetched keys age: the gateway's own keys are read locally, never fetched.
  metrics.partnerKeyAges = () => registry.list().flatMap((p) => {
    const at = p.id === self.id ? null : remote.status(p.id).lastFetchAt;
    return at === null ? [] : [[p.id, Math.max(0, now() - at) / 1000] as [string, number]];
  });

  const cacheEntries = config.verifyCacheMaxEntries ?? 0;
  // Children bound once: every verification looks up the cache, and a labelled inc hashes its labels.
  const cacheHits = metrics.verifiedCacheLookups.labels({ outcome: 'hit' });
  const cacheMisses = metrics.verifiedCacheLookups.labels({ outcome: 'miss' });
  const verifiedCache = cacheEntries > 0 ? new VerifiedCache<ValidOutcome>(cacheEntries, (hit) => (hit ? cacheHits : cacheMisses).inc()) : undefined;
  metrics.verifiedCacheSize = () => verifiedCache?.size ?? 0;
  const verifier = createVerifier({ registry, keySource, now, clockToleranceSeconds: config.clockToleranceSeconds, cache: verifiedCache, verifySignature: options.signatureCheck });
  // Partners' Token Status Lists are signed with their own keys: read through the same key source as their codes.
  const tokenStatusLists = new RemoteTokenStatusSource({
    ...fetching,
    keySource,
    clockToleranceSeconds: config.clockToleranceSeconds,
    hooks: {
      onFetch(partnerId, outcome, _seconds, reason) {
        metrics.statusListFetches.inc({ partner: partnerId, outcome });
        if (reason === 'older_list') metrics.statusListRollbacks.inc({ partner: partnerId });
        if (outcome === 'error') logger.warn({ partner: partnerId, reason }, 'partner token status list fetch failed');
      },
    },
    onAddressRefused: (cls) => metrics.fetchAddressesRefused.inc({ class: cls }),
  });
  const verify = createVerifyService({ verifier, selfPartnerId: self.id, issuer, partnerStatus: statusLists, partnerTokenStatus: tokenStatusLists });
  return { remote, statusLists, tokenStatusLists, keySource, verifiedCache, app: { registry, keySource, verify } };
}
