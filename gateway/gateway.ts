import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { buildApp, type AppDeps } from './app.js';
import type { Config } from './config/load-config.js';
import { loadRules } from './color/rules-file.js';
import { ensureSigningKey, loadOrCreatePepper } from './issuer/bootstrap-secrets.js';
import { Keystore } from './issuer/keystore.js';
import { buildTrustBundle, signTrustBundle, type TrustBundleDeps } from './trust/trust-bundle.js';
import { statusList } from './declarations/own-code-status.js';
import { buildIssuerMetadata, partnerFromIssuerMetadata } from './issuer/issuer-metadata.js';
import { createLogger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { openStore } from './store/open-store.js';
import { loadPartners, PartnerRegistry } from './partners/registry.js';
import { RemoteKeySource } from './partners/key-cache.js';
import { RemoteStatusSource } from './partners/status-cache.js';
import { CompositeKeySource, LocalKeySource } from './partners/local-key-source.js';
import { createVerifier, type ValidOutcome } from './verify/verify-code.js';
import { VerifiedCache } from './verify/verified-cache.js';
import { createVerifyService } from './recognition/verify-service.js';
import { ReadinessState } from './lifecycle/readiness.js';
import { createGatewayServer, type GatewayServer } from './lifecycle/http-server.js';
import { fromRoot } from './paths.js';

const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_MARGIN_MS = 86_400_000;

export interface GatewayOptions {
  /** Injected clock (epoch ms); tests move it. */
  now?: () => number;
  logger?: Logger;
  /** Collect Node.js process metrics too (off in tests). */
  defaultMetrics?: boolean;
  /** PostgreSQL schema to use (tests isolate themselves with it). */
  pgSchema?: string;
  /** undici dispatcher for partner key and status-list fetches (tests may pass a MockAgent). */
  dispatcher?: Dispatcher;
  /** Background work: partner key and status-list refresh and pruning of expired credential records (default on). */
  backgroundRefresh?: boolean;
  /** What /metrics answers (cluster workers: the aggregate of all workers, from the primary). */
  scrapeMetrics?: () => Promise<string>;
}

export interface Gateway {
  app: Express;
  deps: AppDeps;
  /** Verified results of recently scanned codes (absent when VERIFY_CACHE_MAX_ENTRIES is 0). */
  verifiedCache: VerifiedCache<ValidOutcome> | undefined;
  listen(): Promise<Server>;
  /**
   * Graceful stop: /readyz turns 503, the server stops accepting, requests in flight finish
   * (idle keep-alive connections are closed at once), then background work and the store close.
   * Past config.shutdownTimeoutMs the connections left are destroyed and the result is 'forced'.
   */
  shutdown(): Promise<'drained' | 'forced'>;
  close(): Promise<void>;
}

/**
 * The composition root: everything with I/O happens here, once, at start — keys and pepper read
 * (or generated for development), rules and partners validated, the store opened and migrated.
 * Any problem stops the start with a message naming the file or setting at fault.
 */
export async function createGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics({ defaultMetrics: options.defaultMetrics ?? false });

  await ensureSigningKey(config.certsDir, config.issuer.signingAlg, now(), logger);
  const pepper = loadOrCreatePepper(config.certsDir, logger);
  // A retired key stays published while a code it signed may still be presented.
  const keystore = await Keystore.load(config.certsDir, (config.credentialTtlSeconds + config.clockToleranceSeconds) * 1000);
  const rules = loadRules(config.rulesFile);

  const metadata = buildIssuerMetadata(config, keystore.algorithms());
  const self = partnerFromIssuerMetadata(metadata);
  const partnerOptions = { allowInsecureLoopback: config.allowInsecureLoopbackJwks };
  const registry = new PartnerRegistry(loadPartners(config.partnersDir, partnerOptions), self);

  const store = await openStore({
    dataDir: config.dataDir,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(options.pgSchema ?? config.databaseSchema ? { pgSchema: (options.pgSchema ?? config.databaseSchema)! } : {}),
    onPoolError: (err) => logger.error({ err }, 'database pool error'),
  });

  // Partners' keys and status lists are fetched under the same rules: one safe dispatcher policy,
  // one stale bound (partner-fetch-cache.ts).
  const fetching = {
    registry,
    jwks: config.jwks,
    allowInsecureLoopback: config.allowInsecureLoopbackJwks,
    now,
    background: options.backgroundRefresh ?? true,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  };
  const remote = new RemoteKeySource({
    ...fetching,
    hooks: {
      onFetch(partnerId, outcome, seconds) {
        metrics.jwksFetches.inc({ partner: partnerId, outcome });
        metrics.jwksFetchDuration.observe({ partner: partnerId }, seconds);
      },
      onStaleServed: (partnerId) => metrics.partnerKeysStaleServed.inc({ partner: partnerId }),
    },
    onAddressRefused: (cls) => metrics.fetchAddressesRefused.inc({ class: cls }),
  });
  const statusLists = new RemoteStatusSource({
    ...fetching,
    hooks: {
      onFetch(partnerId, outcome, _seconds, reason) {
        metrics.statusListFetches.inc({ partner: partnerId, outcome });
        if (outcome === 'error') logger.warn({ partner: partnerId, reason }, 'partner status list fetch failed');
      },
    },
    onAddressRefused: (cls) => metrics.fetchAddressesRefused.inc({ class: cls }),
  });
  const keySource = new CompositeKeySource(self.id, new LocalKeySource(() => keystore.publishedKeys(now()), now), remote);
  metrics.partnerKeyCounts = () => registry.list().map((p) => [p.id, keySource.status(p.id).keyCount]);
  // Only fetched keys age: the gateway's own keys are read locally, never fetched.
  metrics.partnerKeyAges = () => registry.list().flatMap((p) => {
    const at = p.id === self.id ? null : remote.status(p.id).lastFetchAt;
    return at === null ? [] : [[p.id, Math.max(0, now() - at) / 1000] as [string, number]];
  });

  const issuerDeps = { config, store, keystore, rules, pepper, now, metrics };
  const cacheEntries = config.verifyCacheMaxEntries ?? 0;
  // Children bound once: every verification looks up the cache, and a labelled inc hashes its labels.
  const cacheHits = metrics.verifiedCacheLookups.labels({ outcome: 'hit' });
  const cacheMisses = metrics.verifiedCacheLookups.labels({ outcome: 'miss' });
  const verifiedCache = cacheEntries > 0 ? new VerifiedCache<ValidOutcome>(cacheEntries, (hit) => (hit ? cacheHits : cacheMisses).inc()) : undefined;
  metrics.verifiedCacheSize = () => verifiedCache?.size ?? 0;
  const verifier = createVerifier({ registry, keySource, now, clockToleranceSeconds: config.clockToleranceSeconds, cache: verifiedCache });
  const verify = createVerifyService({ verifier, selfPartnerId: self.id, issuer: issuerDeps, partnerStatus: statusLists });

  async function reloadPartners(): Promise<number> {
    registry.reload(loadPartners(config.partnersDir, partnerOptions));
    void remote.refreshAll();
    logger.info({ partners: registry.list().length }, 'partners reloaded');
    return registry.list().length;
  }

  const readiness = new ReadinessState({
    pingStore: () => store.ping(),
    hasSigningKey: () => keystore.activeKey() !== undefined,
    partnersLoaded: () => registry.list().length > 0,
  });
  const trustDeps: TrustBundleDeps = {
    issuer: config.issuer.url,
    registry,
    keySource,
    statusLists,
    ownStatusList: () => statusList(issuerDeps),
    clockToleranceSeconds: config.clockToleranceSeconds,
    lifetimeSeconds: config.jwks.staleMaxSeconds,
    now,
  };
  const deps: AppDeps = {
    ...issuerDeps,
    logger,
    metadata,
    registry,
    keySource,
    verify,
    reloadPartners,
    readiness,
    openapiYaml: readFileSync(fromRoot('openapi.yaml'), 'utf8'),
    trustBundle: async () => signTrustBundle(await buildTrustBundle(trustDeps), keystore.activeKey()),
    ...(options.scrapeMetrics ? { scrapeMetrics: options.scrapeMetrics } : {}),
  };
  const app = buildApp(deps);
  // Keys are warmed up at start; a status list is fetched on the first code of its partner (that
  // verification awaits it, single-flight) and then kept fresh by the timer: a list read before
  // that first code would only be older by then.
  if (options.backgroundRefresh ?? true) void remote.refreshAll();

  // Every fresh code adds a record; once a code is past exp + tolerance it is refused on its exp
  // alone, so its record goes (hourly, with a day's margin for the status list and audits).
  const pruneCredentials = async (): Promise<void> => {
    try {
      const pruned = await store.deleteExpiredCredentials(now() - PRUNE_MARGIN_MS);
      if (pruned > 0) logger.info({ pruned }, 'expired credential records pruned');
    } catch (err) {
      logger.error({ err }, 'pruning expired credential records failed');
    }
  };
  const pruneTimer = options.backgroundRefresh ?? true ? setInterval(() => void pruneCredentials(), PRUNE_EVERY_MS).unref() : undefined;

  let served: GatewayServer | undefined;
  let stopping: Promise<'drained' | 'forced'> | undefined;
  const shutdown = (): Promise<'drained' | 'forced'> =>
    (stopping ??= (async () => {
      readiness.startDraining(now());
      clearInterval(pruneTimer);
      const outcome = served ? await served.drain(config.shutdownTimeoutMs, logger) : 'drained';
      await keySource.close();
      await statusLists.close();
      await store.close();
      return outcome;
    })());
  return {
    app,
    deps,
    verifiedCache,
    listen: () =>
      new Promise((resolve, reject) => {
        // Slow clients cannot hold a connection forever: the timeouts are configuration (http.*).
        served = createGatewayServer(app, config.http);
        const s = served.server;
        s.once('error', reject);
        s.listen(config.port, config.host, () => resolve(s));
      }),
    shutdown,
    async close() {
      await shutdown();
    },
  };
}
