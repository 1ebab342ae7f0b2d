import type { ErrorCode } from '../errors/catalogue.js';
import type { JwksFailureReason } from '../partners/fetch-jwks.js';
import type { Color, DenyReason, PersonEvent, RegionListEvent } from '../types/schemas.js';

/**
 * The bounded label values the gateway's metrics are zero-initialised with (metrics.ts, `bounded`).
 * A counter with labels is exported only once a child exists; without a 0 sample before the first
 * event, `increase()` and `rate()` see a single point and report nothing for the first refusals.
 *
 * The lists are typed against the generated schema types and the catalogue, so a value that is
 * not in the schema fails the type check.
 */
export type LabelSet = Record<string, string>;
/** One label's values: fixed, or read when the metric is zeroed (partner ids after a reload). */
export type LabelValues = readonly string[] | (() => readonly string[]);

export const COLORS = ['green', 'yellow', 'red'] as const satisfies readonly Color[];
export const DECLARATION_KINDS = ['self', 'proxy', 'proxy_request', 'proxy_link', 'modification'] as const;
/** What a daily check-in reported: a fever (with or without symptoms), symptoms only, or nothing. */
export const CHECK_IN_REPORTS = ['clean', 'symptoms', 'fever'] as const;
export const INVALIDATION_STATUSES = ['superseded', 'revoked'] as const;
/** Recovery by one-time code (issue 17): `no_match` is counted but never answered differently. */
export const RECOVERY_REQUEST_OUTCOMES = ['sent', 'no_match', 'send_failed', 'unavailable'] as const;
export const RECOVERY_VERIFY_OUTCOMES = ['verified', 'refused'] as const;
export const TOKEN_END_REASONS = ['sign_out', 'recovery'] as const;
export const SIGN_IN_OUTCOMES = ['owner', 'ticket', 'refused'] as const;
export const RISK_EVENT_TYPES = ['confirmed_case', 'close_contact', 'false_report', 'clearance', 'high_risk_regions'] as const satisfies readonly (PersonEvent['type'] | RegionListEvent['type'])[];
export const RISK_EVENT_OUTCOMES = ['applied', 'duplicate'] as const;
export const DENY_REASONS = ['code_invalid', 'color_yellow', 'color_red', 'advisory', 'fever', 'document_mismatch', 'document_mismatch_locked', 'binding_missing', 'no_code'] as const satisfies readonly DenyReason[];
/** How a checkpoint scan checked the person (checkpoint-decision.schema.json: method). */
export const SCAN_MODES = ['code', 'pass', 'document'] as const;
export const FETCH_OUTCOMES = ['ok', 'error'] as const;
export const CACHE_OUTCOMES = ['hit', 'miss'] as const;
/** How a checkpoint's document check was answered, and what it found (checkpoint/document-check.ts). */
export const BINDING_METHODS = ['lookup', 'cache', 'scrypt', 'locked'] as const;
export const BINDING_OUTCOMES = ['match', 'document_mismatch', 'document_mismatch_locked', 'binding_missing'] as const;
/** The admission pools of slow work (admission/work-pool.ts). */
export const WORK_POOLS = ['binding', 'issue'] as const;
/**
 * The limits that answer 429 (gateway_rate_limited_total): the public budget per address, the
 * issuing budget per address, modifications per holder token, scans per device, failed
 * authentications per address, recovery per address and document.
 */
export const RATE_LIMITS = ['address', 'issue', 'token', 'device', 'auth_failures', 'recovery'] as const;
export type RateLimitKind = (typeof RATE_LIMITS)[number];
export const RELOAD_OUTCOMES = ['applied', 'refused'] as const;
/** Why a partner key set is refused whole (the help of gateway_partner_key_sets_refused_total). */
export const KEY_SET_REFUSALS = ['no_usable_key', 'invalid_jwks', 'too_many_keys', 'too_large', 'not_json'] as const satisfies readonly JwksFailureReason[];
export { ADDRESS_CLASSES } from '../partners/address-policy.js';
/** The partner label of a code whose issuer is not registered. */
export const UNKNOWN_PARTNER = 'unknown';

/** What a verification can end in: valid, or one of the verification codes of the catalogue. */
export const VERIFICATION_RESULTS = [
  'valid',
  'ERR_CODE_MALFORMED', 'ERR_CODE_TOO_LARGE', 'ERR_JWS_HEADER_INVALID', 'ERR_JWS_ALG_NOT_ALLOWED',
  'ERR_JWS_CRIT_UNSUPPORTED', 'ERR_JWS_SIGNATURE_INVALID', 'ERR_KID_UNKNOWN', 'ERR_ISSUER_UNKNOWN',
  'ERR_ISSUER_SUSPENDED', 'ERR_KEYS_UNAVAILABLE', 'ERR_CLAIMS_INVALID', 'ERR_TOKEN_EXPIRED', 'ERR_TOKEN_LIFETIME_TOO_LONG',
  'ERR_TOKEN_NOT_YET_VALID', 'ERR_TOKEN_ISSUED_IN_FUTURE', 'ERR_COLOR_UNMAPPED',
  'ERR_CREDENTIAL_SUPERSEDED', 'ERR_CREDENTIAL_REVOKED', 'ERR_STATUS_UNAVAILABLE',
  'ERR_STATUS_REFERENCE_INVALID',
] as const satisfies readonly ('valid' | ErrorCode)[];

/** Every combination of the labels' values (the cartesian product), e.g. partner × outcome. */
export function product(labels: Record<string, LabelValues>): () => LabelSet[] {
  return () => {
    let sets: LabelSet[] = [{}];
    for (const [name, values] of Object.entries(labels)) {
      const list = typeof values === 'function' ? values() : values;
      sets = sets.flatMap((set) => list.map((value) => ({ ...set, [name]: value })));
    }
    return sets;
  };
}

/** Several label sets that are not one product (a pass has reason "none" only). */
export function union(...parts: Array<() => LabelSet[]>): () => LabelSet[] {
  return () => parts.flatMap((part) => part());
}
