import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { buildApp, type AppDeps } from './app.js';
import type { Config } from './config/load-config.js';
import { loadRules } from './color/rules-file.js';
import { mayGenerateSecrets } from './config/production.js';
import { ensureSigningKey, loadOrCreatePepper } from './issuer/bootstrap-secrets.js';
import { Keystore } from './issuer/keystore.js';
import { buildTrustBundle, signTrustBundle, type TrustBundleDeps } from './trust/trust-bundle.js';
import { statusList } from './declarations/own-code-status.js';
import { CertsReloader, type CertsReloadOutcome } from './issuer/certs-reloader.js';
import { buildIssuerMetadata, partnerFromIssuerMetadata } from './issuer/issuer-metadata.js';
import { createLogger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { openStore } from './store/open-store.js';
import { RemoteKeySource } from './partners/key-cache.js';
import { RemoteStatusSource } from './partners/status-cache.js';
import { CompositeKeySource, LocalKeySource } from './partners/local-key-source.js';
import { createVerifier, type ValidOutcome } from './verify/verify-code.js';
import type { SignatureCheck } from './verify/jws-signature.js';
import { VerifiedCache } from './verify/verified-cache.js';
import { createVerifyService } from './recognition/verify-service.js';
import { ReadinessState } from './lifecycle/readiness.js';
import { createGatewayServer, type GatewayServer } from './lifecycle/http-server.js';
import { fromRoot } from './paths.js';
import { availableParallelism } from 'node:os';
import { WorkPool } from './admission/work-pool.js';
import { createBindingCheck } from './checkpoint/binding-check.js';
import { publishedSchemas, servedOpenApi } from './schemas/published.js';
import { loadPageAssets } from './web/page-assets.js';
import { FederatedPartners } from './federation/federated-partners.js';
import type { TrustListHolder } from './federation/trust-list-holder.js';
import { openLimits } from './limits/limits.js';
import { purgeSubjects } from './subjects/retention.js';

const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_MARGIN_MS = 86_400_000;
const RETENTION_DAY_MS = 86_400_000;

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
  /** Reload the signing keys when CERTS_DIR changes (default: as backgroundRefresh). */
  watchCerts?: boolean;
  /** What /metrics answers (cluster workers: the aggregate of all workers, from the primary). */
  scrapeMetrics?: () => Promise<string>;
  /** The signature check of verification (default jose; the benchmark compares an alternative). */
  signatureCheck?: SignatureCheck;
  /** Directory of the built pages (default `pages/` of the build, dist/pages, written by `npm run build`). */
  webDir?: string;
}

export interface Gateway {
  /** Every route, or without the operators' routes when ADMIN_PORT is set. */
  app: Express;
  /** The operators' routes (metrics, partners, admin, probes) when ADMIN_PORT is set. */
  adminApp: Express | undefined;
  /** The admin listener, once listen() resolved (ADMIN_PORT set). */
  adminServer(): Server | undefined;
  deps: AppDeps;
  /** The federation's trust list (absent without TRUST_LIST_URI). */
  trustList: TrustListHolder | undefined;
  /** Verified results of recently scanned codes (absent when VERIFY_CACHE_MAX_ENTRIES is 0). */
  verifiedCache: VerifiedCache<ValidOutcome> | undefined;
  /** The admission pools of slow work: partner bindings at checkpoints, and declarations. */
  pools: { binding: WorkPool; issue: WorkPool };
  /** Listens on PORT (and ADMIN_PORT when set); resolves with the public server. */
  listen(): Promise<Server>;
  /** Reads CERTS_DIR's signing keys again (SIGHUP); a refused set or pepper keeps those in use. */
  reloadKeys(): Promise<CertsReloadOutcome>;
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
  const background = options.backgroundRefresh ?? true;
  const pgSchema = options.pgSchema ?? config.databaseSchema;
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics({ defaultMetrics: options.defaultMetrics ?? false });

  const generate = mayGenerateSecrets(config);
  await ensureSigningKey(config.certsDir, config.issuer.signingAlg, now(), logger, generate);
  const pepper = loadOrCreatePepper(config.certsDir, logger, generate);
  // A retired key stays published while a code it signed may still be presented.
  const keystore = await Keystore.load(config.certsDir, (config.credentialTtlSeconds + config.clockToleranceSeconds) * 1000);
  const rules = loadRules(config.rulesFile);
  const certs = new CertsReloader({
    dir: config.certsDir,
    keystore,
    pepper,
    logger,
    onKeysReload: (outcome) => metrics.signingKeysReloads.inc({ outcome }),
    onPepperRefused: (refused) => metrics.pepperRotationRefused.set(refused ? 1 : 0),
  });
  metrics.pepperRotationRefused.set(0);
  if (options.watchCerts ?? background) certs.watch();

  const metadata = buildIssuerMetadata(config, keystore.algorithms());
  const self = partnerFromIssuerMetadata(metadata);
  // The partner files, merged with the federation's trust list when TRUST_LIST_URI is set.
  const partners = await FederatedPartners.load(config, self, logger);
  const registry = partners.registry;

  const store = await openStore({
    dataDir: config.dataDir,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(pgSchema ? { pgSchema } : {}),
    onPoolError: (err) => logger.error({ err }, 'database pool error'),
  });

  // Rate limits and the mismatch lock: Redis, else this PostgreSQL, else memory (limits/limits.ts).
  const limits = await openLimits(config, store, logger).catch(async (err: unknown) => {
    await store.close();
    throw err;
  });

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
      onFetch(partnerId, outcome, seconds) {
        metrics.jwksFetches.inc({ partner: partnerId, outcome });
        metrics.jwksFetchDuration.observe({ partner: partnerId }, seconds);
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
  partners.connect({
    store, metrics, now,
    background,
    dispatcher: options.dispatcher,
    onListChanged: () => { if (background) void remote.refreshAll(); },
  });
  const trustList = partners.trustList;
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

  // Slow work (scrypt) is admitted through bounded pools, one per kind (admission/work-pool.ts).
  const cores = availableParallelism();
  const { admission } = config;
  const pool = (name: 'binding' | 'issue', concurrency: number, queue: number): WorkPool =>
    new WorkPool({ concurrency: concurrency || cores, queue, onRejected: () => metrics.overloaded.inc({ pool: name }) });
  const bindingPool = pool('binding', admission.bindingConcurrency, admission.bindingQueue);
  const issuePool = pool('issue', admission.issueConcurrency, admission.issueQueue);
  metrics.workPoolJobs = () => [['binding', bindingPool.running, bindingPool.queued], ['issue', issuePool.running, issuePool.queued]];
  const issuerDeps = { config, store, keystore, rules, pepper, now, metrics, issuePool };
  const cacheEntries = config.verifyCacheMaxEntries ?? 0;
  // Children bound once: every verification looks up the cache, and a labelled inc hashes its labels.
  const cacheHits = metrics.verifiedCacheLookups.labels({ outcome: 'hit' });
  const cacheMisses = metrics.verifiedCacheLookups.labels({ outcome: 'miss' });
  const verifiedCache = cacheEntries > 0 ? new VerifiedCache<ValidOutcome>(cacheEntries, (hit) => (hit ? cacheHits : cacheMisses).inc()) : undefined;
  metrics.verifiedCacheSize = () => verifiedCache?.size ?? 0;
  const verifier = createVerifier({ registry, keySource, now, clockToleranceSeconds: config.clockToleranceSeconds, cache: verifiedCache, verifySignature: options.signatureCheck });
  const verify = createVerifyService({ verifier, selfPartnerId: self.id, issuer: issuerDeps, partnerStatus: statusLists });

  const checkBinding = createBindingCheck({
    pepper,
    pool: bindingPool,
    now,
    clockToleranceSeconds: config.clockToleranceSeconds,
    matchCacheMaxEntries: config.checkpoint.matchCacheMaxEntries ?? 0,
    onCheck: (method, outcome) => metrics.bindingChecks.inc({ method, outcome }),
    onLocked: () => metrics.bindingLocks.inc(),
    mismatches: limits.mismatches,
  });

  async function reloadPartners(): Promise<number> {
    await partners.reload();
    metrics.zeroBoundedLabels();
    void remote.refreshAll();
    logger.info({ partners: registry.list().length }, 'partners reloaded');
    return registry.list().length;
  }

  const webDir = options.webDir ?? fromRoot('pages');
  const pages = loadPageAssets(webDir);
  if (pages.size === 0) logger.warn({ webDir }, 'the pages are not built (npm run build): GET / and GET /checkpoint answer 404');

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
  const openapi = readFileSync(fromRoot('openapi.yaml'), 'utf8');
  const deps: AppDeps = {
    ...issuerDeps,
    logger,
    metadata,
    registry,
    keySource,
    sourceOf: (id: string) => partners.sourceOf(id),
    verify,
    reloadPartners,
    checkBinding,
    readiness,
    openapiYaml: servedOpenApi(openapi, config.issuer.url),
    schemas: publishedSchemas(openapi, config.issuer.url),
    pages,
    trustBundle: async () => signTrustBundle(await buildTrustBundle(trustDeps), keystore.activeKey()),
    limits,
    ...(options.scrapeMetrics ? { scrapeMetrics: options.scrapeMetrics } : {}),
  };
  const separateAdmin = config.adminPort !== undefined;
  const app = buildApp(deps, separateAdmin ? 'public' : 'all');
  const adminApp = separateAdmin ? buildApp(deps, 'admin') : undefined;
  // Keys are warmed up at start; a status list is fetched on the first code of its partner (that
  // verification awaits it, single-flight) and then kept fresh by the timer: a list read before
  // that first code would only be older by then.
  // The list is fetched once before serving (a start without it recognises the local partners
  // only, and keeps trying), so members are known from the first request when the list answers.
  await trustList?.refresh();
  if (background) void remote.refreshAll();

  // Every fresh code adds a record; once a code is past exp + tolerance it is refused on its exp
  // alone, so its record goes (hourly, with a day's margin for the status list and audits).
  const pruneCredentials = async (): Promise<void> => {
    try {
      const pruned = await store.deleteExpiredCredentials(now() - PRUNE_MARGIN_MS);
      if (pruned > 0) logger.info({ pruned }, 'expired credential records pruned');
      // Lapsed proxy requests are never listed nor approvable; only their rows are left to go.
      const lapsed = await store.deleteExpiredProxyRequests(now());
      if (lapsed > 0) logger.info({ lapsed }, 'expired proxy requests pruned');
      // Purged subjects' anonymous rows, once none of their codes can be presented (retention.ts).
      const purgedRows = await store.deletePurgedSubjects(now() - PRUNE_MARGIN_MS);
      if (purgedRows > 0) logger.info({ purgedRows }, 'purged subjects removed');
    } catch (err) {
      logger.error({ err }, 'pruning expired credential records failed');
    }
  };
  const pruneTimer = background ? setInterval(() => void pruneCredentials(), PRUNE_EVERY_MS).unref() : undefined;
  // RETENTION_DAYS (issue 19, item 6): once a day, subjects inactive that long are purged. Every
  // instance may run it: a purge is idempotent, and each subject is purged by one statement.
  const retain = async (): Promise<void> => {
    if (config.retentionDays === undefined) return;
    try {
      const result = await purgeSubjects(store, { inactiveSince: now() - config.retentionDays * RETENTION_DAY_MS, now: now() });
      // Counts only: no id of a deleted subject is written anywhere.
      logger.info({ ...result, retentionDays: config.retentionDays }, 'inactive subjects purged');
    } catch (err) {
      logger.error({ err }, 'purging inactive subjects failed');
    }
  };
  const retentionTimer = background && config.retentionDays !== undefined ? setInterval(() => void retain(), RETENTION_DAY_MS).unref() : undefined;
  if (retentionTimer) void retain();

  let served: GatewayServer | undefined;
  let adminServed: GatewayServer | undefined;
  let stopping: Promise<'drained' | 'forced'> | undefined;
  const shutdown = (): Promise<'drained' | 'forced'> =>
    (stopping ??= (async () => {
      readiness.startDraining(now());
      clearInterval(pruneTimer);
      clearInterval(retentionTimer);
      certs.close();
      const outcomes = await Promise.all([served, adminServed].map((s) => (s ? s.drain(config.shutdownTimeoutMs, logger) : 'drained')));
      const outcome = outcomes.includes('forced') ? 'forced' : 'drained';
      await partners.close();
      await keySource.close();
      await statusLists.close();
      await limits.close();
      await store.close();
      return outcome;
    })());
  // Slow clients cannot hold a connection forever: the timeouts are configuration (http.*).
  const listenOn = (server: GatewayServer, port: number, host: string): Promise<Server> =>
    new Promise((resolve, reject) => {
      server.server.once('error', reject);
      server.server.listen(port, host, () => {
        server.server.off('error', reject);
        resolve(server.server);
      });
    });
  return {
    app,
    adminApp,
    adminServer: () => adminServed?.server,
    deps,
    verifiedCache,
    trustList,
    pools: { binding: bindingPool, issue: issuePool },
    async listen() {
      if (adminApp) {
        adminServed = createGatewayServer(adminApp, config.http);
        await listenOn(adminServed, config.adminPort!, config.adminHost ?? config.host);
      }
      served = createGatewayServer(app, config.http);
      return listenOn(served, config.port, config.host);
    },
    reloadKeys: () => certs.reload(),
    shutdown,
    async close() {
      await shutdown();
    },
  };
}
