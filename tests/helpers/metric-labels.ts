import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import request from 'supertest';
import { ERROR_CATALOGUE } from '../../gateway/errors/catalogue.js';
import { LABELLED_METHODS, UNMATCHED_ROUTE } from '../../gateway/http/request-log.js';
import { ADDRESS_CLASSES } from '../../gateway/partners/address-policy.js';
import { JWKS_FAILURE_REASONS } from '../../gateway/partners/fetch-jwks.js';
import { KEY_SKIP_REASON_CODES } from '../../gateway/partners/key-skip-reasons.js';
import { TRUST_LIST_OUTCOMES } from '../../gateway/federation/trust-list-holder.js';

/**
 * The bounded set every label of every gateway_ metric must stay in (developers' guide: labels
 * only from registered partner ids, error codes, colours, route templates and fixed enumerations).
 * Run `metricLabelViolations(gateway)` at the end of any suite: it scrapes /metrics and lists every
 * sample whose label is outside its set, every gateway_ metric with a label nobody declared a set
 * for, and every counter not ending in _total.
 *
 * Labels with one meaning everywhere (partner, route, method, status_class, color, from, to) are
 * checked by name; labels whose values depend on the metric (outcome, result, reason, ...) are
 * declared per metric below. A new metric with such a label must be declared here.
 */

const schemaEnum = (file: string, pick: (schema: any) => string[]): string[] => // eslint-disable-line @typescript-eslint/no-explicit-any
  pick(JSON.parse(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8')));

export const COLORS = schemaEnum('color.schema.json', (s) => s.enum);
export const DENY_REASONS = schemaEnum('checkpoint-decision.schema.json', (s) => s.properties.reasons.items.enum);
export const RISK_EVENT_TYPES = [
  ...schemaEnum('risk-events.schema.json', (s) =>
    Object.values(s.definitions as Record<string, { properties?: { type?: { enum?: string[]; const?: string } } }>).flatMap(
      (d) => d.properties?.type?.enum ?? (d.properties?.type?.const ? [d.properties.type.const] : []),
    ),
  ),
];
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];
const FETCH_OUTCOMES = ['ok', 'error'];

/** Per-metric sets of the labels whose meaning depends on the metric. */
const PER_METRIC: Record<string, Record<string, readonly string[]>> = {
  gateway_declarations_total: { kind: ['self', 'proxy', 'proxy_request', 'proxy_link', 'modification'] },
  gateway_check_ins_total: { reported: ['clean', 'symptoms', 'fever'] },
  gateway_credentials_invalidated_total: { status: ['superseded', 'revoked'] },
  gateway_recovery_requests_total: { outcome: ['sent', 'no_match', 'send_failed', 'unavailable'] },
  gateway_recovery_verifications_total: { outcome: ['verified', 'refused'] },
  gateway_holder_tokens_ended_total: { reason: ['sign_out', 'recovery'] },
  gateway_sign_ins_total: { outcome: ['owner', 'ticket', 'refused'] },
  gateway_risk_events_total: { type: RISK_EVENT_TYPES, outcome: ['applied', 'duplicate'] },
  gateway_verifications_total: { result: ['valid', ...Object.keys(ERROR_CATALOGUE)] },
  gateway_checkpoint_decisions_total: { decision: ['pass', 'deny'], reason: ['none', ...DENY_REASONS] },
  gateway_checkpoint_scans_total: { mode: ['code', 'pass', 'document'], decision: ['pass', 'deny'] },
  gateway_jwks_fetches_total: { outcome: FETCH_OUTCOMES },
  gateway_status_list_fetches_total: { outcome: FETCH_OUTCOMES },
  gateway_fetch_addresses_refused_total: { class: ADDRESS_CLASSES },
  gateway_verified_cache_lookups_total: { outcome: ['hit', 'miss'] },
  gateway_signing_keys_reloads_total: { outcome: ['applied', 'refused'] },
  gateway_partner_keys_skipped: { reason: KEY_SKIP_REASON_CODES },
  gateway_partner_key_sets_refused_total: { reason: JWKS_FAILURE_REASONS },
  gateway_binding_checks_total: { method: ['lookup', 'cache', 'scrypt', 'locked'], outcome: ['match', 'document_mismatch', 'document_mismatch_locked', 'binding_missing'] },
  gateway_overloaded_total: { pool: ['binding', 'issue'] },
  gateway_rate_limited_total: { limit: ['address', 'issue', 'token', 'device', 'auth_failures', 'recovery'] },
  gateway_work_pool_jobs: { pool: ['binding', 'issue'], state: ['running', 'queued'] },
  gateway_trust_list_fetches_total: { outcome: TRUST_LIST_OUTCOMES },
};

export interface LabelContext {
  /** Route templates the app serves (routeTemplates(app)). */
  routes: readonly string[];
  /** Registered partner ids (the gateway's own included). */
  partners: readonly string[];
}

function byName(context: LabelContext): Record<string, readonly string[]> {
  return {
    partner: [...context.partners, 'unknown'],
    route: [...context.routes, UNMATCHED_ROUTE],
    method: [...LABELLED_METHODS, 'OTHER'],
    status_class: STATUS_CLASSES,
    color: COLORS,
    from: COLORS,
    to: COLORS,
  };
}

/** The path templates of the routes registered on an express 5 app. */
export function routeTemplates(app: Express): string[] {
  const stack = (app as unknown as { router: { stack: Array<{ route?: { path: unknown } }> } }).router.stack;
  return [...new Set(stack.flatMap((layer) => (layer.route ? [String(layer.route.path)] : [])))];
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: string;
}

/** Parses Prometheus text exposition (format 0.0.4): samples and `# TYPE` lines. */
export function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    const body = match[2] ?? '';
    const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/y;
    let m: RegExpExecArray | null;
    while (pair.lastIndex < body.length && (m = pair.exec(body))) {
      labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    if (pair.lastIndex !== body.length) throw new Error(`unparsable labels: ${line}`);
    samples.push({ name: match[1]!, labels, value: match[3]! });
  }
  return { samples, types };
}

/**
 * The value of sample `name` in a /metrics text, summed over the series whose labels include all
 * of `labels`; undefined when no series matches (a gauge not reported, a counter never incremented).
 */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const sample of parseExposition(text).samples) {
    if (sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) total = (total ?? 0) + Number(sample.value);
  }
  return total;
}

/** The metric family of a sample name (histogram/summary series end in _bucket, _sum, _count). */
export function familyOf(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return types.has(base) ? base : name;
}

/** Every violation of the bounded-label rule in a /metrics text; empty when all is well. */
export function labelViolations(text: string, context: LabelContext): string[] {
  const { samples, types } = parseExposition(text);
  const generic = byName(context);
  const problems = new Set<string>();
  for (const [name, type] of types) {
    if (name.startsWith('gateway_') && type === 'counter' && !name.endsWith('_total')) problems.add(`${name}: a counter must end in _total`);
  }
  for (const sample of samples) {
    const family = familyOf(sample.name, types);
    if (!family.startsWith('gateway_')) continue;
    for (const [label, value] of Object.entries(sample.labels)) {
      if (label === 'le' && sample.name.endsWith('_bucket')) continue;
      const allowed = PER_METRIC[family]?.[label] ?? generic[label];
      if (!allowed) problems.add(`${family}{${label}}: no bounded set declared (tests/helpers/metric-labels.ts)`);
      else if (!allowed.includes(value)) problems.add(`${family}{${label}="${value}"}: not in its bounded set`);
    }
  }
  return [...problems];
}

/** Scrapes a gateway's /metrics and returns its label violations. */
export async function metricLabelViolations(gateway: {
  app: Express;
  deps: { registry: { list(): ReadonlyArray<{ id: string }> } };
}): Promise<string[]> {
  const res = await request(gateway.app).get('/metrics');
  if (res.status !== 200) return [`GET /metrics answered ${res.status}`];
  return labelViolations(res.text, { routes: routeTemplates(gateway.app), partners: gateway.deps.registry.list().map((p) => p.id) });
}
