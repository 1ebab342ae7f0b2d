import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { parse, stringify } from 'yaml';
import { fromRoot } from '../../gateway/paths.js';
import { promtoolPath } from '../helpers/environment.js';
import { parseExposition } from '../helpers/metric-labels.js';
import { createTestGateway } from '../helpers/test-gateway.js';

/**
 * The alerting rules are checked by Prometheus' own tool: `promtool check rules`, `promtool test
 * rules` (one firing and one silent case per alert, ops/prometheus/gateway-alerts.test.yaml) and
 * `promtool check config` of the example prometheus.yml, whose job name the alerts read.
 * Without promtool the promtool tests are skipped with a warning; REQUIRE_PROMTOOL=1 (.ci/run)
 * makes a missing promtool fail the suite.
 */
const run = promisify(execFile);
const promtool = promtoolPath();
const dir = fromRoot('ops', 'prometheus');

interface Rules { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> }
interface RuleTests { rule_files: string[]; tests: Array<{ name: string; alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }> }
interface PrometheusConfig { rule_files: string[]; scrape_configs: Array<{ job_name: string; metrics_path?: string }> }

const rules = parse(readFileSync(`${dir}/gateway-alerts.yaml`, 'utf8')) as Rules;
const ruleTests = parse(readFileSync(`${dir}/gateway-alerts.test.yaml`, 'utf8')) as RuleTests;
const config = parse(readFileSync(`${dir}/prometheus.yml`, 'utf8')) as PrometheusConfig;
const alerts = rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r] : [])));

const withPromtool = promtool ? test : test.skip;

async function promtoolSays(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run(promtool!, args, { cwd: dir, timeout: 60_000 });
  return stdout + stderr;
}

/**
 * A promtool unit test built from what a real gateway exports when no optional feature is set up
 * (no trust list, no partner file, no traffic, one process): every sample held for three hours, as
 * scraped with the labels Prometheus adds, and every alert expected silent throughout.
 */
function notConfiguredTest(exposition: string): string {
  const quote = (v: string): string => JSON.stringify(v);
  const series = parseExposition(exposition).samples.map((sample) => {
    const labels = { job: 'health-code-gateway', instance: 'gw:8080', ...sample.labels };
    const value = Number(sample.value);
    return {
      series: `${sample.name}{${Object.entries(labels).map(([k, v]) => `${k}=${quote(v)}`).join(',')}}`,
      values: `${Number.isFinite(value) ? value : 0}x180`,
    };
  });
  series.push({ series: 'up{job="health-code-gateway",instance="gw:8080"}', values: '1x180' });
  return stringify({
    rule_files: [`${dir}/gateway-alerts.yaml`],
    evaluation_interval: '1m',
    tests: [{
      name: 'a gateway with nothing optional configured pages nobody',
      interval: '1m',
      input_series: series,
      alert_rule_test: ['5m', '1h', '3h'].flatMap((eval_time) => alerts.map((a) => ({ eval_time, alertname: a.alert, exp_alerts: [] }))),
    }],
  });
}

describe('alerting rules', () => {
  withPromtool('promtool check rules accepts every rule', async () => {
    expect(await promtoolSays('check', 'rules', 'gateway-alerts.yaml')).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  withPromtool('promtool test rules passes every firing and silent case', async () => {
    expect(await promtoolSays('test', 'rules', 'gateway-alerts.test.yaml')).toContain('SUCCESS');
  }, 60_000);

  withPromtool('promtool check config accepts the example prometheus.yml and the rules it loads', async () => {
    expect(await promtoolSays('check', 'config', 'prometheus.yml')).toMatch(/SUCCESS: 1 rule files found[\s\S]*SUCCESS: \d+ rules found/);
  });

  withPromtool('no alert fires on what a gateway exports with no trust list, no partner and no traffic', async () => {
    const gateway = await createTestGateway();
    let exposition: string;
    try {
      exposition = (await request(gateway.app).get('/metrics').expect(200)).text;
    } finally {
      await gateway.close();
    }
    const tmp = mkdtempSync(join(tmpdir(), 'hcg-alerts-'));
    try {
      writeFileSync(join(tmp, 'not-configured.test.yaml'), notConfiguredTest(exposition));
      const result = await run(promtool!, ['test', 'rules', join(tmp, 'not-configured.test.yaml')], { timeout: 60_000 }).then(
        ({ stdout }) => stdout,
        (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
      expect(result).toContain('SUCCESS');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);

  it('has a unit test where each alert fires and one where it stays silent', () => {
    const cases = ruleTests.tests.flatMap((t) => t.alert_rule_test ?? []);
    const missing = alerts.flatMap((a) => [
      ...(cases.some((c) => c.alertname === a.alert && (c.exp_alerts?.length ?? 0) > 0) ? [] : [`${a.alert} never fires`]),
      ...(cases.some((c) => c.alertname === a.alert && (c.exp_alerts?.length ?? 0) === 0) ? [] : [`${a.alert} never stays silent`]),
    ]);
    expect(missing).toEqual([]);
    expect(ruleTests.rule_files).toEqual(['gateway-alerts.yaml']);
  });

  it('reads `up` of the job the example prometheus.yml scrapes, and alerts when that job vanishes', () => {
    expect(config.rule_files).toEqual(['gateway-alerts.yaml']);
    const jobs = config.scrape_configs.map((c) => c.job_name);
    const upJobs = alerts.flatMap((a) => [...a.expr.matchAll(/\bup\{[^}]*job="([^"]+)"/g)].map((m) => m[1]));
    expect(upJobs.length).toBeGreaterThanOrEqual(2);
    for (const job of upJobs) expect(jobs).toContain(job);
    expect(alerts.some((a) => /^absent\(up\{job="[^"]+"\}\)$/.test(a.expr.trim()))).toBe(true);
  });
});
