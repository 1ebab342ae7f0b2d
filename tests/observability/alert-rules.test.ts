import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { fromRoot } from '../../gateway/paths.js';
import { promtoolPath } from '../helpers/environment.js';

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
