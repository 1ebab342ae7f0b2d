import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fromRoot } from '../../gateway/paths.js';
import { buildProgram, http, makeDirs, startGateway, type GatewayProcess, type ProgramDir } from '../issuer/gateway-process.js';
import { parseExposition } from '../helpers/metric-labels.js';
import { primaryMetrics } from '../../gateway/lifecycle/cluster-metrics.js';

/**
 * The operator assets in ops/ (Prometheus alerting rules, Grafana dashboard) name only metrics the
 * gateway exports: every metric in every expression is looked up in the /metrics of the real
 * gateway process (gateway/main.ts, Node.js process metrics on), histogram suffixes included.
 */

/** Written by Prometheus itself for each target, not by the gateway. */
const PROMETHEUS_SERIES = ['up'];

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** The metric names an expression reads. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values and strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(m.index + m[0].length).trimStart();
    if (after.startsWith('(')) continue; // a function
    if (PROMQL_WORDS.has(m[0].toLowerCase()) || /^\d/.test(m[0])) continue;
    if (stripped[m.index - 1] === '$') continue; // $__rate_interval and template variables
    names.add(m[0]);
  }
  return [...names];
}

function alertExpressions(): string[] {
  const rules = parse(readFileSync(fromRoot('ops/prometheus/gateway-alerts.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> };
  return rules.groups.flatMap((g) => g.rules.map((r) => String(r.expr)));
}

function dashboardExpressions(): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'expr' && typeof value === 'string') out.push(value);
        else if (key === 'definition' && typeof value === 'string') out.push(value.replace(/^label_values\((.*),\s*\w+\)$/, '$1'));
        else walk(value);
      }
    }
  };
  walk(JSON.parse(readFileSync(fromRoot('ops/grafana/gateway-dashboard.json'), 'utf8')));
  return out;
}

/**
 * Starts the real gateway and makes sure the port answers with it: on a machine shared with other
 * test runs another process can take the free port between the pick and the child's listen, and
 * answer /healthz in its place. The JWKS must name the key our child generated in its certs dir.
 */
async function startOurGateway(programDir: ProgramDir, base: string): Promise<GatewayProcess> {
  for (let attempt = 1; ; attempt++) {
    const dirs = await makeDirs(await mkdtemp(join(base, 'run-')));
    const child = await startGateway(programDir, dirs);
    const kids = readdirSync(dirs.certsDir).filter((n) => n.endsWith('.key.json')).map((n) => n.slice(0, -'.key.json'.length));
    const jwks = await http(child.port, 'GET', '/.well-known/jwks.json');
    const served = ((jwks.body['keys'] as Array<{ kid: string }> | undefined) ?? []).map((k) => k.kid);
    if (child.child.exitCode === null && kids.some((kid) => served.includes(kid))) return child;
    await child.kill();
    if (attempt === 3) throw new Error('another process answered on the gateway port three times');
  }
}

let program: ProgramDir;
let root: string;
let gateway: GatewayProcess;
let exported: Set<string>;

beforeAll(async () => {
  program = await buildProgram();
  root = await mkdtemp(join(tmpdir(), 'hcg-ops-'));
  gateway = await startOurGateway(program, root);
  const res = await http(gateway.port, 'GET', '/metrics');
  expect(res.status).toBe(200);
  const { samples, types } = parseExposition(String(res.body['text']));
  exported = new Set([...types.keys(), ...samples.map((s) => s.name)]);
  // Histograms and summaries are read through their series.
  for (const [name, type] of types) if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(name + suffix);
  // With WORKERS > 1 the primary adds its own series to the workers' sum (tests/ops/cluster.test.ts).
  for (const metric of await primaryMetrics(() => 0).registry.getMetricsAsJSON()) exported.add(metric.name);
}, 60_000);

afterAll(async () => {
  await gateway?.kill();
  await program?.dispose();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('operator assets', () => {
  it('the running gateway exports Node.js process metrics under their standard, unprefixed names', () => {
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) expect(exported).toContain(name);
    expect([...exported].filter((n) => n.startsWith('gateway_process_') || n.startsWith('gateway_nodejs_'))).toEqual([]);
  });

  it.each([
    ['alerting rules', alertExpressions],
    ['dashboard', dashboardExpressions],
  ])('the %s name only metrics the gateway exports', (_what, expressions) => {
    const exprs = expressions();
    expect(exprs.length).toBeGreaterThan(10);
    const named = new Set(exprs.flatMap(metricNames));
    const missing = [...named].filter((n) => !exported.has(n) && !PROMETHEUS_SERIES.includes(n));
    expect(missing).toEqual([]);
  });

  it('the alerts cover partner keys, verification failures, key fetches, 5xx and event-loop lag', () => {
    const named = new Set(alertExpressions().flatMap(metricNames));
    for (const name of ['gateway_verifications_total', 'gateway_partner_keys_age_seconds', 'gateway_jwks_fetches_total', 'gateway_http_request_duration_seconds_count', 'nodejs_eventloop_lag_seconds']) {
      expect(named).toContain(name);
    }
  });

  it('finds metric names in PromQL and skips functions, keywords, labels and variables', () => {
    expect(metricNames('sum by (partner) (rate(a_total{result!="b_c"}[$__rate_interval])) / on (x) group_left b_total > 0.5 and up == 0')).toEqual(['a_total', 'b_total', 'up']);
    expect(metricNames('histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m])))')).toEqual(['x_bucket']);
  });
});
