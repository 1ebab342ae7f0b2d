import type { Server } from 'node:http';
import type { Express } from 'express';
import type { AppDeps } from './app.js';
import type { Config } from './config/load-config.js';
import type { WorkPool } from './admission/work-pool.js';
import type { DeclarationQueue } from './declarations/declaration-queue.js';
import type { TrustListHolder } from './federation/trust-list-holder.js';
import type { RemoteTokenStatusSource } from './partners/token-status-cache.js';
import type { CertsReloadOutcome } from './issuer/certs-reloader.js';
import type { VerifiedCache } from './verify/verified-cache.js';
import type { ValidOutcome } from './verify/verify-code.js';
import { openGatewayStore, wiringContext, type GatewayOptions } from './wiring/context.js';
import { wireCheckpoint } from './wiring/checkpoint.js';
import { loadPartners, wireFederation } from './wiring/federation.js';
import { loadSigning, wireIssuing } from './wiring/issuing.js';
import { wireOperations, wireServing } from './wiring/operations.js';
import { loadServedFiles } from './wiring/served-files.js';
import { wireRecognition } from './wiring/recognition.js';
import { wirePeople } from './wiring/people.js';
import { wireLimits } from './wiring/limits.js';
import { startRetention } from './wiring/retention.js';

export type { GatewayOptions } from './wiring/context.js';

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
  /** Partners' Token Status Lists (their fetch status, a refresh now). */
  tokenStatusLists: RemoteTokenStatusSource;
  /** Verified results of recently scanned codes (absent when VERIFY_CACHE_MAX_ENTRIES is 0). */
  verifiedCache: VerifiedCache<ValidOutcome> | undefined;
  /** The admission pools of slow work: partner bindings at checkpoints, and declarations. */
  pools: { binding: WorkPool; issue: WorkPool };
  /** The launch-day queue of declarations (absent when DECLARATION_QUEUE_ENABLED is false). */
  declarationQueue: DeclarationQueue | undefined;
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
 * Any problem stops the start with a message naming the file or setting at fault. Each concern
 * builds its part from the configuration and the store in a module of its own under wiring/;
 * a new feature adds a module there and one line here.
 */
export async function createGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const ctx = wiringContext(config, options);
  // Read first, so a bad key, rule or partner file stops the start before the store is opened.
  const signing = await loadSigning(ctx);
  const partners = await loadPartners(ctx, signing.self);
  const store = await openGatewayStore(ctx);
  const limits = await wireLimits(ctx, store);

  const issuing = wireIssuing(ctx, signing, store);
  const recognition = wireRecognition(ctx, { registry: partners.registry, self: signing.self, keystore: signing.keystore, issuer: issuing.deps });
  const federation = wireFederation(ctx, { partners, store, recognition, keystore: signing.keystore, issuer: issuing.deps, ownStatusList: issuing.ownStatusList, onStatusChange: issuing.onStatusChange });
  const checkpoint = wireCheckpoint(ctx, signing.pepper, limits.mismatches);
  const pools = { binding: checkpoint.pool, issue: issuing.pool };
  const operations = wireOperations(ctx, { store, keystore: signing.keystore, registry: partners.registry, pools });
  const deps: AppDeps = { ...issuing.app, ...recognition.app, ...federation.app, ...checkpoint.app, ...operations, ...loadServedFiles(ctx), ...wirePeople(ctx, limits), limits };

  // Keys are warmed up at start; a status list is fetched on the first code of its partner (that
  // verification awaits it, single-flight) and then kept fresh by the timer: a list read before
  // that first code would only be older by then.
  // The list is fetched once before serving (a start without it recognises the local partners
  // only, and keeps trying), so members are known from the first request when the list answers.
  await federation.trustList?.refresh();
  if (ctx.background) void recognition.remote.refreshAll();
  const stopPruning = issuing.startPruning();
  const stopRetention = startRetention(ctx, store);

  const serving = wireServing(ctx, {
    deps,
    stopBackground: [stopPruning, stopRetention, () => signing.certs.close(), () => federation.stopWatching()],
    // The queue's workers finish the jobs they hold before the store closes (issue 22).
    closeAfterDrain: [() => issuing.stopQueue(), () => partners.close(), () => recognition.keySource.close(), () => recognition.statusLists.close(), () => recognition.tokenStatusLists.close(), () => limits.close(), () => store.close()],
  });
  return {
    ...serving,
    deps,
    verifiedCache: recognition.verifiedCache,
    trustList: federation.trustList,
    tokenStatusLists: recognition.tokenStatusLists,
    pools,
    declarationQueue: issuing.queue,
    reloadKeys: () => signing.certs.reload(),
    async close() {
      await serving.shutdown();
    },
  };
}
