#!/usr/bin/env node
/**
 * `npm run gen:kubernetes`: the two manifests of deploy/kubernetes/ that are copies of files kept
 * elsewhere, regenerated so they cannot drift:
 *   prometheusrule.yaml      ← ops/prometheus/gateway-alerts.yaml (its groups, as a PrometheusRule)
 *   configmap-partners.yaml  ← partners/*.json (one key per partner file)
 * `--check` writes nothing and exits 1 when either is stale (tests/deploy/kubernetes.test.ts).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'deploy', 'kubernetes');
const labels = { 'app.kubernetes.io/name': 'health-code-gateway' };
const header = (source) => `# Generated from ${source} by \`npm run gen:kubernetes\`: edit the source, then regenerate.\n`;

const alerts = parse(readFileSync(join(root, 'ops', 'prometheus', 'gateway-alerts.yaml'), 'utf8'));
const rule = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'health-code-gateway', labels },
  spec: { groups: alerts.groups },
};

const partnersDir = join(root, 'partners');
const data = Object.fromEntries(
  readdirSync(partnersDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, readFileSync(join(partnersDir, f), 'utf8')]),
);
const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'health-code-gateway-partners', labels }, data };

const files = {
  'prometheusrule.yaml': header('ops/prometheus/gateway-alerts.yaml') + stringify(rule, { lineWidth: 0 }),
  'configmap-partners.yaml': header('partners/*.json (the shipped examples: replace them with your partners)') + stringify(configMap, { lineWidth: 0 }),
};

const check = process.argv.includes('--check');
let stale = 0;
for (const [name, text] of Object.entries(files)) {
  const path = join(out, name);
  let current = null;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // missing: stale
  }
  if (current === text) continue;
  if (check) {
    console.error(`deploy/kubernetes/${name} is stale: run npm run gen:kubernetes`);
    stale++;
  } else {
    writeFileSync(path, text);
    console.log(`wrote deploy/kubernetes/${name}`);
  }
}
process.exit(stale ? 1 : 0);
