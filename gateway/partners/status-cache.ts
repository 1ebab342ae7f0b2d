import { GatewayError } from '../errors/gateway-error.js';
import type { CredentialStatusEntry, GatewayConfig, Partner } from '../types/schemas.js';
import { fetchStatusList, StatusListFetchError } from './fetch-status-list.js';
import { PartnerFetchCache, transportOptions, type RemoteSourceOptions } from './partner-fetch-cache.js';

/** Default body cap: ~25 000 entries of ~160 bytes; a bigger list fails closed (ERR_STATUS_UNAVAILABLE). */
export const STATUS_LIST_MAX_BYTES = 4 * 1024 * 1024;
/** Refresh period without a usable Cache-Control, and the bounds a partner's max-age is held to. */
export const STATUS_REFRESH = { defaultSeconds: 30, minSeconds: 10, maxSeconds: 300 } as const;

export interface StatusFetchHooks {
  onFetch?(partnerId: string, outcome: 'ok' | 'error', seconds: number, reason: string | null): void;
}

export interface RemoteStatusSourceOptions extends RemoteSourceOptions {
  /** timeoutMs and staleMaxSeconds are shared with key fetches: one bound for "last good data". */
  jwks: Pick<GatewayConfig['jwks'], 'timeoutMs' | 'staleMaxSeconds'>;
  maxBytes?: number;
  /** How far a list's generatedAt may lie ahead of the gateway's clock (default 60 s). */
  clockToleranceSeconds?: number;
  /** Exponential back-off after failures (default 1 s doubling up to 60 s). */
  backoff?: { initialMs: number; maxMs: number };
  hooks?: StatusFetchHooks;
}

export interface PartnerListStatus {
  entryCount: number;
  lastFetchAt: number | null;
  lastErrorReason: string | null;
}

/** A partner's list as accepted: its generatedAt (epoch ms) and the status of each listed jti. */
interface Listed {
  generatedAt: number;
  entries: Map<string, CredentialStatusEntry['status']>;
}

const hasList = (p: Partner, selfId: string | undefined): boolean => p.statusUri !== undefined && p.status === 'active' && p.id !== selfId;

/**
 * The partner says how long its list may be cached (RFC 9111 §5.2.2.1), held to [10 s, 5 min]:
 * never hammered, never trusted for longer than a few minutes between refreshes.
 */
export function refreshSeconds(maxAgeSeconds: number | null): number {
  const { minSeconds, maxSeconds, defaultSeconds } = STATUS_REFRESH;
  return Math.min(maxSeconds, Math.max(minSeconds, maxAgeSeconds ?? defaultSeconds));
}

/**
 * Partners' published status lists (superseded / revoked jti), cached per partner, in the same
 * way as their keys (key-cache.ts; both through partner-fetch-cache.ts): single-flight fetches,
 * refresh behind the answer, back-off.
 *
 * A list whose generatedAt is earlier than that of the list in force is refused (counted as a
 * rollback), and a list's age is counted from its generatedAt, not from when it was fetched.
 *
 * When a list cannot be fetched, verification keeps using the last good list for
 * jwks.staleMaxSeconds after its generatedAt, the bound keys have: the EU DCC precedent — its
 * verifiers keep working offline with the last good trust and revocation lists. Past the bound,
 * or before any list was ever obtained, the partner's codes are refused with
 * ERR_STATUS_UNAVAILABLE: without the list we cannot tell a live code from a withdrawn one, and
 * the DCC rule is that what cannot be evaluated is never a pass (fail closed).
 *
 * A partner without statusUri publishes no list: its codes are not checked here (valid to exp).
 */
export class RemoteStatusSource {
  private readonly cache: PartnerFetchCache<Listed>;

  constructor(private readonly options: RemoteStatusSourceOptions) {
    const { timeoutMs, staleMaxSeconds } = options.jwks;
    const { registry, allowInsecureLoopback } = options;
    const maxBytes = options.maxBytes ?? STATUS_LIST_MAX_BYTES;
    const now = options.now ?? Date.now;
    const toleranceMs = (options.clockToleranceSeconds ?? 60) * 1000;
    this.cache = new PartnerFetchCache<Listed>({
      // statusUri + issuer the list was read for: a reload that changes either drops the list.
      fingerprint: (p) => `${p.statusUri ?? ''}\n${p.issuer}`,
      empty: () => ({ generatedAt: 0, entries: new Map() }),
      eligible: (id) => {
        const partner = registry.byId(id);
        return partner && hasList(partner, registry.selfId) ? partner : undefined;
      },
      fetch: async (partner, dispatcher) => {
        const fetched = await fetchStatusList(partner, { dispatcher, timeoutMs, maxBytes, allowInsecureLoopback });
        const generatedAt = Date.parse(fetched.list.generatedAt);
        // A list from the future would outrank every honest list after it (see below).
        if (generatedAt > now() + toleranceMs) throw new StatusListFetchError('generated_in_future', 'generatedAt is ahead of the gateway clock');
        // A replayed or cached older list would bring back codes withdrawn since: the last
        // accepted list stays in force (and ages from its own generatedAt).
        const current = this.cache.peek(partner.id);
        if (current && current.lastFetchAt !== null && generatedAt < current.data.generatedAt) {
          throw new StatusListFetchError('older_list', 'generatedAt is earlier than that of the list in force');
        }
        const entries: Listed['entries'] = new Map();
        // A jti listed twice is read as its stricter status: revoked outranks superseded.
        for (const x of fetched.list.entries) if (entries.get(x.jti) !== 'revoked') entries.set(x.jti, x.status);
        return { data: { generatedAt, entries }, refreshMs: refreshSeconds(fetched.maxAgeSeconds) * 1000 };
      },
      failure: (error) => (error instanceof StatusListFetchError ? error : new StatusListFetchError('network', 'unexpected failure', error)),
      onFetch: (partnerId, failure, seconds) => options.hooks?.onFetch?.(partnerId, failure ? 'error' : 'ok', seconds, failure?.reason ?? null),
      staleMaxMs: staleMaxSeconds * 1000,
      // A list is as old as its generatedAt says, however recently it was fetched (a CDN or a
      // replay can serve an old one): the stale bound counts from there.
      asOf: (listed) => listed.generatedAt,
      ...transportOptions(options, timeoutMs, { initialMs: 1000, maxMs: 60_000 }),
    });
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
    // A caller that finds a fetch already running (a refresh, a timer) waits for it, even in back-off.
    const { entry } = await this.cache.get(partner, { joinRunningFetch: true });
    if (!entry) throw new GatewayError('ERR_STATUS_UNAVAILABLE');
    const status = entry.data.entries.get(jti);
    if (status === 'revoked') throw new GatewayError('ERR_CREDENTIAL_REVOKED');
    if (status === 'superseded') throw new GatewayError('ERR_CREDENTIAL_SUPERSEDED');
  }

  /**
   * What check() would use now, for the signed trust bundle (gateway/trust/): 'none' for a partner
   * whose codes are not checked here (no statusUri, or the gateway's own issuer), null when no
   * usable list can be had (check() would answer ERR_STATUS_UNAVAILABLE).
   */
  async snapshot(partner: Partner): Promise<Array<{ jti: string; status: CredentialStatusEntry['status'] }> | 'none' | null> {
    if (!hasList(partner, this.options.registry.selfId)) return 'none';
    const { entry } = await this.cache.get(partner, { joinRunningFetch: true });
    return entry ? [...entry.data.entries].map(([jti, status]) => ({ jti, status })) : null;
  }

  status(partnerId: string): PartnerListStatus {
    const e = this.cache.peek(partnerId);
    return { entryCount: e?.data.entries.size ?? 0, lastFetchAt: e?.lastFetchAt ?? null, lastErrorReason: e?.lastErrorReason ?? null };
  }

  /** Fetches one partner's list now (single-flight); resolves either way — see status(). */
  refresh(partnerId: string): Promise<void> {
    return this.cache.refresh(partnerId);
  }

  close(): Promise<void> {
    return this.cache.close();
  }
}
