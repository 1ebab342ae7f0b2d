// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../gateway/runtime/require-node.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { gb11643CheckChar } from '../gateway/identity/documents.js';
import { partnerFromIssuerMetadata } from '../gateway/issuer/issuer-metadata.js';
import type { IdentityDocument } from '../gateway/types/schemas.js';
import { BEIJING } from '../demo/cities.js';
import { freePort, GatewayProcess } from '../demo/processes.js';
import { SimCity } from '../demo/sim-city.js';
import { renderTable } from '../demo/table.js';

/**
 * `npm run soak [-- --minutes=5 --rps=100 --workers=8 --warmup-seconds=60]`: a gateway child
 * process (`node dist/gateway/main.js`, SQLite) under mixed load — declarations, code fetches,
 * verifications of its own and of a partner city's codes, checkpoint scans, JWKS / metadata /
 * status / partners / metrics, and invalid requests with known answers. Samples the child's
 * resident memory (VmRSS of /proc/<pid>/status) every second; after the warm-up, reports RSS growth
 * (target < 10 %) and failed requests (target 0: any answer other than the expected one, any
 * network error). Prints a table, writes bench/results/soak-<time>.json, exits 1 when a target is
 * missed. Not part of `npm test`: it is a measurement.
 */
const arg = (name: string, fallback: number): number => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = found === undefined ? fallback : Number(found.slice(name.length + 3));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};
const MINUTES = arg('minutes', 5);
const DURATION_MS = MINUTES * 60_000;
const WARMUP_MS = arg('warmup-seconds', Math.min(60, (DURATION_MS / 1000) * 0.25)) * 1000;
const RPS = arg('rps', 100);
const WORKERS = Math.round(arg('workers', 8));
const RSS_TARGET = 0.1;
/** `--gateway-env=NAME=value` (repeatable): a setting of the gateway under test, e.g. VERIFY_CACHE_MAX_ENTRIES=0. */
const GATEWAY_ENV = Object.fromEntries(
  process.argv.filter((a) => a.startsWith('--gateway-env=')).map((a) => {
    const [name, ...value] = a.slice('--gateway-env='.length).split('=');
    return [name!, value.join('=')];
  }),
);
const PARTNER_CODE_MAX_AGE_MS = 5 * 60_000;
const FRESH_CODE_MAX_AGE_MS = 7 * 60_000;

interface Holder { subjectId: string; token: string; document: IdentityDocument; jws: string; issuedAt: number }
interface OpStats { count: number; failures: number; ms: number[]; statuses: Record<string, number> }

let people = 0;
function newPerson(): { name: string; document: IdentityDocument; phone: string } {
  const n = people++;
  const month = String(1 + (Math.floor(n / 28_000) % 12)).padStart(2, '0');
  const day = String(1 + (Math.floor(n / 1000) % 28)).padStart(2, '0');
  const first17 = `130181${1970 + (Math.floor(n / 336_000) % 30)}${month}${day}${String(n % 1000).padStart(3, '0')}`;
  return { name: `压测${n}号`, document: { type: 'resident_id', number: first17 + gb11643CheckChar(first17) }, phone: `139${String(10_000_000 + (n % 90_000_000)).slice(-8)}` };
}

function declarationBody(p: ReturnType<typeof newPerson>): Record<string, unknown> {
  return { applicant: { name: p.name, document: p.document, phone: p.phone, residence: 'permanent' }, travel14d: ['130100'], symptoms: [], contactWithCase: false, attestTruthful: true };
}

interface Resident { rssKb: number; anonKb: number; fileKb: number; shmemKb: number }

/** Resident memory, whole and by kind (proc(5): RssAnon is the heaps and native allocations, RssFile mapped files). */
function residentKb(pid: number): Resident | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN);
    const rssKb = field('VmRSS');
    return Number.isFinite(rssKb) ? { rssKb, anonKb: field('RssAnon'), fileKb: field('RssFile'), shmemKb: field('RssShmem') } : null;
  } catch {
    return null;
  }
}

/** One unlabelled sample of the Prometheus text, or NaN. */
function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}

interface MemoryPoint extends Resident { t: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number; cacheEntries: number }

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

/** Least-squares slope of (t seconds, kB) in kB per minute. */
function slopePerMinute(points: Array<[number, number]>): number {
  if (points.length < 2) return NaN;
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? NaN : (sxy / sxx) * 60;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'hcg-soak-'));
  const city = new SimCity(BEIJING, 12);
  await city.start();
  const port = await freePort();
  mkdirSync(join(root, 'partners'), { recursive: true });
  writeFileSync(join(root, 'partners', 'beijing.json'), JSON.stringify(partnerFromIssuerMetadata(city.metadata()), null, 2));
  const child = new GatewayProcess({ label: 'soak', dir: root, port, env: { LOG_LEVEL: 'warn', ...GATEWAY_ENV } });
  const stats = new Map<string, OpStats>();
  const failureExamples: string[] = [];
  const samples: Array<[number, number]> = [];
  /** Every 10 s: where the resident memory is (proc status, and the gateway's own V8 heap metrics). */
  const memory: MemoryPoint[] = [];
  let pool: Pool | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    await child.start();
    const deviceToken = await child.addDevice('soak-checkpoint');
    const pid = child.pid;
    if (pid === undefined) throw new Error('the gateway child has no pid');
    pool = new Pool(child.url, { connections: WORKERS });
    const p = pool;

    async function call(op: string, method: string, path: string, expect: number, body?: unknown, token?: string, check?: (json: any) => boolean): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
      const s = stats.get(op) ?? { count: 0, failures: 0, ms: [], statuses: {} };
      stats.set(op, s);
      const started = performance.now();
      let status = 'network';
      let json: any = undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
      try {
        const headers: Record<string, string> = {};
        if (body !== undefined) headers['content-type'] = 'application/json';
        if (token) headers['authorization'] = `Bearer ${token}`;
        const res = await p.request({ method: method as 'GET', path, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}), headersTimeout: 10_000, bodyTimeout: 10_000 });
        status = String(res.statusCode);
        const text = await res.body.text();
        try { json = JSON.parse(text); } catch { json = undefined; }
      } catch (error) {
        status = `network:${(error as { code?: string }).code ?? 'error'}`;
      }
      s.count++;
      s.ms.push(performance.now() - started);
      s.statuses[status] = (s.statuses[status] ?? 0) + 1;
      const ok = status === String(expect) && (check === undefined || check(json));
      if (!ok) {
        s.failures++;
        if (failureExamples.length < 20) failureExamples.push(`${op}: ${status} ${JSON.stringify(json ?? null).slice(0, 160)}`);
      }
      return ok ? json : undefined;
    }

    const holders: Holder[] = [];
    async function declare(): Promise<void> {
      const person = newPerson();
      const r = await call('declaration', 'POST', '/v1/declarations', 201, declarationBody(person), undefined, (j) => typeof j?.credential?.jws === 'string');
      if (r) holders.push({ subjectId: r.subjectId, token: r.holderToken, document: person.document, jws: r.credential.jws, issuedAt: Date.now() });
    }
    let partnerCodes: { at: number; codes: string[] } = { at: 0, codes: [] };
    async function partnerCode(): Promise<string> {
      if (Date.now() - partnerCodes.at > PARTNER_CODE_MAX_AGE_MS) {
        const person = newPerson();
        partnerCodes = { at: Date.now(), codes: await Promise.all(Array.from({ length: 20 }, () => city.issue(person, '未见异常'))) };
      }
      return partnerCodes.codes[Math.floor(Math.random() * partnerCodes.codes.length)]!;
    }
    const anyHolder = (): Holder => holders[Math.floor(Math.random() * holders.length)]!;
    async function fetchCode(h: Holder): Promise<void> {
      const r = await call('code fetch', 'GET', `/v1/subjects/${h.subjectId}/code`, 200, undefined, h.token, (j) => typeof j?.credential?.jws === 'string');
      if (r) Object.assign(h, { jws: r.credential.jws, issuedAt: Date.now() });
    }
    // A code presented for verification is one a person would hold: fetched within half its
    // lifetime (CREDENTIAL_TTL_SECONDS, 15 min by default), as the app refreshes it. Without this,
    // a long soak presents codes that expired honestly and counts ERR_TOKEN_EXPIRED as failures.
    async function holderWithFreshCode(): Promise<Holder> {
      const h = anyHolder();
      if (Date.now() - h.issuedAt > FRESH_CODE_MAX_AGE_MS) await fetchCode(h);
      return h;
    }
    for (let i = 0; i < 10; i++) await declare();

    // Weights: what a busy gateway sees — mostly verifications and code fetches, some declarations.
    const OPS: Array<[number, () => Promise<unknown>]> = [
      [6, declare],
      [14, () => fetchCode(anyHolder())],
      [20, async () => call('verify own code', 'POST', '/v1/verify', 200, { code: (await holderWithFreshCode()).jws }, undefined, (j) => j?.valid === true)],
      [20, async () => call('verify partner code', 'POST', '/v1/verify', 200, { code: await partnerCode() }, undefined, (j) => j?.valid === true && j?.credential?.color === 'green')],
      [10, async () => {
        const h = await holderWithFreshCode();
        return call('checkpoint scan', 'POST', '/v1/checkpoint/scans', 200, { code: h.jws, temperatureC: 36.5, document: h.document }, deviceToken, (j) => j?.decision === 'pass');
      }],
      [4, () => call('JWKS', 'GET', '/.well-known/jwks.json', 200, undefined, undefined, (j) => Array.isArray(j?.keys))],
      [3, () => call('issuer metadata', 'GET', '/.well-known/health-code-issuer', 200)],
      [3, () => call('status list', 'GET', '/.well-known/health-code-status', 200)],
      [2, () => call('partners', 'GET', '/v1/partners', 200)],
      [1, () => call('metrics', 'GET', '/metrics', 200)],
      [4, () => call('invalid: garbage code', 'POST', '/v1/verify', 200, { code: 'eyJhbGciOiJub25lIn0.e30.' }, undefined, (j) => j?.valid === false && typeof j?.error?.code === 'string')],
      [3, () => call('invalid: broken JSON', 'POST', '/v1/verify', 400, '{"code":', undefined, (j) => j?.error?.code === 'ERR_INVALID_JSON')],
      [3, () => call('invalid: no token', 'GET', `/v1/subjects/${anyHolder().subjectId}/code`, 401, undefined, undefined, (j) => j?.error?.code === 'ERR_UNAUTHENTICATED')],
      [3, () => call('invalid: bad ID checksum', 'POST', '/v1/declarations', 400, declarationBody({ ...newPerson(), document: { type: 'resident_id', number: '130181199003071230' } }), undefined, (j) => j?.error?.code === 'ERR_DOCUMENT_CHECKSUM')],
      [2, () => call('invalid: unknown route', 'GET', '/v1/nothing-here', 404)],
    ];
    const totalWeight = OPS.reduce((a, [w]) => a + w, 0);
    const pick = (): (() => Promise<unknown>) => {
      let r = Math.random() * totalWeight;
      for (const [w, op] of OPS) if ((r -= w) < 0) return op;
      return OPS[0]![1];
    };

    const started = Date.now();
    const end = started + DURATION_MS;
    let ticks = 0;
    sampler = setInterval(() => {
      const resident = residentKb(pid);
      if (resident === null) return;
      const t = (Date.now() - started) / 1000;
      samples.push([t, resident.rssKb]);
      if (ticks++ % 10 !== 0) return;
      void p.request({ method: 'GET', path: '/metrics', headersTimeout: 10_000, bodyTimeout: 10_000 })
        .then((res) => res.body.text())
        .then((text) => {
          memory.push({ t, ...resident, heapUsedBytes: metricValue(text, 'nodejs_heap_size_used_bytes'), heapTotalBytes: metricValue(text, 'nodejs_heap_size_total_bytes'), externalBytes: metricValue(text, 'nodejs_external_memory_bytes'), cacheEntries: metricValue(text, 'gateway_verified_cache_entries') });
        })
        .catch(() => undefined);
    }, 1000);
    let lastReport = started;
    const intervalMs = (WORKERS * 1000) / RPS; // each worker paces itself: WORKERS × (1 / interval) ≈ RPS
    const worker = async (): Promise<void> => {
      let next = Date.now();
      while (Date.now() < end) {
        await pick()();
        next += intervalMs;
        const wait = next - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        else next = Date.now();
        if (Date.now() - lastReport >= 30_000) {
          lastReport = Date.now();
          const done = [...stats.values()].reduce((a, s) => a + s.count, 0);
          const failed = [...stats.values()].reduce((a, s) => a + s.failures, 0);
          console.log(`  ${Math.round((lastReport - started) / 1000)} s: ${done} requests, ${failed} failed, RSS ${((samples.at(-1)?.[1] ?? 0) / 1024).toFixed(1)} MiB`);
        }
      }
    };
    const cpu = cpus();
    console.log(`Soak — Node ${process.version}, ${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length}, load average ${loadavg()[0]!.toFixed(2)} at start`);
    console.log(`gateway child pid ${pid}, ${MINUTES} min, warm-up ${WARMUP_MS / 1000} s, ~${RPS} requests/s from ${WORKERS} workers${Object.keys(GATEWAY_ENV).length ? `, gateway settings ${JSON.stringify(GATEWAY_ENV)}` : ''}\n`);
    await Promise.all(Array.from({ length: WORKERS }, worker));
    clearInterval(sampler);
    sampler = undefined;

    const after = samples.filter(([t]) => t * 1000 >= WARMUP_MS);
    const baselineKb = median(after.slice(0, 5).map(([, kb]) => kb));
    const finalKb = median(after.slice(-5).map(([, kb]) => kb));
    const maxKb = Math.max(...after.map(([, kb]) => kb));
    const growth = finalKb / baselineKb - 1;
    const slope = slopePerMinute(after);
    const totalRequests = [...stats.values()].reduce((a, s) => a + s.count, 0);
    const failures = [...stats.values()].reduce((a, s) => a + s.failures, 0);

    const rows = [...stats.entries()].map(([op, s]) => [
      op, String(s.count), String(s.failures), `${quantile(s.ms, 0.5).toFixed(1)} ms`, `${quantile(s.ms, 0.99).toFixed(1)} ms`,
      Object.entries(s.statuses).map(([k, v]) => `${k}×${v}`).join(' '),
    ]);
    console.log(renderTable(['operation', 'requests', 'failed', 'p50', 'p99', 'statuses'], rows));
    const mib = (kb: number): string => `${(kb / 1024).toFixed(1)} MiB`;
    const rssOk = after.length >= 2 && growth < RSS_TARGET;
    const failuresOk = failures === 0;
    console.log(`\n${totalRequests} requests in ${MINUTES} min (${(totalRequests / (DURATION_MS / 1000)).toFixed(1)}/s), ${people} people declared or invented`);
    console.log(`RSS after the ${WARMUP_MS / 1000} s warm-up: ${mib(baselineKb)} → at the end ${mib(finalKb)} (max ${mib(maxKb)}): growth ${(growth * 100).toFixed(1)} % (target < ${RSS_TARGET * 100} %) ${rssOk ? 'OK' : 'MISSED'}; trend ${(slope / 1024).toFixed(2)} MiB/min`);
    const memAfter = memory.filter((m) => m.t * 1000 >= WARMUP_MS);
    const firstMem = memAfter[0];
    const lastMem = memAfter.at(-1);
    if (firstMem && lastMem) {
      const d = (a: number, b: number, unit: number): string => `${(a / unit).toFixed(1)} → ${(b / unit).toFixed(1)} MiB (${b - a >= 0 ? '+' : ''}${((b - a) / unit).toFixed(1)})`;
      console.log(`  where, from ${firstMem.t.toFixed(0)} s to ${lastMem.t.toFixed(0)} s: anonymous ${d(firstMem.anonKb, lastMem.anonKb, 1024)}, file-backed ${d(firstMem.fileKb, lastMem.fileKb, 1024)}; V8 heap used ${d(firstMem.heapUsedBytes, lastMem.heapUsedBytes, 2 ** 20)}, heap total ${d(firstMem.heapTotalBytes, lastMem.heapTotalBytes, 2 ** 20)}, external ${d(firstMem.externalBytes, lastMem.externalBytes, 2 ** 20)}`);
    }
    // The verified-result cache grows to its bound by design (every soak code is new): growth
    // after it is full is what a leak would show. Reported, not a target.
    const fullEntries = Math.max(...memory.map((m) => m.cacheEntries).filter(Number.isFinite));
    const fullAt = memory.find((m, i) => m.cacheEntries === fullEntries && i < memory.length - 1)?.t;
    let steady: { fromS: number; fromKb: number; growthPercent: number; trendKbPerMinute: number } | undefined;
    if (fullAt !== undefined && fullEntries > 0) {
      const since = samples.filter(([t]) => t >= fullAt);
      const fromKb = median(since.slice(0, 5).map(([, kb]) => kb));
      if (since.length >= 60) steady = { fromS: fullAt, fromKb, growthPercent: (finalKb / fromKb - 1) * 100, trendKbPerMinute: slopePerMinute(since) };
    }
    if (steady) console.log(`  once the verified-result cache was full (${fullEntries} entries at ${steady.fromS.toFixed(0)} s): RSS ${mib(steady.fromKb)} → ${mib(finalKb)}, ${steady.growthPercent >= 0 ? '+' : ''}${steady.growthPercent.toFixed(1)} %, trend ${(steady.trendKbPerMinute / 1024).toFixed(2)} MiB/min (reported, not a target)`);
    else console.log(`  the verified-result cache was still growing in the run's last minute (${Number.isFinite(fullEntries) ? fullEntries : 'no'} entries at most)`);
    console.log(`failed requests: ${failures} (target 0) ${failuresOk ? 'OK' : 'MISSED'}`);
    for (const f of failureExamples) console.log(`  ${f}`);

    const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `soak-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({
      startedAt: new Date(started).toISOString(), node: process.version, cpu: `${cpu[0]?.model.trim() ?? 'unknown'} × ${cpu.length}`, loadAverageAtStart: loadavg()[0],
      minutes: MINUTES, warmupSeconds: WARMUP_MS / 1000, targetRps: RPS, workers: WORKERS,
      requests: totalRequests, failures, failureExamples,
      operations: Object.fromEntries([...stats.entries()].map(([op, s]) => [op, { requests: s.count, failures: s.failures, p50Ms: quantile(s.ms, 0.5), p99Ms: quantile(s.ms, 0.99), statuses: s.statuses }])),
      rss: { baselineKb, finalKb, maxKb, growthPercent: growth * 100, trendKbPerMinute: slope, samples },
      memory,
      afterCacheFull: steady ?? null,
      targets: { rssGrowthBelowPercent: RSS_TARGET * 100, failedRequests: 0, rssOk, failuresOk },
    }, null, 2));
    console.log(`\nwritten: ${file}`);
    if (!rssOk || !failuresOk) process.exitCode = 1;
  } finally {
    if (sampler) clearInterval(sampler);
    await pool?.close();
    await child.stop();
    await city.close();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`soak failed: ${(error as Error).message}`);
  process.exitCode = 1;
});
