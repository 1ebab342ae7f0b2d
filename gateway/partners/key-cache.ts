import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayConfig, Partner } from '../types/schemas.js';
import { fetchJwks, JwksFetchError, type JwksFailureReason } from './fetch-jwks.js';
import type { SkippedKey } from './key-skip-reasons.js';
import type { KeySource, KeyStatus, VerificationKey } from './key-source.js';
import { findKey } from './key-lookup.js';
import { PartnerFetchCache, transportOptions, type PartnerEntry, type RemoteSourceOptions } from './partner-fetch-cache.js';

/** Optional observers, e.g. Prometheus counters (partner ids are a bounded set: fine as labels). */
export interface KeyFetchHooks {
  /** `reason`: the failure's reason code (timeout, http_status, too_large, …), null on success. */
  onFetch?(partnerId: string, outcome: 'ok' | 'error', seconds: number, reason: string | null): void;
  /** A key was used past its refresh time because the last attempt to refresh it failed. */
  onStaleServed?(partnerId: string): void;
  /**
   * A key set was read: the keys skipped in it (possibly none), and, when the whole set was
   * refused, why. Called for every fetch that reached the partner and got an answer.
   */
  onKeySet?(partnerId: string, skipped: readonly SkippedKey[], refused: JwksFailureReason | null): void;
}

export type { PartnerLookup } from './partner-fetch-cache.js';

export interface RemoteKeySourceOptions extends RemoteSourceOptions {
  jwks: GatewayConfig['jwks'];
  /** Epoch ms; drives refresh, cooldown, back-off and staleness. */
  now?: () => number;
  hooks?: KeyFetchHooks;
  /** Exponential back-off after failures: first delay, and its bound (default 1 s, min(5 min, refresh)). */
  backoff?: { initialMs: number; maxMs: number };
}

export interface RemoteKeyStatus extends KeyStatus {
  /** Finer reason of the last failure (see JwksFailureReason); null after a success. */
  lastErrorReason: string | null;
}

const TRANSPORT_ONLY = new Set<string>(['insecure_uri', 'address_refused', 'timeout', 'network', 'http_status', 'redirect']);

type Entry = Readonly<PartnerEntry<VerificationKey[]>>;

/**
 * Partner keys fetched from their JWKS URIs, cached per partner id (keys belong to their issuer:
 * a lookup only ever searches the asking partner's own set). Refreshed in the background every
 * refreshSeconds, on demand when due, and — when a kid is unknown, the sign of a rotation — at
 * most once per partner per kidCooldownSeconds, with concurrent callers sharing one fetch. While a
 * partner is unreachable its last good keys keep working for staleMaxSeconds after the last
 * success (the EU DCC gateway's "keep working offline with the last good list"), then the keys
 * are unavailable: fail closed. The caching itself is partner-fetch-cache.ts.
 */
export class RemoteKeySource implements KeySource {
  private readonly cache: PartnerFetchCache<VerificationKey[]>;
  private readonly now: () => number;
  /** Per entry: a new entry (a reload changed jwksUri or algorithms) starts a new cooldown. */
  private readonly lastKidRefetchAt = new WeakMap<Entry, number>();
  /** Per partner: the keys skipped in the last set read (kept across transport failures). */
  private readonly skipped = new Map<string, SkippedKey[]>();

  constructor(private readonly options: RemoteKeySourceOptions) {
    this.now = options.now ?? Date.now;
    const { jwks, registry, allowInsecureLoopback } = options;
    this.cache = new PartnerFetchCache<VerificationKey[]>({
      // jwksUri + algorithms the keys were filtered for: a reload that changes them drops the keys.
      fingerprint: (p) => `${p.jwksUri}\n${p.algorithms.join(',')}`,
      empty: () => [],
      eligible: (id) => {
        const partner = registry.byId(id);
        return partner && partner.status === 'active' && partner.id !== registry.selfId ? partner : undefined;
      },
      fetch: async (partner, dispatcher) => {
        try {
          const result = await fetchJwks(partner, { dispatcher, timeoutMs: jwks.timeoutMs, maxBytes: jwks.maxBytes, maxKeys: jwks.maxKeys, allowInsecureLoopback });
          this.keySetRead(partner.id, result.skipped, null);
          return { data: result.keys, refreshMs: jwks.refreshSeconds * 1000 };
        } catch (error) {
          // A set that was read and refused is reported; a partner that could not be reached is not a new set.
          if (error instanceof JwksFetchError && !TRANSPORT_ONLY.has(error.reason)) this.keySetRead(partner.id, error.skipped ?? [], error.reason);
          throw error;
        }
      },
      failure: (error) => (error instanceof JwksFetchError ? error : new JwksFetchError('network', 'unexpected failure', error)),
      onFetch: (partnerId, failure, seconds) => options.hooks?.onFetch?.(partnerId, failure ? 'error' : 'ok', seconds, failure?.reason ?? null),
      staleMaxMs: jwks.staleMaxSeconds * 1000,
      ...transportOptions(options, jwks.timeoutMs, { initialMs: 1000, maxMs: Math.min(300_000, jwks.refreshSeconds * 1000) }),
    });
  }

  async getKey(partner: Partner, kid: string | undefined, alg: string): Promise<VerificationKey> {
    if (!(partner.algorithms as readonly string[]).includes(alg)) throw new GatewayError('ERR_JWS_ALG_NOT_ALLOWED');
    if (partner.status !== 'active') throw new GatewayError('ERR_ISSUER_SUSPENDED');
    // In back-off, a fetch already running (a refresh, a timer) is not waited for: fail at once.
    const { entry, fetched } = await this.cache.get(partner, { joinRunningFetch: false });
    if (!entry) throw new GatewayError('ERR_KEYS_UNAVAILABLE');
    const first = findKey(entry.data, kid, alg);
    if (first !== 'unknown') return this.served(partner.id, entry, first);
    // An unknown kid usually means the partner rotated: refetch, but at most once per cooldown
    // so a stream of made-up kids cannot turn the gateway into a load generator (RFC 8725 §3.10).
    if (entry.inflight) {
      await entry.inflight;
    } else if (!fetched && this.kidRefetchAllowed(entry)) {
      this.lastKidRefetchAt.set(entry, this.now());
      await this.cache.refetch(partner, entry);
    }
    if (!this.cache.fresh(entry)) throw new GatewayError('ERR_KEYS_UNAVAILABLE');
    const second = findKey(entry.data, kid, alg);
    if (second !== 'unknown') return this.served(partner.id, entry, second);
    // The last attempt to learn the partner's current keys failed: the kid may belong to a key
    // published since, which we cannot see. Say the keys are unavailable rather than that the
    // issuer has no such key (which would tell a checkpoint the code is forged).
    if (entry.lastErrorCode !== null) throw new GatewayError('ERR_KEYS_UNAVAILABLE');
    throw new GatewayError('ERR_KID_UNKNOWN');
  }

  status(partnerId: string): RemoteKeyStatus {
    const e = this.cache.peek(partnerId);
    const skipped = this.skipped.get(partnerId);
    return {
      keyCount: e?.data.length ?? 0,
      lastFetchAt: e?.lastFetchAt ?? null,
      lastErrorCode: e?.lastErrorCode ?? null,
      lastErrorReason: e?.lastErrorReason ?? null,
      ...(skipped ? { skippedKeys: skipped } : {}),
    };
  }

  async snapshot(partner: Partner): Promise<readonly VerificationKey[] | null> {
    if (partner.status !== 'active') return null;
    const { entry } = await this.cache.get(partner, { joinRunningFetch: false });
    return entry ? entry.data : null;
  }

  /** Fetches one partner's keys now (single-flight); resolves either way — see status(). */
  refresh(partnerId: string): Promise<void> {
    return this.cache.refresh(partnerId);
  }

  /** Warms up every active partner (not the gateway's own issuer); resolves when all have settled. */
  async refreshAll(): Promise<void> {
    const ids = this.options.registry.list().filter((p) => p.status === 'active' && p.id !== this.options.registry.selfId).map((p) => p.id);
    await Promise.all(ids.map((id) => this.refresh(id)));
  }

  close(): Promise<void> {
    this.skipped.clear();
    return this.cache.close();
  }

  /**
   * Reports a key used past its refresh time while the partner is unreachable (the last attempt
   * failed): the stale window of staleMaxSeconds is in use, which an operator should see.
   */
  private served(partnerId: string, e: Entry, key: VerificationKey): VerificationKey {
    if (e.lastErrorCode !== null && e.lastFetchAt !== null && this.now() - e.lastFetchAt >= e.refreshMs) {
      try {
        this.options.hooks?.onStaleServed?.(partnerId);
      } catch { /* an observer must never break verification */ }
    }
    return key;
  }

  private keySetRead(partnerId: string, skipped: SkippedKey[], refused: JwksFailureReason | null): void {
    this.skipped.set(partnerId, skipped);
    try {
      this.options.hooks?.onKeySet?.(partnerId, skipped, refused);
    } catch { /* an observer must never break fetching */ }
  }

  private kidRefetchAllowed(e: Entry): boolean {
    const now = this.now();
    const last = this.lastKidRefetchAt.get(e);
    const cooled = last === undefined || now - last >= this.options.jwks.kidCooldownSeconds * 1000;
    return cooled && now >= e.nextAttemptAt;
  }
}
