import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { Partner } from '../types/schemas.js';
import type { AddressClass } from '../partners/address-policy.js';
import { fetchPartnerBytes, PartnerFetchFailure, type TransportFailureReason } from '../partners/fetch-partner-json.js';
import { maxAgeOf } from '../partners/fetch-status-list.js';
import type { VerificationKey } from '../partners/key-source.js';
import type { LoadPartnersOptions } from '../partners/registry.js';
import type { TrustListHeld } from '../store/store.js';
import { createSafeDispatcher } from '../partners/safe-dispatcher.js';
import { refreshSeconds } from '../partners/status-cache.js';
import { checkMembers } from './partner-sources.js';
import { listPayloadHash, TrustListError, verifyTrustList, type TrustListRefusal } from './trust-list-jws.js';

/** What one refresh came to: a metric label (a fixed set). */
export type TrustListOutcome = 'ok' | 'unchanged' | TrustListRefusal | TransportFailureReason;
export const TRUST_LIST_OUTCOMES: readonly TrustListOutcome[] = [
  'ok', 'unchanged', 'malformed', 'bad_header', 'unpinned_key', 'bad_signature', 'invalid_list', 'expired', 'replayed',
  'insecure_uri', 'address_refused', 'timeout', 'network', 'http_status', 'redirect', 'too_large', 'not_json',
];

export interface TrustListHolderOptions {
  uri: string;
  pinned: readonly VerificationKey[];
  partnerOptions: LoadPartnersOptions;
  timeoutMs: number;
  maxBytes: number;
  staleMaxSeconds: number;
  now: () => number;
  /** Refresh and expiry timers (unref'd); off in tests, which call refresh(). */
  background: boolean;
  dispatcher?: Dispatcher | undefined;
  onAddressRefused?: ((cls: AddressClass) => void) | undefined;
  /** The members in force changed: a newer list, or none at all once the held one lapsed. */
  onMembers(members: readonly Partner[]): void;
  onFetch?(outcome: TrustListOutcome, seconds: number, detail: string | null): void;
  /**
   * Where the sequence taken survives a restart (the store): read before the first list is taken,
   * written after each newer one. Both must not throw (the composition root logs and carries on).
   */
  persisted?: { read(): Promise<TrustListHeld | undefined>; record(held: TrustListHeld): Promise<void> } | undefined;
}

interface Held extends TrustListHeld {
  /** payloadHash: SHA-256 of the signed payload segment: the same sequence must always mean the same list. */
  members: readonly Partner[];
  generatedAt: string;
  expiresAtMs: number;
}

export interface TrustListStatus {
  sequence: number | null;
  generatedAt: string | null;
  expiresAt: string | null;
  /** Epoch ms of the last fetch that gave a good list (new or unchanged). */
  lastGoodAt: number | null;
  lastError: { reason: TrustListOutcome; detail: string } | null;
  /** A list is held and within its bound: its members are recognised. */
  inForce: boolean;
  members: number;
  refreshMs: number;
}

const BACKOFF = { initialMs: 1000, maxMs: 60_000 };

/**
 * The federation's trust list, fetched from TRUST_LIST_URI with the partner-fetch discipline
 * (fetch-partner-json.ts: https, address guard, no redirects, caps, one deadline) and refreshed
 * after the server's Cache-Control max-age held to [10 s, 5 min] (status-cache.ts bounds).
 *
 * A new list is taken only if it verifies with a pinned key (trust-list-jws.ts) and its sequence
 * is not lower than the one held — an older list, even validly signed, may name a city since
 * removed (replay). While no newer list can be had, the held one stays in force for
 * TRUST_LIST_STALE_MAX_SECONDS after its last good fetch and never past its expiresAt (the EU DCC
 * rule of keeping the last good list offline, bounded); then its members are dropped: fail closed.
 */
export class TrustListHolder {
  private held: Held | null = null;
  private lastGoodAt: number | null = null;
  private lastError: TrustListStatus['lastError'] = null;
  private lapsed = false;
  private refreshMs = 0;
  private failures = 0;
  private inflight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly dispatcher: Dispatcher;
  private readonly ownDispatcher: Dispatcher | null;

  constructor(private readonly options: TrustListHolderOptions) {
    const { timeoutMs, onAddressRefused } = options;
    const allowInsecureLoopback = options.partnerOptions.allowInsecureLoopback;
    this.ownDispatcher = options.dispatcher ? null : createSafeDispatcher({ timeoutMs, allowInsecureLoopback, ...(onAddressRefused ? { onRefused: onAddressRefused } : {}) });
    this.dispatcher = options.dispatcher ?? this.ownDispatcher!;
  }

  /** The members in force (none before the first good list and after a lapse). */
  members(): readonly Partner[] {
    return this.held && !this.lapsed ? this.held.members : [];
  }

  status(): TrustListStatus {
    const h = this.held;
    return {
      sequence: h?.sequence ?? null,
      generatedAt: h?.generatedAt ?? null,
      expiresAt: h ? new Date(h.expiresAtMs).toISOString() : null,
      lastGoodAt: this.lastGoodAt,
      lastError: this.lastError,
      inForce: h !== null && !this.lapsed,
      members: this.members().length,
      refreshMs: this.refreshMs,
    };
  }

  /** Fetches the list now (single-flight) and applies it; resolves either way — see status(). */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.inflight ??= this.attempt().finally(() => { this.inflight = null; });
    return this.inflight;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ownDispatcher?.close();
  }

  private async attempt(): Promise<void> {
    const started = performance.now();
    let outcome: TrustListOutcome;
    let detail: string | null = null;
    try {
      outcome = await this.fetchAndApply();
      this.failures = 0;
      this.lastError = null;
    } catch (error) {
      outcome = error instanceof TrustListError || error instanceof PartnerFetchFailure ? error.reason : 'invalid_list';
      detail = error instanceof TrustListError || error instanceof PartnerFetchFailure ? error.detail : (error as Error).message;
      this.failures += 1;
      this.lastError = { reason: outcome, detail };
    }
    try {
      this.options.onFetch?.(outcome, (performance.now() - started) / 1000, detail);
    } catch { /* an observer must never break refreshing */ }
    this.enforceBound();
    const next = this.lastError ? Math.min(BACKOFF.maxMs, BACKOFF.initialMs * 2 ** Math.min(this.failures - 1, 30)) : this.refreshMs;
    this.schedule(next);
  }

  private async fetchAndApply(): Promise<TrustListOutcome> {
    const { bytes, headers } = await fetchPartnerBytes(this.options.uri, 'TRUST_LIST_URI', 'application/jwt, text/plain', {
      dispatcher: this.dispatcher, timeoutMs: this.options.timeoutMs, maxBytes: this.options.maxBytes, allowInsecureLoopback: this.options.partnerOptions.allowInsecureLoopback,
    });
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).trim();
    } catch {
      throw new TrustListError('malformed', 'the body is not UTF-8 text');
    }
    const now = this.options.now();
    const held = this.held;
    // Before the first list of this process, the floor is what the store remembers.
    const floor = held ?? (await this.options.persisted?.read());
    const list = await verifyTrustList(text, this.options.pinned, now, floor ?? undefined);
    const payloadHash = listPayloadHash(text.split('.')[1]!);
    let members: Partner[];
    try {
      members = checkMembers(list.members, this.options.partnerOptions);
    } catch (error) {
      throw new TrustListError('invalid_list', (error as Error).message);
    }
    this.refreshMs = refreshSeconds(maxAgeOf(headers['cache-control'])) * 1000;
    this.lastGoodAt = now;
    const unchanged = held !== null && held.payloadHash === payloadHash;
    this.held = { sequence: list.sequence, payloadHash, members, generatedAt: list.generatedAt, expiresAtMs: Date.parse(list.expiresAt) };
    if (!floor || list.sequence > floor.sequence) await this.options.persisted?.record({ sequence: list.sequence, payloadHash });
    if (unchanged && !this.lapsed) return 'unchanged';
    this.lapsed = false;
    this.options.onMembers(members);
    return unchanged ? 'unchanged' : 'ok';
  }

  /** Past the bound the held list is no longer in force: its members are dropped (fail closed). */
  private enforceBound(): void {
    if (!this.held || this.lapsed || this.lastGoodAt === null) return;
    if (this.options.now() < this.boundAt()) return;
    this.lapsed = true;
    this.options.onMembers([]);
  }

  private boundAt(): number {
    return Math.min(this.lastGoodAt! + this.options.staleMaxSeconds * 1000, this.held!.expiresAtMs);
  }

  /** The next attempt, but never later than the moment the held list stops being in force. */
  private schedule(delayMs: number): void {
    if (!this.options.background || this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    const untilBound = this.held && !this.lapsed ? Math.max(0, this.boundAt() - this.options.now()) : Infinity;
    this.timer = setTimeout(() => { this.timer = null; void this.refresh(); }, Math.min(delayMs, untilBound));
    this.timer.unref();
  }
}
