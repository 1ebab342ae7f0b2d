import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import type { Dispatcher } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import type { CredentialStatusEntry, GatewayConfig, Partner } from '../types/schemas.js';
import { fetchStatusList, StatusListFetchError, type FetchStatusListOptions } from './fetch-status-list.js';
import type { PartnerLookup } from './key-cache.js';
import { createSafeDispatcher } from './safe-dispatcher.js';

/** Default body cap: ~25 000 entries of ~160 bytes; a bigger list fails closed (ERR_STATUS_UNAVAILABLE). */
export const STATUS_LIST_MAX_BYTES = 4 * 1024 * 1024;
/** Refresh period without a usable Cache-Control, and the bounds a partner's max-age is held to. */
export const STATUS_REFRESH = { defaultSeconds: 30, minSeconds: 10, maxSeconds: 300 } as const;

export interface StatusFetchHooks {
  onFetch?(partnerId: string, outcome: 'ok' | 'error', seconds: number, reason: string | null): void;
}

export interface RemoteStatusSourceOptions {
  registry: PartnerLookup;
  /** timeoutMs and staleMaxSeconds are shared with key fetches: one bound for "last good data". */
  jwks: Pick<GatewayConfig['jwks'], 'timeoutMs' | 'staleMaxSeconds'>;
  allowInsecureLoopback: boolean;
  now?: () => number;
  /** Without one, a safe dispatcher is created (and closed by close()). */
  dispatcher?: Dispatcher;
  maxBytes?: number;
  /** Background refresh timers (default on). */
  background?: boolean;
  /** Exponential back-off after failures (default 1 s doubling up to 60 s). */
  backoff?: { initialMs: number; maxMs: number };
  hooks?: StatusFetchHooks;
}

export interface PartnerListStatus {
  entryCount: number;
  lastFetchAt: number | null;
  lastErrorReason: string | null;
}

interface Entry {
  /** statusUri + issuer the list was read for: a reload that changes either drops the list. */
  fingerprint: string;
  listed: Map<string, CredentialStatusEntry['status']>;
  lastFetchAt: number | null;
  refreshMs: number;
  lastErrorReason: string | null;
  failures: number;
  nextAttemptAt: number;
  inflight: Promise<void> | null;
  timer: NodeJS.Timeout | null;
}

const fingerprint = (p: Partner): string => `${p.statusUri ?? ''}\n${p.issuer}`;
const hasList = (p: Partner, selfId: string | undefined): boolean => p.statusUri !== undefined && p.status === 'active' && p.id !== selfId;

/**
 * Partners' published status lists (superseded / revoked jti), cached per partner, in the same
 * way as their keys (key-cache.ts): single-flight fetches, refresh behind the answer, back-off.
 *
 * When a list cannot be fetched, verification keeps using the last good list for
 * jwks.staleMaxSeconds after its last success, the bound keys have: the EU DCC precedent — its
 * verifiers keep working offline with the last good trust and revocation lists. Past the bound,
 * or before any list was ever obtained, the partner's codes are refused with
 * ERR_STATUS_UNAVAILABLE: without the list we cannot tell a live code from a withdrawn one, and
 * the DCC rule is that what cannot be evaluated is never a pass (fail closed).
 *
 * A partner without statusUri publishes no list: its codes are not checked here (valid to exp).
 */
export class RemoteStatusSource {
  private readonly entries: LRUCache<string, Entry>;
  private readonly now: () => number;
  private readonly fetchOptions: FetchStatusListOptions;
  private readonly ownDispatcher: Dispatcher | null;
  private readonly backoff: { initialMs: number; maxMs: number };
  private closed = false;

  constructor(private readonly options: RemoteStatusSourceOptions) {
    this.now = options.now ?? Date.now;
    const { timeoutMs } = options.jwks;
    this.ownDispatcher = options.dispatcher ? null : createSafeDispatcher({ timeoutMs, allowInsecureLoopback: options.allowInsecureLoopback });
    this.fetchOptions = {
      dispatcher: options.dispatcher ?? this.ownDispatcher!,
      timeoutMs,
      maxBytes: options.maxBytes ?? STATUS_LIST_MAX_BYTES,
      allowInsecureLoopback: options.allowInsecureLoopback,
    };
    this.backoff = options.backoff ?? { initialMs: 1000, maxMs: 60_000 };
    this.entries = new LRUCache<string, Entry>({ max: 1024, dispose: (e) => { if (e.timer) clearTimeout(e.timer); } });
  }

  /**
   * Resolves when `partner`'s list does not name `jti`; throws ERR_CREDENTIAL_SUPERSEDED or
   * ERR_CREDENTIAL_REVOKED as listed, ERR_STATUS_UNAVAILABLE without a usable list. Call it only
   * for a code whose signature verified: a forged code must not make the gateway fetch anything.
   * The gateway's own issuer and partners without statusUri resolve at once, with no fetch.
   */
  async check(partner: Partner, jti: string): Promise<void> {
    if (partner.status !== 'active') throw new GatewayError('ERR_ISSUER_SUSPENDED');
    if (!hasList(partner, this.options.registry.selfId)) return;
    const entry = this.entry(partner);
    if (!this.fresh(entry)) {
      if (entry.inflight) await entry.inflight;
      else if (this.now() >= entry.nextAttemptAt) await this.refreshEntry(partner, entry);
      if (!this.fresh(entry)) throw new GatewayError('ERR_STATUS_UNAVAILABLE');
    } else if (this.due(entry)) {
      void this.refreshEntry(partner, entry); // answer from the list we have, refresh behind
    }
    const status = entry.listed.get(jti);
    if (status === 'revoked') throw new GatewayError('ERR_CREDENTIAL_REVOKED');
    if (status === 'superseded') throw new GatewayError('ERR_CREDENTIAL_SUPERSEDED');
  }

  status(partnerId: string): PartnerListStatus {
    const e = this.entries.peek(partnerId);
    return { entryCount: e?.listed.size ?? 0, lastFetchAt: e?.lastFetchAt ?? null, lastErrorReason: e?.lastErrorReason ?? null };
  }

  /** Fetches one partner's list now (single-flight); resolves either way — see status(). */
  async refresh(partnerId: string): Promise<void> {
    const partner = this.options.registry.byId(partnerId);
    if (!partner || !hasList(partner, this.options.registry.selfId)) return;
    await this.refreshEntry(partner, this.entry(partner));
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
      fingerprint: fingerprint(partner), listed: new Map(), lastFetchAt: null, refreshMs: STATUS_REFRESH.defaultSeconds * 1000,
      lastErrorReason: null, failures: 0, nextAttemptAt: 0, inflight: null, timer: null,
    };
    this.entries.set(partner.id, created);
    return created;
  }

  private fresh(e: Entry): boolean {
    return e.lastFetchAt !== null && this.now() - e.lastFetchAt <= this.options.jwks.staleMaxSeconds * 1000;
  }

  private due(e: Entry): boolean {
    const now = this.now();
    return e.inflight === null && now >= e.nextAttemptAt && (e.lastFetchAt === null || now - e.lastFetchAt >= e.refreshMs);
  }

  /** Single-flight: the promise is stored synchronously, so every concurrent caller shares it. */
  private refreshEntry(partner: Partner, e: Entry): Promise<void> {
    if (this.closed) return Promise.resolve();
    e.inflight ??= this.fetchInto(partner, e).finally(() => { e.inflight = null; });
    return e.inflight;
  }

  private async fetchInto(partner: Partner, e: Entry): Promise<void> {
    const started = performance.now();
    let fetched: Awaited<ReturnType<typeof fetchStatusList>> | null = null;
    let failure: StatusListFetchError | null = null;
    try {
      fetched = await fetchStatusList(partner, this.fetchOptions);
    } catch (error) {
      failure = error instanceof StatusListFetchError ? error : new StatusListFetchError('network', 'unexpected failure', error);
    }
    try {
      this.options.hooks?.onFetch?.(partner.id, fetched ? 'ok' : 'error', (performance.now() - started) / 1000, failure?.reason ?? null);
    } catch { /* an observer must never break status fetching */ }
    if (this.entries.peek(partner.id) !== e) return; // dropped (reload or close) while fetching
    const now = this.now();
    if (fetched) {
      // The partner says how long its list may be cached (RFC 9111 §5.2.2.1), held to [10 s, 5 min]:
      // never hammered, never trusted for longer than a few minutes between refreshes.
      const { minSeconds, maxSeconds, defaultSeconds } = STATUS_REFRESH;
      const seconds = Math.min(maxSeconds, Math.max(minSeconds, fetched.maxAgeSeconds ?? defaultSeconds));
      const listed = new Map<string, CredentialStatusEntry['status']>();
      // A jti listed twice is read as its stricter status: revoked outranks superseded.
      for (const x of fetched.list.entries) if (listed.get(x.jti) !== 'revoked') listed.set(x.jti, x.status);
      Object.assign(e, { listed, lastFetchAt: now, refreshMs: seconds * 1000, lastErrorReason: null, failures: 0, nextAttemptAt: now });
      this.schedule(partner.id, e, seconds * 1000);
    } else {
      e.failures += 1;
      const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(e.failures - 1, 30));
      Object.assign(e, { lastErrorReason: failure!.reason, nextAttemptAt: now + delay });
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
