import type { AppDeps } from '../app.js';
import { loadRules } from '../color/rules-file.js';
import { mayGenerateSecrets } from '../config/production.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';
import type { WorkPool } from '../admission/work-pool.js';
import { ensureSigningKey, loadOrCreatePepper } from '../issuer/bootstrap-secrets.js';
import { CertsReloader } from '../issuer/certs-reloader.js';
import { buildIssuerMetadata, partnerFromIssuerMetadata } from '../issuer/issuer-metadata.js';
import { Keystore } from '../issuer/keystore.js';
import type { Store } from '../store/store.js';
import { OwnStatusList } from '../status-list/own-status-list.js';
import type { IssuerMetadata, Partner } from '../types/schemas.js';
import { DeclarationQueue } from '../declarations/declaration-queue.js';
import { admissionPool, type WiringContext } from './context.js';
import { codeLayoutSettings } from '../issuer/sign-credential.js';

const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_MARGIN_MS = 86_400_000;

/** What the gateway signs with and by: read before anything else, so a bad key or rule stops the start first. */
export interface Signing {
  keystore: Keystore;
  pepper: Buffer;
  rules: IssuerDeps['rules'];
  /** Watches CERTS_DIR (SIGHUP or a change) and swaps the keys and pepper in. */
  certs: CertsReloader;
  metadata: IssuerMetadata;
  /** The gateway itself as a partner: its own codes are recognised like any city's. */
  self: Partner;
}

/** Keys and pepper (generated in development only), colour rules and the issuer's metadata. */
export async function loadSigning(ctx: WiringContext): Promise<Signing> {
  const { config, now, logger, metrics } = ctx;
  const generate = mayGenerateSecrets(config);
  await ensureSigningKey(config.certsDir, config.issuer.signingAlg, now(), logger, generate);
  const pepper = loadOrCreatePepper(config.certsDir, logger, generate);
  // A retired key stays published while a code or a printed pass (通行证) it signed may still be presented.
  const keystore = await Keystore.load(config.certsDir, (Math.max(config.credentialTtlSeconds, config.passTtlSeconds) + config.clockToleranceSeconds) * 1000);
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
  if (ctx.options.watchCerts ?? ctx.background) certs.watch();
  const metadata = buildIssuerMetadata(config, keystore.algorithms());
  return { keystore, pepper, rules, certs, metadata, self: partnerFromIssuerMetadata(metadata) };
}

export interface Issuing {
  /** What declaring, fetching codes, the status list and proxy consent need. */
  deps: IssuerDeps;
  /** Admission of declarations' scrypt. */
  pool: WorkPool;
  /** Xinji's Token Status List, kept built (status-list/own-status-list.ts). */
  ownStatusList: OwnStatusList;
  /** Adds a listener told when a code of this process stopped being valid (the trust bundle's). */
  onStatusChange(listener: () => void): void;
  app: Pick<AppDeps, 'metadata' | 'tokenStatusList'> & IssuerDeps;
  /** Starts the hourly pruning of expired records (when background work runs); returns its stop. */
  startPruning(): () => void;
  /** The launch-day queue (absent when DECLARATION_QUEUE_ENABLED is false). */
  queue: DeclarationQueue | undefined;
  /** Stops taking queued jobs and waits for the ones running. */
  stopQueue(): Promise<void>;
}

/** Declarations, codes and their records: the issuer's side of the gateway. */
export function wireIssuing(ctx: WiringContext, signing: Signing, store: Store): Issuing {
  const { config, now, logger, metrics } = ctx;
  const { admission } = config;
  const pool = admissionPool(ctx, 'issue', admission.issueConcurrency, admission.issueQueue);
  // Xinji's Token Status List is kept built; a code withdrawn here rebuilds it (and the trust bundle) at the next read.
  const ownStatusList = new OwnStatusList({ store, keystore: signing.keystore, issuer: config.issuer.url, now, lifetimeSeconds: config.jwks.staleMaxSeconds });
  const listeners: Array<() => void> = [() => ownStatusList.changed()];
  const onStatusChange = (): void => {
    for (const listener of listeners) listener();
  };
  // Issue 22: declarations that find the issue pool busy are stored and bound later, from the store.
  const queue = config.declarationQueue.enabled
    ? new DeclarationQueue({ store, pepper: () => signing.pepper, pool, scryptLogN: config.binding.scryptLogN, bindingMethod: codeLayoutSettings(config.issuer.codeLayout).bindingMethod, metrics, logger, now, pollMs: config.declarationQueue.pollMs })
    : undefined;
  metrics.declarationQueueStats = () => store.declarationQueueStats();
  metrics.declarationQueueNow = now;
  if (queue && ctx.background) queue.start(config.declarationQueue.worker);
  const deps: IssuerDeps = { config, store, keystore: signing.keystore, rules: signing.rules, pepper: signing.pepper, now, metrics, issuePool: pool, onStatusChange, declarationQueue: queue };

  // Every fresh code adds a record; once a code is past exp + tolerance it is refused on its exp
  // alone, so its record goes (hourly, with a day's margin for the status list and audits).
  const prune = async (): Promise<void> => {
    try {
      const pruned = await store.deleteExpiredCredentials(now() - PRUNE_MARGIN_MS);
      if (pruned > 0) logger.info({ pruned }, 'expired credential records pruned');
      // Lapsed proxy requests are never listed nor approvable; only their rows are left to go.
      const lapsed = await store.deleteExpiredProxyRequests(now());
      if (lapsed > 0) logger.info({ lapsed }, 'expired proxy requests pruned');
      // Recovery codes (5 minutes) and counter claims (7 days) are never honoured past expiry (issue 17).
      const spent = await store.deleteExpiredOneTimeCodes(now());
      if (spent.recoveryCodes + spent.documentClaims > 0) logger.info(spent, 'expired one-time codes pruned');
    } catch (err) {
      logger.error({ err }, 'pruning expired credential records failed');
    }
  };
  const startPruning = (): (() => void) => {
    const timer = ctx.background ? setInterval(() => void prune(), PRUNE_EVERY_MS).unref() : undefined;
    return () => clearInterval(timer);
  };
  return {
    deps,
    pool,
    ownStatusList,
    onStatusChange: (listener) => listeners.push(listener),
    app: { ...deps, metadata: signing.metadata, tokenStatusList: () => ownStatusList.current() },
    startPruning,
    queue,
    stopQueue: async () => queue?.stop(),
  };
}
