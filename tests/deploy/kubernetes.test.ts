import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ENV_VARS } from '../../gateway/config/env.js';
import { loadConfig } from '../../gateway/config/load-config.js';
import { fromRoot } from '../../gateway/paths.js';
import { planAdd, secretManifest } from '../../gateway/cli/key-commands.js';

/**
 * deploy/kubernetes/ (issue 11), validated offline against the schemas kubernetes-models ships
 * (the Kubernetes OpenAPI schemas; ServiceMonitor and PrometheusRule against the prometheus-operator
 * CRDs' schemas in @kubernetes-models/prometheus-operator). Those schemas, like the API server's,
 * do not refuse unknown fields, so the test also checks what matters by name: probes, the drain
 * timing, the Secret and ConfigMap mounts, variables the gateway knows.
 */
type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };
const DIR = fromRoot('deploy', 'kubernetes');
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};
const manifestFiles = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
const manifests: Array<{ file: string; doc: Manifest }> = manifestFiles.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => ({ file, doc: d.toJS() as Manifest })),
);
const validate = (doc: Manifest): void => {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc as never).validate();
};
const byKind = (kind: string, name?: string): Manifest => manifests.find((m) => m.doc.kind === kind && (name === undefined || m.doc.metadata.name === name))!.doc;

/* eslint-disable @typescript-eslint/no-explicit-any */
const deployment = byKind('Deployment') as any;
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const envValue = (name: string): string | undefined => container.env.find((e: any) => e.name === name)?.value;

describe('the Kubernetes manifests', () => {
  test.each(manifests.map((m) => [`${m.file}: ${m.doc.kind} ${m.doc.metadata.name}`, m.doc] as const))('%s validates against its schema', (_name, doc) => {
    expect(() => validate(doc)).not.toThrow();
  });

  test('the validator refuses a wrong manifest (so a pass means something)', () => {
    expect(() => validate({ ...deployment, spec: { ...deployment.spec, replicas: 'two' } })).toThrow(/replicas/);
    const rule = byKind('PrometheusRule') as any;
    expect(() => validate({ ...rule, spec: { groups: [{ rules: [{ alert: 'X' }] }] } })).toThrow();
  });

  test('kustomization.yaml lists every manifest of the directory', () => {
    const kustomization = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] };
    expect([...kustomization.resources].sort()).toEqual(manifestFiles);
  });

  test('liveness probes /healthz and readiness /readyz on the container port', () => {
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
    expect(container.startupProbe.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
    expect(container.ports).toContainEqual(expect.objectContaining({ name: 'http', containerPort: Number(envValue('PORT')) }));
  });

  test('the grace period covers the preStop sleep plus SHUTDOWN_TIMEOUT_MS, with a margin under 15 s', () => {
    const command = container.lifecycle.preStop.exec.command as string[];
    expect(command[0]).toBe('sleep');
    const preStop = Number(command[1]);
    const drain = Number(envValue('SHUTDOWN_TIMEOUT_MS')) / 1000;
    const margin = pod.terminationGracePeriodSeconds - preStop - drain;
    expect(margin).toBeGreaterThanOrEqual(1);
    expect(margin).toBeLessThan(15);
  });

  test('runs in production mode as non-root on a read-only root filesystem, keys and pepper from a Secret, partners from a ConfigMap', () => {
    expect(envValue('GATEWAY_ENV')).toBe('production');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const mountOf = (dir: string) => container.volumeMounts.find((m: any) => m.mountPath === envValue(dir));
    const volume = (name: string) => pod.volumes.find((v: any) => v.name === name);
    // A subPath mount would never see a changed Secret: key rotation needs the whole directory.
    expect(mountOf('CERTS_DIR')).toMatchObject({ readOnly: true });
    expect(mountOf('CERTS_DIR').subPath).toBeUndefined();
    expect(volume(mountOf('CERTS_DIR').name).secret.secretName).toBe('health-code-gateway-keys');
    expect(volume(mountOf('PARTNERS_DIR').name).configMap.name).toBe(byKind('ConfigMap').metadata.name);
    expect(mountOf('DATA_DIR')).toBeDefined();
    const secretEnv = container.env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.name);
    expect(secretEnv).toEqual(expect.arrayContaining(['RISK_FEED_TOKEN', 'DATABASE_URL']));
  });

  test('its environment, with the Secret\'s values, passes production mode\'s refusals (issue 19, item 5)', () => {
    const plain = Object.fromEntries(container.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, String(e.value)]));
    const secrets = { RISK_FEED_TOKEN: 'k8s-feed-token-0123456789abcdefgh', ADMIN_TOKEN: 'k8s-admin-token-0123456789abcdefg', DATABASE_URL: 'postgres://gateway@db:5432/gateway' };
    expect(() => loadConfig({ ...plain, ...secrets })).not.toThrow();
    expect(plain['PRODUCTION_OPT_OUT']).toBeUndefined();
  });

  test('sets only variables the gateway knows', () => {
    const known = new Set(ENV_VARS.map((v) => v.name));
    expect(container.env.map((e: any) => e.name).filter((n: string) => !known.has(n))).toEqual([]);
  });

  test('the Service, PodDisruptionBudget and ServiceMonitor select the Deployment\'s pods and port', () => {
    const labels = deployment.spec.template.metadata.labels;
    const service = byKind('Service', 'health-code-gateway') as any;
    const adminService = byKind('Service', 'health-code-gateway-admin') as any;
    expect(labels).toMatchObject(service.spec.selector);
    expect(labels).toMatchObject(adminService.spec.selector);
    expect(labels).toMatchObject((byKind('PodDisruptionBudget') as any).spec.selector.matchLabels);
    const monitor = byKind('ServiceMonitor') as any;
    // The monitor finds the admin Service only (not the public one), on the admin port.
    expect(adminService.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(service.metadata.labels).not.toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: adminService.spec.ports[0].name, path: '/metrics' });
    // job = the Service's app.kubernetes.io/name: the job the alerts read (up{job="health-code-gateway"}).
    expect(adminService.metadata.labels[monitor.spec.jobLabel]).toBe('health-code-gateway');
  });

  test('ADMIN_PORT is set, and the public Service exposes the public port only', () => {
    const adminPort = container.ports.find((p: any) => p.name === 'admin');
    expect(envValue('ADMIN_PORT')).toBe(String(adminPort.containerPort));
    expect(envValue('ADMIN_PORT')).not.toBe(envValue('PORT'));
    const service = byKind('Service', 'health-code-gateway') as any;
    expect(service.spec.ports.map((p: any) => p.targetPort)).toEqual(['http']);
    // Every Service that reaches the admin port is headless: nothing balances or routes to it.
    for (const s of manifests.filter((m) => m.doc.kind === 'Service').map((m) => m.doc as any)) {
      if (s.spec.ports.some((p: any) => p.targetPort === 'admin')) expect(s.spec.clusterIP).toBe('None');
    }
  });

  test('a NetworkPolicy admits anyone to the public port and only Prometheus to the admin port', () => {
    const policy = byKind('NetworkPolicy') as any;
    expect(deployment.spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(policy.spec.policyTypes).toContain('Ingress');
    const rules = policy.spec.ingress as any[];
    const forPort = (port: string): any[] => rules.filter((r) => r.ports.some((p: any) => p.port === port));
    expect(forPort('http')).toEqual([expect.not.objectContaining({ from: expect.anything() })]);
    const admin = forPort('admin');
    expect(admin).toHaveLength(1);
    expect(admin[0].from).toEqual([expect.objectContaining({ namespaceSelector: expect.any(Object), podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } })]);
  });

  test('the replicas prefer different nodes (pod anti-affinity on the hostname)', () => {
    const terms = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    expect(terms).toEqual([expect.objectContaining({ podAffinityTerm: expect.objectContaining({ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: deployment.spec.template.metadata.labels } }) })]);
    expect(deployment.spec.replicas).toBeGreaterThan(1);
  });

  test('the PrometheusRule and the partners ConfigMap are in sync with their sources (npm run gen:kubernetes)', async () => {
    await expect(promisify(execFile)(process.execPath, [fromRoot('scripts', 'gen-kubernetes.mjs'), '--check'], { cwd: fromRoot(), timeout: 30_000 })).resolves.toBeDefined();
    const source = parseAllDocuments(readFileSync(fromRoot('ops', 'prometheus', 'gateway-alerts.yaml'), 'utf8'))[0]!.toJS() as { groups: unknown };
    expect((byKind('PrometheusRule') as any).spec.groups).toEqual(source.groups);
  });

  test('keys --secret prints a Secret that validates and that the Deployment mounts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcg-secret-'));
    try {
      const secret = secretManifest(dir, await planAdd(dir, 'ES256', 'active', Date.now()), 'health-code-gateway-keys') as Manifest;
      expect(() => validate(secret)).not.toThrow();
      expect(secret.metadata.name).toBe(pod.volumes.find((v: any) => v.secret).secret.secretName);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
