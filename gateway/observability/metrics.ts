import { Counter, Histogram, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Color } from '../types/schemas.js';
import {
  ADDRESS_CLASSES, BINDING_METHODS, BINDING_OUTCOMES, WORK_POOLS, CACHE_OUTCOMES, COLORS, DECLARATION_KINDS, DENY_REASONS, FETCH_OUTCOMES, INVALIDATION_STATUSES,
  KEY_SET_REFUSALS, RECOVERY_REQUEST_OUTCOMES, RECOVERY_VERIFY_OUTCOMES, TOKEN_END_REASONS, SIGN_IN_OUTCOMES, RELOAD_OUTCOMES, SCAN_MODES, RISK_EVENT_OUTCOMES, RISK_EVENT_TYPES, UNKNOWN_PARTNER, VERIFICATION_RESULTS, product, union, type LabelSet, type LabelValues,
  CHECK_IN_REPORTS, RATE_LIMITS,
} from './label-sets.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Zeroable = Counter<any> | Histogram<any>;

/**
 * Prometheus metrics, prefixed gateway_, base units (seconds, bytes), counters end in _total.
 * Labels come only from bounded sets: route patterns (not raw URLs), status classes, error codes
 * from the catalogue, colours, partner ids from the registry, fixed enumerations. Never a subject
 * id, kid, token, URL or document. tests/helpers/metric-labels.ts checks every recorded value.
 * One registry per app so tests can build several apps.
 */
export class Metrics {
  readonly registry = new Registry();

  /**
   * Metrics whose bounded label sets are exported at 0 before their first event (label-sets.ts):
   * a new counter declares them with `this.counter(name, help, { label: values })` (every
   * combination), or `this.bounded(metric, sets)` for other sets, and is zeroed with the others at
   * start and after a partner reload.
   */
  private readonly zeroed: Array<{ metric: Zeroable; sets: () => LabelSet[] }> = [];

  /** Set by the composition root: the registered partner ids (read at each zeroing). */
  partnerIds: () => readonly string[] = () => [];
  private readonly partners = (): readonly string[] => this.partnerIds();
  private readonly partnersOrUnknown = (): readonly string[] => [...this.partnerIds(), UNKNOWN_PARTNER];

  private bounded<M extends Zeroable>(metric: M, sets: () => LabelSet[]): M {
    this.zeroed.push({ metric, sets });
    return metric;
  }

  /** A counter of this registry whose labels are every combination of the values given (zeroed at start). */
  private counter<L extends string>(name: string, help: string, labels: Record<L, LabelValues>): Counter<L> {
    const labelNames = Object.keys(labels) as L[];
    return this.bounded(new Counter<L>({ name, help, labelNames, registers: [this.registry] }), product(labels));
  }

  /** Creates every declared label set at 0 (idempotent: a series already counting keeps its value). */
  zeroBoundedLabels(): void {
    for (const { metric, sets } of this.zeroed) {
      for (const labels of sets()) {
        if (metric instanceof Histogram) metric.zero(labels);
        else metric.inc(labels, 0);
      }
    }
  }

  /**
   * One histogram for requests: its _count is the request counter, so there is no separate
   * gateway_http_requests_total. The status is a class (2xx…5xx), not the code, to keep series few.
   */
  readonly httpDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern ("unmatched" for no route) and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly credentialsIssued = this.counter(
    'gateway_credentials_issued_total',
    'Xinji codes signed, by colour.',
    { color: COLORS },
  );

  readonly passesIssued = new Counter({
    name: 'gateway_passes_issued_total',
    help: 'Printed passes (通行证) signed, for people without a phone.',
    registers: [this.registry],
  });

  readonly declarations = this.counter(
    'gateway_declarations_total',
    'Declarations accepted, by kind (self, proxy, proxy_request, proxy_link, modification).',
    { kind: DECLARATION_KINDS },
  );

  readonly recoveryRequests = this.counter(
    'gateway_recovery_requests_total',
    'Recovery requests (POST /v1/recovery) by outcome: a code sent, no matching record, the sender failed, no sender configured.',
    { outcome: RECOVERY_REQUEST_OUTCOMES },
  );

  readonly recoveryVerifications = this.counter(
    'gateway_recovery_verifications_total',
    'One-time code checks (POST /v1/recovery/verify): verified (a new owner token) or refused.',
    { outcome: RECOVERY_VERIFY_OUTCOMES },
  );

  readonly signIns = this.counter(
    'gateway_sign_ins_total',
    'Sign-ins through the identity provider: the person became the owner of its record, or was refused (any stable error code).',
    { outcome: SIGN_IN_OUTCOMES },
  );

  readonly holderTokensEnded = this.counter(
    'gateway_holder_tokens_ended_total',
    'Owner holder tokens ended before their idle expiry: by their holder (sign_out), or replaced when the person recovered its code.',
    { reason: TOKEN_END_REASONS },
  );

  readonly checkIns = this.counter(
    'gateway_check_ins_total',
    'Daily check-ins (健康打卡) recorded, by what they reported: fever (with or without symptoms), symptoms, or clean.',
    { reported: CHECK_IN_REPORTS },
  );

  readonly credentialsInvalidated = this.counter(
    'gateway_credentials_invalidated_total',
    'Issued codes that stopped being valid before exp, by status (superseded, revoked).',
    { status: INVALIDATION_STATUSES },
  );

  readonly riskEvents = this.counter(
    'gateway_risk_events_total',
    'Risk events received, by type and outcome (applied, duplicate).',
    { type: RISK_EVENT_TYPES, outcome: RISK_EVENT_OUTCOMES },
  );

  readonly verifications = this.counter(
    'gateway_verifications_total',
    'Codes verified, by partner id (or "unknown") and result ("valid" or an ERR_ code of the catalogue).',
    { partner: this.partnersOrUnknown, result: VERIFICATION_RESULTS },
  );

  readonly verificationDuration = new Histogram({
    name: 'gateway_verification_duration_seconds',
    help: 'Time to verify a code (signature, claims, status), by partner id (or "unknown").',
    labelNames: ['partner'] as const,
    // A cached-key verification takes well under a millisecond; a first code waits for a key fetch.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  /**
   * One sample per decision, so the sum over reasons is the number of decisions. A deny with
   * several reasons is counted under its first: reasons are listed in a fixed precedence
   * (code_invalid, color_red/color_yellow, advisory, fever, binding_missing/document_mismatch;
   * gateway/verify/checkpoint-rule.ts). A pass has reason "none".
   */
  readonly checkpointDecisions = this.bounded(
    new Counter({
      name: 'gateway_checkpoint_decisions_total',
      help: 'Checkpoint decisions, by decision and first deny reason ("none" for a pass).',
      labelNames: ['decision', 'reason'] as const,
      registers: [this.registry],
    }),
    union(product({ decision: ['pass'], reason: ['none'] }), product({ decision: ['deny'], reason: DENY_REASONS })),
  );

  /** The same decisions by how the person was checked: a code, a printed 通行证, or 一证通行 (the document alone). */
  readonly checkpointScans = this.counter(
    'gateway_checkpoint_scans_total',
    'Checkpoint decisions, by mode (code, pass: a printed 通行证, document: 一证通行 without a code) and decision.',
    { mode: SCAN_MODES, decision: ['pass', 'deny'] },
  );

  /** Counted where the gateway notices it: a subject's outstanding codes of another colour are superseded or replaced. */
  readonly colorTransitions = this.bounded(
    new Counter({
      name: 'gateway_color_transitions_total',
      help: 'Subjects whose derived colour changed, by previous and new colour.',
      labelNames: ['from', 'to'] as const,
      registers: [this.registry],
    }),
    () => product({ from: COLORS, to: COLORS })().filter((set) => set['from'] !== set['to']),
  );

  readonly jwksFetches = this.counter(
    'gateway_jwks_fetches_total',
    'Partner key-set fetches, by partner and outcome.',
    { partner: this.partners, outcome: FETCH_OUTCOMES },
  );

  readonly jwksFetchDuration = new Histogram({
    name: 'gateway_jwks_fetch_duration_seconds',
    help: 'Duration of partner key-set fetches.',
    labelNames: ['partner'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly statusListFetches = this.counter(
    'gateway_status_list_fetches_total',
    'Partner status-list fetches, by partner and outcome.',
    { partner: this.partners, outcome: FETCH_OUTCOMES },
  );

  /** Set by the composition root: each partner's key count, read at scrape time. */
  partnerKeyCounts: () => Array<[partnerId: string, keys: number]> = () => [];

  readonly partnerKeys = new Gauge({
    name: 'gateway_partner_keys',
    help: 'Keys currently held per partner.',
    labelNames: ['partner'] as const,
    registers: [this.registry],
    // Every cluster worker holds the same keys: the aggregate is one worker's count, not the sum.
    aggregator: 'max',
    // Read when Prometheus scrapes, so the value is never one fetch behind.
    collect: () => {
      this.partnerKeys.reset();
      for (const [partner, keys] of this.partnerKeyCounts()) this.partnerKeys.set({ partner }, keys);
    },
  });

  /** Set by the composition root: results held by the verified-result cache, read at scrape time. */
  verifiedCacheSize: () => number = () => 0;

  /** Bounded by VERIFY_CACHE_MAX_ENTRIES; a cluster's value is the sum of the workers' caches. */
  readonly verifiedCacheEntries: Gauge = new Gauge({
    name: 'gateway_verified_cache_entries',
    help: 'Verified results held by the cache of repeat scans (VERIFY_CACHE_MAX_ENTRIES bounds it).',
    registers: [this.registry],
    collect: (): void => this.verifiedCacheEntries.set(this.verifiedCacheSize()),
  });

  readonly verifiedCacheLookups = this.counter(
    'gateway_verified_cache_lookups_total',
    'Codes looked up in the cache of verified results, by outcome (hit, miss).',
    { outcome: CACHE_OUTCOMES },
  );

  /** Counts one transition per previous colour seen among the codes that a new colour replaced. */
  countColorTransitions(from: Iterable<Color>, to: Color): void {
    for (const previous of new Set(from)) if (previous !== to) this.colorTransitions.inc({ from: previous, to });
  }

  // --- Partner key health (issue 4): how old each partner's keys are, when stale keys are used,
  // and what the fetch guard refused. Labels: registered partner ids and address classes only.

  /** Set by the composition root: seconds since each partner's last successful key fetch. */
  partnerKeyAges: () => Array<[partnerId: string, seconds: number]> = () => [];

  readonly partnerKeysAge = new Gauge({
    name: 'gateway_partner_keys_age_seconds',
    help: "Seconds since each partner's keys were last fetched successfully (absent before the first success).",
    labelNames: ['partner'] as const,
    registers: [this.registry],
    collect: () => {
      this.partnerKeysAge.reset();
      for (const [partner, seconds] of this.partnerKeyAges()) this.partnerKeysAge.set({ partner }, seconds);
    },
  });

  readonly partnerKeysStaleServed = this.counter(
    'gateway_partner_keys_stale_served_total',
    'Verifications that used keys past their refresh time because the partner was unreachable.',
    { partner: this.partners },
  );

  readonly fetchAddressesRefused = this.counter(
    'gateway_fetch_addresses_refused_total',
    'Partner fetches refused at connect time by the address policy, by address class (never the address).',
    { class: ADDRESS_CLASSES },
  );

  readonly signingKeysReloads = this.counter(
    'gateway_signing_keys_reloads_total',
    'Reloads of the signing keys in CERTS_DIR (SIGHUP or a change of the directory), by outcome (applied, refused: the keys in use stay).',
    { outcome: RELOAD_OUTCOMES },
  );

  readonly pepperRotationRefused = new Gauge({
    name: 'gateway_pepper_rotation_refused',
    help: '1 while the document pepper file in CERTS_DIR differs from (or lacks) the pepper the gateway started with and keeps using; 0 otherwise.',
    registers: [this.registry],
  });

  // --- Partner key sets (issue 9): keys skipped one by one, sets refused whole, status lists
  // older than the last accepted one. Labels: partner ids, KEY_SKIP_REASON_CODES, JWKS_FAILURE_REASONS.

  /** Set by the composition root: per partner, the skip reason of each key not used in its last set. */
  partnerSkippedKeys: () => Array<[partnerId: string, reasons: readonly string[]]> = () => [];

  readonly partnerKeysSkipped = new Gauge({
    name: 'gateway_partner_keys_skipped',
    help: "Keys of each partner's last key set that are not used, by reason (see GET /v1/partners for which).",
    labelNames: ['partner', 'reason'] as const,
    registers: [this.registry],
    aggregator: 'max',
    collect: () => {
      this.partnerKeysSkipped.reset();
      for (const [partner, reasons] of this.partnerSkippedKeys()) {
        for (const reason of reasons) this.partnerKeysSkipped.inc({ partner, reason });
        }
      },
    });

  readonly partnerKeySetsRefused = this.counter(
    'gateway_partner_key_sets_refused_total',
    'Partner key sets read and refused whole, by partner and reason (no_usable_key, invalid_jwks, too_many_keys, too_large, not_json).',
    { partner: this.partners, reason: KEY_SET_REFUSALS },
  );

  readonly statusListRollbacks = this.counter(
    'gateway_status_list_rollbacks_total',
    'Partner status lists refused because their generatedAt is earlier than that of the last list accepted.',
    { partner: this.partners },
  );

  // --- Checkpoint at city scale (issue 10): how document checks are answered, codes locked against
  // guessing, and slow work refused by admission control. Labels: fixed enumerations only.

  readonly bindingChecks = this.counter(
    'gateway_binding_checks_total',
    'Document checks at checkpoints, by method (lookup: own code, cache: remembered partner match, scrypt, locked: refused without computing) and outcome.',
    { method: BINDING_METHODS, outcome: BINDING_OUTCOMES },
  );

  readonly bindingLocks = new Counter({
    name: 'gateway_binding_locks_total',
    help: 'Codes locked after 3 document mismatches: further scans are denied with document_mismatch_locked until they expire.',
    registers: [this.registry],
  });

  readonly rateLimited = this.counter(
    'gateway_rate_limited_total',
    'Requests answered 429 ERR_RATE_LIMITED, by the limit that refused them: address (public budget), issue (issuing budget), token (modifications per holder token), device (scans per device), auth_failures (failed authentications per address), recovery (per address and document).',
    { limit: RATE_LIMITS },
  );

  readonly overloaded = this.counter(
    'gateway_overloaded_total',
    'Requests refused with 503 ERR_OVERLOADED because a slow-work pool was full, by pool (binding, issue).',
    { pool: WORK_POOLS },
  );

  /** Set by the composition root: jobs running and waiting in each slow-work pool, read at scrape time. */
  workPoolJobs: () => Array<[pool: string, running: number, queued: number]> = () => [];

  readonly workPoolJobsGauge = new Gauge({
    name: 'gateway_work_pool_jobs',
    help: 'Slow-work jobs (scrypt) in each admission pool, by pool (binding, issue) and state (running, queued).',
    labelNames: ['pool', 'state'] as const,
    registers: [this.registry],
    collect: () => {
      this.workPoolJobsGauge.reset();
      for (const [pool, running, queued] of this.workPoolJobs()) {
        this.workPoolJobsGauge.set({ pool, state: 'running' }, running);
        this.workPoolJobsGauge.set({ pool, state: 'queued' }, queued);
      }
    },
  });

  /**
   * Issue 22, the launch-day queue. Set by the composition root: depth and oldest enqueue time,
   * read from the store at scrape time. Every process sees the same queue, so across WORKERS the
   * aggregate is the max, never the sum.
   */
  declarationQueueStats: () => Promise<{ depth: number; oldestEnqueuedAt: number | null } | undefined> = async () => undefined;
  declarationQueueNow: () => number = Date.now;

  readonly declarationQueueDepth = new Gauge({
    name: 'gateway_declaration_queue_depth',
    help: 'Declarations stored and waiting for their binding (202 queued), taken ones included: the queue workers scale on.',
    registers: [this.registry],
    aggregator: 'max',
    collect: async () => {
      const stats = await this.declarationQueueStats();
      this.declarationQueueDepth.set(stats?.depth ?? 0);
      this.declarationQueueOldestWait.set(stats?.oldestEnqueuedAt == null ? 0 : Math.max(0, this.declarationQueueNow() - stats.oldestEnqueuedAt) / 1000);
    },
  });

  readonly declarationQueueOldestWait = new Gauge({
    name: 'gateway_declaration_queue_oldest_wait_seconds',
    help: 'How long the oldest queued declaration has waited (0 when the queue is empty): the wait a resident queuing now will at least see.',
    registers: [this.registry],
    aggregator: 'max',
  });

  readonly declarationQueueWait = new Histogram({
    name: 'gateway_declaration_queue_wait_seconds',
    help: 'Time from a declaration queued (202) to its binding written (its code can be fetched).',
    buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    // Standard names (process_*, nodejs_*), unprefixed, so stock dashboards and alerts on
    // nodejs_eventloop_lag_seconds work unchanged.
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
