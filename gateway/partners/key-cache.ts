import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import type { Dispatcher } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayConfig, Partner } from '../types/schemas.js';
import { fetchJwks, JwksFetchError, type FetchJwksOptions } from './fetch-jwks.js';
import type { FilterResult } from './jwk-filter.js';
import type { KeySource, KeyStatus, VerificationKey } from './key-source.js';
import { createSafeDispatcher } from './safe-dispatcher.js';
import { findKey } from './key-lookup.js';

/** Optional observers, e.g. Prometheus counters (partner ids are a bounded set: fine as labels). */
export interface KeyFetchHooks {
  onFetch?(partnerId: string, outcome: 'ok' | 'error', seconds: number): void;
}

export interface PartnerLookup {
  byId(id: string): Partner | undefined;
  list(): readonly Partner[];
  readonly selfId?: string | undefined;
}

export interface RemoteKeySourceOptions {
  registry: PartnerLookup;
  jwks: GatewayConfig['jwks'];
  allowInsecureLoopback: boolean;
  /** Epoch ms; drives refresh, cooldown, back-off and staleness. */
  now?: () => number;
  /** Without one, a safe dispatcher is created (and closed by close()). */
  dispatcher?: Dispatcher;
  hooks?: KeyFetchHooks;
  /** Background refresh timers (default on). */
  background?: boolean;
  /** Exponential back-off after failures: first delay, and its bound (default 1 s, min(5 min, refresh)). */
  backoff?: { initialMs: number; maxMs: number };
}

export interface RemoteKeyStatus extends KeyStatus {
  /** Finer reason of the last failure (see JwksFailureReason); null after a success. */
  lastErrorReason: string | null;
}

interface Entry {
  /** jwksUri + algorithms the keys were filtered for: a reload that changes them drops the keys. */
  fingerprint: string;
  keys: VerificationKey[];
  lastFetchAt: number | null;
  lastErrorCode: string | null;
  lastErrorReason: string | null;
  failures: number;
  nextAttemptAt: number;
  lastKidRefetchAt: number | null;
  inflight: Promise<void> | null;
  timer: NodeJS.Timeout | null;
}

const fingerprint = (p: Partner): string => `${p.jwksUri}\n${p.algorithms.join(',')}`;

/**
 * Partner keys fetched from their JWKS URIs, cached per partner id (keys belong to their issuer:
 * a lookup only ever searches the asking partner's own set). Refreshed in the background every
 * refreshSeconds, on demand when due, and — when a kid is unknown, the sign of a rotation — at
 * most once per partner per kidCooldownSeconds, with concurrent callers sharing one fetch. While a
 * partner is unreachable its last good keys keep working for staleMaxSeconds after the last
 * success (the EU DCC gateway's "keep working offline with the last good list"), then the keys
 * are unavailable: fail closed.
 */
export class RemoteKeySource implements KeySource {
  private readonly entries: LRUCache<string, Entry>;
  private readonly now: () => number;
  private readonly fetchOptions: FetchJwksOptions;
  private readonly ownDispatcher: Dispatcher | null;
  private readonly backoff: { initialMs: number; maxMs: number };
  private closed = false;

  constructor(private readonly options: RemoteKeySourceOptions) {
    this.now = options.now ?? Date.now;
    const { jwks } = options;
    this.ownDispatcher = options.dispatcher ? null : createSafeDispatcher({ timeoutMs: jwks.timeoutMs, allowInsecureLoopback: options.allowInsecureLoopback });
    this.fetchOptions = {
      dispatcher: options.dispatcher ?? this.ownDispatcher!,
      timeoutMs: jwks.timeoutMs,
      maxBytes: jwks.maxBytes,
      maxKeys: jwks.maxKeys,
      allowInsecureLoopback: options.allowInsecureLoopback,
    };
    this.backoff = options.backoff ?? { initialMs: 1000, maxMs: Math.min(300_000, jwks.refreshSeconds * 1000) };
    this.entries = new LRUCache<string, Entry>({ max: 1024, dispose: (e) => { if (e.timer) clearTimeout(e.timer); } });
  }

  async getKey(partner: Partner, kid: string, alg: string): Promise<VerificationKey> {
    if (!(partner.algorithms as readonly string[]).includes(alg)) throw new GatewayError('ERR_JWS_ALG_NOT_ALLOWED');
    if (partner.status !== 'active') throw new GatewayError('ERR_ISSUER_SUSPENDED');
    const entry = this.entry(partner);
    let fetched = false;
    if (!this.fresh(entry)) {
      if (this.now() >= entry.nextAttemptAt) {
        fetched = true;
        await this.refreshEntry(partner, entry);
      }
      if (!this.fresh(entry)) throw new GatewayError('ERR_KEYS_UNAVAILABLE');
    } else if (this.due(entry)) {
      void this.refreshEntry(partner, entry); // stale-while-revalidate: answer now, refresh behind
    }
    const first = findKey(entry.keys, kid, alg);
    if (first !== 'unknown') return first;
    // An unknown kid usually means the partner rotated: refetch, but at most once per cooldown
    // so a stream of made-up kids cannot turn the gateway into a load generator (RFC 8725 §3.10).
    if (entry.inflight) {
      await entry.inflight;
    } else if (!fetched && this.kidRefetchAllowed(entry)) {
      entry.lastKidRefetchAt = this.now();
      await this.refreshEntry(partner, entry);
    }
    if (!this.fresh(entry)) throw new GatewayError('ERR_KEYS_UNAVAILABLE');
    const second = findKey(entry.keys, kid, alg);
    if (second !== 'unknown') return second;
    // The last attempt to learn the partner's current keys failed: the kid may belong to a key
    // published since, which we cannot see. Say the keys are unavailable rather than that the
    // issuer has no such key (which would tell a checkpoint the code is forged).
    if (entry.lastErrorCode !== null) throw new GatewayError('ERR_KEYS_UNAVAILABLE');
    throw new GatewayError('ERR_KID_UNKNOWN');
  }

  status(partnerId: string): RemoteKeyStatus {
    const e = this.entries.peek(partnerId);
    return {
      keyCount: e ? new Set(e.keys.map((k) => k.kid)).size : 0,
      lastFetchAt: e?.lastFetchAt ?? null,
      lastErrorCode: e?.lastErrorCode ?? null,
      lastErrorReason: e?.lastErrorReason ?? null,
    };
  }

  /** Fetches one partner's keys now (single-flight); resolves either way — see status(). */
  async refresh(partnerId: string): Promise<void> {
    const partner = this.options.registry.byId(partnerId);
    if (!partner || partner.status !== 'active' || partner.id === this.options.registry.selfId) return;
    await this.refreshEntry(partner, this.entry(partner));
  }

  /** Warms up every active partner (not the gateway's own issuer); resolves when all have settled. */
  async refreshAll(): Promise<void> {
    const ids = this.options.registry.list().filter((p) => p.status === 'active' && p.id !== this.options.registry.selfId).map((p) => p.id);
    await Promise.all(ids.map((id) => this.refresh(id)));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.entries.clear(); // dispose clears every timer
    await this.ownDispatcher?.close();
  }

  private entry(partner: Partner): Entry {
    const existing = this.entries.get(partner.id);
    if (existing && existing.fingerprint === fingerprint(partner)) return existing;
    const created: Entry = {
      fingerprint: fingerprint(partner), keys: [], lastFetchAt: null, lastErrorCode: null, lastErrorReason: null,
      failures: 0, nextAttemptAt: 0, lastKidRefetchAt: null, inflight: null, timer: null,
    };
    this.entries.set(partner.id, created);
    return created;
  }

  private fresh(e: Entry): boolean {
    return e.lastFetchAt !== null && this.now() - e.lastFetchAt <= this.options.jwks.staleMaxSeconds * 1000;
  }

  private due(e: Entry): boolean {
    const now = this.now();
    return e.inflight === null && now >= e.nextAttemptAt && (e.lastFetchAt === null || now - e.lastFetchAt >= this.options.jwks.refreshSeconds * 1000);
  }

  private kidRefetchAllowed(e: Entry): boolean {
    const now = this.now();
    const cooled = e.lastKidRefetchAt === null || now - e.lastKidRefetchAt >= this.options.jwks.kidCooldownSeconds * 1000;
    return cooled && now >= e.nextAttemptAt;
  }

  /** Single-flight: the promise is stored synchronously, so every concurrent caller shares it. */
  private refreshEntry(partner: Partner, e: Entry): Promise<void> {
    if (this.closed) return Promise.resolve();
    e.inflight ??= this.fetchInto(partner, e).finally(() => { e.inflight = null; });
    return e.inflight;
  }

  private async fetchInto(partner: Partner, e: Entry): Promise<void> {
    const started = performance.now();
    let result: FilterResult | null = null;
    let failure: JwksFetchError | null = null;
    try {
      result = await fetchJwks(partner, this.fetchOptions);
    } catch (error) {
      failure = error instanceof JwksFetchError ? error : new JwksFetchError('network', 'unexpected failure', error);
    }
    const seconds = (performance.now() - started) / 1000;
    try {
      this.options.hooks?.onFetch?.(partner.id, result ? 'ok' : 'error', seconds);
    } catch { /* a metrics hook must never break key fetching */ }
    if (this.entries.peek(partner.id) !== e) return; // dropped (reload or close) while fetching
    const now = this.now();
    if (result) {
      Object.assign(e, { keys: result.keys, lastFetchAt: now, lastErrorCode: null, lastErrorReason: null, failures: 0, nextAttemptAt: now });
      this.schedule(partner.id, e, this.options.jwks.refreshSeconds * 1000);
    } else {
      e.failures += 1;
      const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(e.failures - 1, 30));
      Object.assign(e, { lastErrorCode: failure!.code, lastErrorReason: failure!.reason, nextAttemptAt: now + delay });
      this.schedule(partner.id, e, delay);
    }
  }

  private schedule(partnerId: string, e: Entry, delayMs: number): void {
    if (this.options.background === false || this.closed) return;
    if (e.timer) clearTimeout(e.timer);
    e.timer = setTimeout(() => { e.timer = null; void this.refresh(partnerId); }, delayMs);
    e.timer.unref();
  }
}
