import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import type { Dispatcher } from 'undici';
import type { Partner } from '../types/schemas.js';
import { createSafeDispatcher } from './safe-dispatcher.js';
import type { AddressClass } from './address-policy.js';

/** The partner registry as the remote sources see it (registry.ts). */
export interface PartnerLookup {
  byId(id: string): Partner | undefined;
  list(): readonly Partner[];
  readonly selfId?: string | undefined;
}

/** The options every remote source (keys, status lists) takes besides its own settings. */
export interface RemoteSourceOptions {
  registry: PartnerLookup;
  allowInsecureLoopback: boolean;
  /** Epoch ms; drives refresh, back-off and staleness. */
  now?: () => number;
  /** Without one, a safe dispatcher is created (and closed by close()). */
  dispatcher?: Dispatcher;
  /** Background refresh timers (default on). */
  background?: boolean;
  /** Exponential back-off after failures: first delay, and its bound (defaults: see each source). */
  backoff?: { initialMs: number; maxMs: number };
  /** Observer of connections the address policy refused, by address class (own dispatcher only). */
  onAddressRefused?: (cls: AddressClass) => void;
}

/** A failed fetch as recorded: the stable error code and the finer reason (for status and logs). */
export interface FetchFailure { code: string; reason: string }

/** What one successful fetch yields: the data, and how long until it should be refreshed. */
export interface Fetched<T> { data: T; refreshMs: number }

/** One partner's cached data and fetch bookkeeping. Users read it; only the cache writes it. */
export interface PartnerEntry<T> {
  /** What the data was fetched for (URI, …): a reload that changes it drops the entry. */
  readonly fingerprint: string;
  data: T;
  lastFetchAt: number | null;
  /** Refresh period set by the last success (read only once there has been one). */
  refreshMs: number;
  lastErrorCode: string | null;
  lastErrorReason: string | null;
  failures: number;
  nextAttemptAt: number;
  inflight: Promise<void> | null;
  timer: NodeJS.Timeout | null;
}

export interface PartnerFetchCacheOptions<T> {
  fingerprint(partner: Partner): string;
  /** The data of a new entry, before its first success. */
  empty(): T;
  /** The partner refresh(id) and background timers fetch for; undefined when it has nothing to fetch. */
  eligible(partnerId: string): Partner | undefined;
  /** Throws on failure; `failure` reads what was thrown. */
  fetch(partner: Partner, dispatcher: Dispatcher): Promise<Fetched<T>>;
  failure(error: unknown): FetchFailure;
  /** Called after every attempt, before its result is stored; a throwing observer is ignored. */
  onFetch?(partnerId: string, failure: FetchFailure | null, seconds: number): void;
  /** How long after the last success its data may still be used. */
  staleMaxMs: number;
  /** When the data itself says it was made (epoch ms): staleness counts from then instead of the fetch. */
  asOf?(data: T): number;
  /** Exponential back-off after failures: first delay, and its bound. */
  backoff: { initialMs: number; maxMs: number };
  now: () => number;
  /** Background refresh timers (unref'd: they never keep the process alive). */
  background: boolean;
  /** Without one, a safe dispatcher is created (and closed by close()). */
  dispatcher: Dispatcher | undefined;
  timeoutMs: number;
  allowInsecureLoopback: boolean;
  onAddressRefused?: ((cls: AddressClass) => void) | undefined;
}

/** The transport part of a cache's options, read the same way by every remote source. */
export type TransportOptions = Pick<
  PartnerFetchCacheOptions<unknown>,
  'backoff' | 'now' | 'background' | 'dispatcher' | 'timeoutMs' | 'allowInsecureLoopback' | 'onAddressRefused'
>;

/** What a remote source (keys, JSON or Token Status Lists) passes to its cache from its own options. */
export function transportOptions(options: RemoteSourceOptions, timeoutMs: number, defaultBackoff: { initialMs: number; maxMs: number }): TransportOptions {
  return {
    backoff: options.backoff ?? defaultBackoff,
    now: options.now ?? Date.now,
    background: options.background !== false,
    dispatcher: options.dispatcher,
    timeoutMs,
    allowInsecureLoopback: options.allowInsecureLoopback,
    onAddressRefused: options.onAddressRefused,
  };
}

/**
 * Data fetched from partners (their keys, their status lists), cached per partner id: single-flight
 * fetches, refresh behind the answer when due, exponential back-off after failures, background
 * refresh timers. While a partner is unreachable its last good data keeps working for staleMaxMs
 * after the last success (the EU DCC rule: verifiers keep working offline with the last good list),
 * then it is unavailable and the user fails closed.
 */
export class PartnerFetchCache<T> {
  private readonly entries = new LRUCache<string, PartnerEntry<T>>({ max: 1024, dispose: (e) => { if (e.timer) clearTimeout(e.timer); } });
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: Dispatcher | null;
  private closed = false;

  constructor(private readonly options: PartnerFetchCacheOptions<T>) {
    const { timeoutMs, allowInsecureLoopback, onAddressRefused } = options;
    this.ownDispatcher = options.dispatcher ? null : createSafeDispatcher({ timeoutMs, allowInsecureLoopback, ...(onAddressRefused ? { onRefused: onAddressRefused } : {}) });
    this.dispatcher = options.dispatcher ?? this.ownDispatcher!;
  }

  /**
   * The partner's entry when it holds fresh data, fetching first when it does not and back-off
   * allows (or, with joinRunningFetch, waiting for a fetch already running); null when no fresh data
   * could be had. Fresh but due data is answered at once and refreshed behind (stale-while-revalidate).
   * `fetched`: this call waited for a fetch it asked for.
   */
  async get(partner: Partner, { joinRunningFetch }: { joinRunningFetch: boolean }): Promise<{ entry: Readonly<PartnerEntry<T>> | null; fetched: boolean }> {
    const entry = this.entry(partner);
    if (this.fresh(entry)) {
      if (this.due(entry)) void this.refreshEntry(partner, entry);
      return { entry, fetched: false };
    }
    let fetched = false;
    if (joinRunningFetch && entry.inflight) {
      await entry.inflight;
    } else if (this.options.now() >= entry.nextAttemptAt) {
      fetched = true;
      await this.refreshEntry(partner, entry);
    }
    return { entry: this.fresh(entry) ? entry : null, fetched };
  }

  peek(partnerId: string): Readonly<PartnerEntry<T>> | undefined {
    return this.entries.peek(partnerId);
  }

  fresh(e: Readonly<PartnerEntry<T>>): boolean {
    if (e.lastFetchAt === null) return false;
    const at = this.options.asOf ? this.options.asOf(e.data) : e.lastFetchAt;
    return this.options.now() - at <= this.options.staleMaxMs;
  }

  /** Fetches into `entry` now, sharing a fetch already running. */
  refetch(partner: Partner, entry: Readonly<PartnerEntry<T>>): Promise<void> {
    return this.refreshEntry(partner, entry as PartnerEntry<T>);
  }

  /** Fetches one partner's data now (single-flight); resolves either way — see peek(). */
  async refresh(partnerId: string): Promise<void> {
    const partner = this.options.eligible(partnerId);
    if (!partner) return;
    await this.refreshEntry(partner, this.entry(partner));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.entries.clear(); // dispose clears every timer
    await this.ownDispatcher?.close();
  }

  private entry(partner: Partner): PartnerEntry<T> {
    const fingerprint = this.options.fingerprint(partner);
    const existing = this.entries.get(partner.id);
    if (existing && existing.fingerprint === fingerprint) return existing;
    const created: PartnerEntry<T> = {
      fingerprint, data: this.options.empty(), lastFetchAt: null, refreshMs: 0, lastErrorCode: null, lastErrorReason: null,
      failures: 0, nextAttemptAt: 0, inflight: null, timer: null,
    };
    this.entries.set(partner.id, created);
    return created;
  }

  private due(e: PartnerEntry<T>): boolean {
    const now = this.options.now();
    return e.inflight === null && now >= e.nextAttemptAt && (e.lastFetchAt === null || now - e.lastFetchAt >= e.refreshMs);
  }

  /** Single-flight: the promise is stored synchronously, so every concurrent caller shares it. */
  private refreshEntry(partner: Partner, e: PartnerEntry<T>): Promise<void> {
    if (this.closed) return Promise.resolve();
    e.inflight ??= this.fetchInto(partner, e).finally(() => { e.inflight = null; });
    return e.inflight;
  }

  private async fetchInto(partner: Partner, e: PartnerEntry<T>): Promise<void> {
    const started = performance.now();
    let fetched: Fetched<T> | null = null;
    let failure: FetchFailure | null = null;
    try {
      fetched = await this.options.fetch(partner, this.dispatcher);
    } catch (error) {
      failure = this.options.failure(error);
    }
    const seconds = (performance.now() - started) / 1000;
    try {
      this.options.onFetch?.(partner.id, failure, seconds);
    } catch { /* an observer (metrics, logs) must never break fetching */ }
    if (this.entries.peek(partner.id) !== e) return; // dropped (reload or close) while fetching
    const now = this.options.now();
    if (fetched) {
      Object.assign(e, { data: fetched.data, lastFetchAt: now, refreshMs: fetched.refreshMs, lastErrorCode: null, lastErrorReason: null, failures: 0, nextAttemptAt: now });
      this.schedule(partner.id, e, fetched.refreshMs);
    } else {
      e.failures += 1;
      const { initialMs, maxMs } = this.options.backoff;
      const delay = Math.min(maxMs, initialMs * 2 ** Math.min(e.failures - 1, 30));
      Object.assign(e, { lastErrorCode: failure!.code, lastErrorReason: failure!.reason, nextAttemptAt: now + delay });
      this.schedule(partner.id, e, delay);
    }
  }

  private schedule(partnerId: string, e: PartnerEntry<T>, delayMs: number): void {
    if (!this.options.background || this.closed) return;
    if (e.timer) clearTimeout(e.timer);
    e.timer = setTimeout(() => { e.timer = null; void this.refresh(partnerId); }, delayMs);
    e.timer.unref();
  }
}
