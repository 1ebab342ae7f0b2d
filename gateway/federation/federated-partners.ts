import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Config } from '../config/load-config.js';
import type { Metrics } from '../observability/metrics.js';
import { loadPartners, PartnerRegistry } from '../partners/registry.js';
import type { Store } from '../store/store.js';
import type { Partner } from '../types/schemas.js';
import { mergePartners, type MergedPartners, type SourceOf } from './partner-sources.js';
import { TrustListHolder } from './trust-list-holder.js';
import { readPinnedKeys } from './trust-list-jws.js';
import { TrustListMetrics } from './trust-list-metrics.js';

export interface ConnectOptions {
  store: Store;
  metrics: Metrics;
  now: () => number;
  background: boolean;
  dispatcher?: Dispatcher | undefined;
  /** The set of partners changed because of the list (new members' keys may be warmed up). */
  onListChanged(): void;
}

/**
 * The partners of a gateway: its PARTNERS_DIR files merged with the members of the federation's
 * trust list when TRUST_LIST_URI is set (partner-sources.ts says how they combine). Owns the
 * registry's contents: a reload re-reads the files, a new list (or its lapse) re-merges.
 */
export class FederatedPartners {
  readonly registry: PartnerRegistry;
  trustList: TrustListHolder | undefined;
  private local: readonly Partner[];
  private listed: readonly Partner[] = [];
  private merged: MergedPartners;

  private constructor(
    private readonly config: Config,
    private readonly self: Partner,
    private readonly logger: Logger,
    private readonly pinned: Awaited<ReturnType<typeof readPinnedKeys>> | undefined,
  ) {
    this.local = loadPartners(config.partnersDir, this.partnerOptions);
    this.merged = mergePartners(this.listed, this.local, self);
    this.registry = new PartnerRegistry(this.merged.partners, self);
  }

  /** Reads the partner files and the federation's pinned keys; any problem stops the start. */
  static async load(config: Config, self: Partner, logger: Logger): Promise<FederatedPartners> {
    const pinned = config.trustList.uri ? await readPinnedKeys(config.trustList.keysFile!) : undefined;
    return new FederatedPartners(config, self, logger, pinned);
  }

  private get partnerOptions(): { allowInsecureLoopback: boolean } {
    return { allowInsecureLoopback: this.config.allowInsecureLoopbackJwks };
  }

  sourceOf(id: string): SourceOf {
    return this.merged.sources.get(id) ?? { source: 'local' };
  }

  /** Creates the trust-list holder (metrics exist either way, so dashboards and alerts can name them). */
  connect(options: ConnectOptions): void {
    const { config, logger } = this;
    const metrics = new TrustListMetrics(options.metrics.registry, options.now);
    const uri = config.trustList.uri;
    if (!this.pinned || !uri) return;
    const holder = new TrustListHolder({
      uri,
      pinned: this.pinned,
      partnerOptions: this.partnerOptions,
      timeoutMs: config.jwks.timeoutMs,
      maxBytes: config.trustList.maxBytes,
      staleMaxSeconds: config.trustList.staleMaxSeconds,
      now: options.now,
      background: options.background,
      dispatcher: options.dispatcher,
      onAddressRefused: (cls) => options.metrics.fetchAddressesRefused.inc({ class: cls }),
      onMembers: (members) => {
        const previous = this.listed;
        this.listed = members;
        try {
          this.apply();
        } catch (err) {
          this.listed = previous;
          logger.error({ err }, 'trust list members conflict with the local partners; the current partners stay');
          return;
        }
        logger.info({ members: members.length, sequence: holder.status().sequence }, members.length > 0 ? 'trust list applied' : 'trust list no longer in force: its members are refused');
        options.onListChanged();
      },
      persisted: {
        read: () => options.store.trustListHeld(uri).catch((err: unknown) => {
          logger.error({ err }, 'reading the trust-list sequence held failed; the one in memory applies');
          return undefined;
        }),
        record: async (held) => {
          await options.store.recordTrustList(uri, held, options.now()).catch((err: unknown) => logger.error({ err }, 'recording the trust-list sequence failed'));
        },
      },
      onFetch(outcome, _seconds, detail) {
        metrics.fetched(outcome);
        if (outcome !== 'ok' && outcome !== 'unchanged') logger.warn({ outcome, detail }, 'trust list refused or unreachable');
      },
    });
    metrics.status = () => holder.status();
    this.trustList = holder;
  }

  /** Re-reads PARTNERS_DIR (throws, keeping the current partners, when a file is invalid), then refreshes the list. */
  async reload(): Promise<void> {
    this.local = loadPartners(this.config.partnersDir, this.partnerOptions);
    this.apply();
    await this.trustList?.refresh();
  }

  async close(): Promise<void> {
    await this.trustList?.close();
  }

  /** Re-merges files and members into the registry; a conflicting set throws and leaves the current one. */
  private apply(): void {
    const next = mergePartners(this.listed, this.local, this.self);
    this.registry.reload(next.partners);
    this.merged = next;
    for (const note of next.ignored) this.logger.warn({ note }, 'local partner file set aside');
  }
}
