import type { AppDeps } from '../app.js';
import type { IssuerDeps } from '../declarations/code-issuer.js';
import { FederatedPartners } from '../federation/federated-partners.js';
import type { TrustListHolder } from '../federation/trust-list-holder.js';
import type { Keystore } from '../issuer/keystore.js';
import { watchDirectory } from '../runtime/directory-watch.js';
import type { Store } from '../store/store.js';
import type { Partner } from '../types/schemas.js';
import { buildTrustBundle, signTrustBundle, type TrustBundleDeps } from '../trust/trust-bundle.js';
import { TrustBundleHolder } from '../trust/trust-bundle-holder.js';
import type { OwnStatusList } from '../status-list/own-status-list.js';
import type { WiringContext } from './context.js';
import type { Recognition } from './recognition.js';

/** The partner files, merged with the federation's trust list when TRUST_LIST_URI is set; read before the store opens. */
export function loadPartners(ctx: WiringContext, self: Partner): Promise<FederatedPartners> {
  return FederatedPartners.load(ctx.config, self, ctx.logger);
}

export interface Federation {
  /** The federation's trust list (absent without TRUST_LIST_URI). */
  trustList: TrustListHolder | undefined;
  app: Pick<AppDeps, 'sourceOf' | 'reloadPartners' | 'trustBundle'>;
  /** Stops watching PARTNERS_DIR (at shutdown). */
  stopWatching(): void;
}

export interface FederationParts {
  partners: FederatedPartners;
  store: Store;
  recognition: Recognition;
  keystore: Keystore;
  issuer: IssuerDeps;
  /** Xinji's own Token Status List, and a way to hear that it changed. */
  ownStatusList: OwnStatusList;
  onStatusChange(listener: () => void): void;
}

/** Who this gateway trusts and tells others it trusts: the trust list, partner reloads, the signed trust bundle. */
export function wireFederation(ctx: WiringContext, { partners, store, recognition, keystore, ownStatusList, onStatusChange }: FederationParts): Federation {
  const { config, options, now, background, logger, metrics } = ctx;
  const { registry } = partners;
  const { remote } = recognition;
  partners.connect({
    store, metrics, now,
    background,
    dispatcher: options.dispatcher,
    onListChanged: () => { if (background) void remote.refreshAll(); },
  });

  let bundle: TrustBundleHolder | undefined;
  async function reloadPartners(): Promise<number> {
    await partners.reload();
    bundle?.changed();
    metrics.zeroBoundedLabels();
    void remote.refreshAll();
    logger.info({ partners: registry.list().length }, 'partners reloaded');
    return registry.list().length;
  }

  // Every replica follows a changed partner ConfigMap (or file) by itself, without an HTTP call.
  const watching = (options.watchPartners ?? background)
    ? watchDirectory(config.partnersDir, () => {
        reloadPartners().catch((err: unknown) => logger.error({ err }, 'partner reload refused; the current partners stay'));
      }, { logger, what: 'PARTNERS_DIR', fallback: 'partners are reloaded on SIGHUP or POST /v1/admin/partners/reload only' })
    : undefined;

  // Every partner's keys and status list, signed, for offline verifiers (trust/trust-bundle.ts).
  const trustDeps: TrustBundleDeps = {
    issuer: config.issuer.url,
    registry,
    keySource: recognition.keySource,
    statusLists: recognition.statusLists,
    tokenStatusLists: recognition.tokenStatusLists,
    ownStatusList: () => ownStatusList.current(),
    clockToleranceSeconds: config.clockToleranceSeconds,
    lifetimeSeconds: config.jwks.staleMaxSeconds,
    now,
  };
  // Kept in memory, made again when a key, a partner or a status list changed (trust-bundle-holder.ts).
  bundle = new TrustBundleHolder({ build: () => buildTrustBundle(trustDeps), sign: (b) => signTrustBundle(b, keystore.activeKey()), now });
  const held = bundle;
  onStatusChange(() => held.changed());
  return {
    trustList: partners.trustList,
    stopWatching: () => watching?.close(),
    app: {
      sourceOf: (id: string) => partners.sourceOf(id),
      reloadPartners,
      trustBundle: () => held.current(),
    },
  };
}
