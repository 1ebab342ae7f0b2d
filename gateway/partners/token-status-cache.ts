import { GatewayError } from '../errors/gateway-error.js';
import type { GatewayConfig, Partner, TrustedTokenStatusList } from '../types/schemas.js';
import type { KeySource } from './key-source.js';
import { fetchPartnerBytes, PartnerFetchFailure } from './fetch-partner-json.js';
import { maxAgeOf } from './fetch-status-list.js';
import { PartnerFetchCache, transportOptions, type RemoteSourceOptions } from './partner-fetch-cache.js';
import { refreshSeconds, STATUS_LIST_MAX_BYTES, type StatusFetchHooks } from './status-cache.js';
import { acceptStatusListToken, type AcceptedStatusList } from '../verify/status-list-token.js';
import { checkStatusReference, STATUS_LIST_MEDIA_TYPE, StatusListError, type StatusListProblem } from '../verify/token-status-list.js';

/** Why a partner's Token Status List was not taken: transport reasons, the list's own problems, or a rollback. */
export type TokenStatusListFailureReason = PartnerFetchFailure['reason'] | StatusListProblem | 'older_list' | 'not_utf8';

/** A failed fetch: the verifier sees ERR_STATUS_UNAVAILABLE; `reason` is for status and logs. */
export class TokenStatusListFetchError extends GatewayError {
  constructor(readonly reason: TokenStatusListFailureReason, detail: string, cause?: unknown) {
    super('ERR_STATUS_UNAVAILABLE', `The issuer's status list cannot be obtained right now (${reason}: ${detail}).`, { cause });
  }
}

export interface RemoteTokenStatusSourceOptions extends RemoteSourceOptions {
  jwks: Pick<GatewayConfig['jwks'], 'timeoutMs' | 'staleMaxSeconds'>;
  /** The partner's keys: its list must be signed by one of them. */
  keySource: Pick<KeySource, 'getKey'>;
  clockToleranceSeconds: number;
  /** Body cap of the signed list (default 4 MiB, as the JSON list). */
  maxBytes?: number;
  hooks?: StatusFetchHooks;
}

const hasTokenList = (p: Partner, selfId: string | undefined): boolean => p.statusListUri !== undefined && p.status === 'active' && p.id !== selfId;

/**
 * Partners' IETF Token Status Lists (partner file `statusListUri`), cached per partner under the
 * same rules as their keys and JSON lists (partner-fetch-cache.ts): the same safe transport and
 * body cap, single-flight fetches, refresh in the background at the list's ttl (or Cache-Control
 * max-age) held to [10 s, 5 min], back-off after failures.
 *
 * A list is taken only as status-list-token.ts allows (the partner's key, typ, sub = uri, exp,
 * size). A list whose iat is earlier than that of the list in force is refused (a replay would
 * bring back withdrawn codes), and the list in force ages from its iat: it keeps working while
 * refreshes fail for JWKS_STALE_MAX_SECONDS, never past its own exp, then the partner's codes are
 * refused with ERR_STATUS_UNAVAILABLE (fail closed), as without any list.
 */
export class RemoteTokenStatusSource {
  private readonly cache: PartnerFetchCache<AcceptedStatusList | null>;

  constructor(private readonly options: RemoteTokenStatusSourceOptions) {
    const { timeoutMs, staleMaxSeconds } = options.jwks;
    const { registry, allowInsecureLoopback } = options;
    const maxBytes = options.maxBytes ?? STATUS_LIST_MAX_BYTES;
    const now = options.now ?? Date.now;
    this.cache = new PartnerFetchCache<AcceptedStatusList | null>({
      fingerprint: (p) => `${p.statusListUri ?? ''}\n${p.issuer}`,
      empty: () => null,
      eligible: (id) => {
        const partner = registry.byId(id);
        return partner && hasTokenList(partner, registry.selfId) ? partner : undefined;
      },
      fetch: async (partner, dispatcher) => {
        const uri = partner.statusListUri!;
        let fetched: Awaited<ReturnType<typeof fetchPartnerBytes>>;
        try {
          fetched = await fetchPartnerBytes(uri, 'statusListUri', STATUS_LIST_MEDIA_TYPE, { dispatcher, timeoutMs, maxBytes, allowInsecureLoopback });
        } catch (error) {
          if (error instanceof PartnerFetchFailure) throw new TokenStatusListFetchError(error.reason, error.detail, error.cause);
          throw error;
        }
        let text: string;
        try {
          text = new TextDecoder('utf-8', { fatal: true }).decode(fetched.bytes);
        } catch {
          throw new TokenStatusListFetchError('not_utf8', 'the body is not UTF-8');
        }
        let accepted: AcceptedStatusList;
        try {
          accepted = await acceptStatusListToken(text, partner, uri, options.keySource, { now: now(), clockToleranceSeconds: options.clockToleranceSeconds });
        } catch (error) {
          if (error instanceof StatusListError) throw new TokenStatusListFetchError(error.problem, error.message);
          throw error;
        }
        const current = this.cache.peek(partner.id)?.data;
        if (current && accepted.iat < current.iat) throw new TokenStatusListFetchError('older_list', 'iat is earlier than that of the list in force');
        return { data: accepted, refreshMs: refreshSeconds(accepted.ttl ?? maxAgeOf(fetched.headers['cache-control'])) * 1000 };
      },
      failure: (error) => (error instanceof TokenStatusListFetchError ? error : new TokenStatusListFetchError('network', 'unexpected failure', error)),
      onFetch: (partnerId, failure, seconds) => options.hooks?.onFetch?.(partnerId, failure ? 'error' : 'ok', seconds, failure?.reason ?? null),
      staleMaxMs: staleMaxSeconds * 1000,
      asOf: (data) => (data ? data.iat * 1000 : 0),
      ...transportOptions(options, timeoutMs, { initialMs: 1000, maxMs: 60_000 }),
    });
  }

  /** The list in force for `partner` now, or null (none taken, too old, or past its exp). */
  private async usable(partner: Partner): Promise<AcceptedStatusList | null> {
    const { entry } = await this.cache.get(partner, { joinRunningFetch: true });
    const data = entry?.data ?? null;
    if (!data) return null;
    const now = (this.options.now ?? Date.now)();
    if (data.exp !== null && (data.exp + this.options.clockToleranceSeconds) * 1000 <= now) return null;
    return data;
  }

  /**
   * Resolves when `payload` (a code of `partner` whose signature verified) names an index of the
   * partner's list that is VALID; otherwise ERR_STATUS_REFERENCE_INVALID (no, a malformed or a
   * foreign reference, an index outside the list), ERR_CREDENTIAL_REVOKED (any other status) or
   * ERR_STATUS_UNAVAILABLE (no usable list). Partners without statusListUri resolve at once.
   */
  async check(partner: Partner, payload: Record<string, unknown>): Promise<void> {
    if (partner.status !== 'active') throw new GatewayError('ERR_ISSUER_SUSPENDED');
    if (!hasTokenList(partner, this.options.registry.selfId)) return;
    const data = await this.usable(partner);
    if (!data) throw new GatewayError('ERR_STATUS_UNAVAILABLE');
    checkStatusReference(payload, data.uri, data.list);
  }

  /** For the trust bundle: 'none' without statusListUri, null without a usable list. */
  async snapshot(partner: Partner): Promise<TrustedTokenStatusList | 'none' | null> {
    if (!hasTokenList(partner, this.options.registry.selfId)) return 'none';
    const data = await this.usable(partner);
    return data ? { uri: data.uri, bits: data.list.bits, lst: data.lst } : null;
  }

  status(partnerId: string): { lastFetchAt: number | null; lastErrorReason: string | null } {
    const e = this.cache.peek(partnerId);
    return { lastFetchAt: e?.lastFetchAt ?? null, lastErrorReason: e?.lastErrorReason ?? null };
  }

  refresh(partnerId: string): Promise<void> {
    return this.cache.refresh(partnerId);
  }

  close(): Promise<void> {
    return this.cache.close();
  }
}
