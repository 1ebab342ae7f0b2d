import { fork } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, GatewayProcess } from '../demo/processes.js';
import { load, type LoadOptions, type LoadResult } from './load.js';
import type { BenchPartner } from './partner.js';
import { ratioRow, type Row } from './report.js';
import { CACHE_ENTRIES } from './setup.js';

/**
 * Rows over HTTP: the gateway runs as its own process, exactly as `npm start` runs it, and
 * autocannon loads it from this process. Both share the machine's cores, so the HTTP rows compare
 * figures taken under the same handicap. Rate limiting is turned off (RATE_LIMIT_ENABLED=false):
 * every request comes from 127.0.0.1, one client, which production would throttle.
 */
export const CONNECTIONS = 32;

/** Environment of every bench gateway process besides what GatewayProcess sets. */
export function benchEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { RATE_LIMIT_ENABLED: 'false', VERIFY_CACHE_MAX_ENTRIES: String(CACHE_ENTRIES), LOG_LEVEL: 'warn', ...extra };
}

/** `port`: to restart a gateway as the same issuer (its ISSUER_URL, the iss of its codes, names the port); `main`: another entry point (the bench's node:crypto gateway). */
export async function startGatewayProcess(dir: string, label: string, partner: BenchPartner | undefined, env: Record<string, string>, opts: { port?: number; main?: string } = {}): Promise<GatewayProcess> {
  const gw = new GatewayProcess({ label, dir, port: opts.port ?? (await freePort()), env, ...(opts.main ? { main: opts.main } : {}) });
  if (partner) {
    mkdirSync(join(dir, 'partners'), { recursive: true });
    partner.writePartnerFile(join(dir, 'partners'));
  }
  await gw.start(60_000);
  return gw;
}

/** A short discarded run first (JIT, connections, key fetch), then the measured one. */
export async function warmLoad(options: LoadOptions): Promise<LoadResult> {
  await load({ ...options, seconds: Math.max(1, Math.min(2, options.seconds / 4)) });
  return load(options);
}

export function verifyLoad(url: string, codes: readonly string[], seconds: number): LoadOptions {
  const bodies = codes.map((code) => JSON.stringify({ code }));
  let n = 0;
  return {
    url, method: 'POST', path: '/v1/verify', connections: CONNECTIONS, seconds,
    body: () => bodies[n++ % bodies.length]!,
    accept: (status, text) => status === 200 && text.startsWith('{"valid":true'),
  };
}

export function bareExpress(port: number, file?: string): Promise<{ stop(): Promise<void> }> {
  const script = fileURLToPath(new URL('./bare-express.js', import.meta.url));
  const child = fork(script, [String(port), ...(file ? [file] : [])], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bare express exited (${code})`)));
    child.once('message', () => resolve({
      stop: () => new Promise<void>((done) => { child.removeAllListeners('exit'); child.once('exit', () => done()); child.kill('SIGTERM'); }),
    }));
  });
}

export async function httpRows(dir: string, partner: BenchPartner, codes: readonly string[], seconds: number): Promise<Row[]> {
  const gw = await startGatewayProcess(join(dir, 'http'), 'http', partner, benchEnv());
  let verify: LoadResult;
  let health: LoadResult;
  try {
    verify = await warmLoad(verifyLoad(gw.url, codes, seconds));
    health = await warmLoad({ url: gw.url, path: '/healthz', connections: CONNECTIONS, seconds, accept: (s) => s === 200 });
  } finally {
    await gw.stop();
  }
  const port = await freePort();
  const bare = await bareExpress(port);
  let floor: LoadResult;
  try {
    floor = await warmLoad({ url: `http://127.0.0.1:${port}`, path: '/healthz', connections: CONNECTIONS, seconds, accept: (s) => s === 200 });
  } finally {
    await bare.stop();
  }
  return [
    ratioRow({
      id: 'verify-http',
      name: `POST /v1/verify over HTTP, distinct partner codes, ${CONNECTIONS} connections`,
      value: verify.perSecond, unit: 'req/s',
      baseline: { name: 'GET /healthz, same process', value: health.perSecond },
      p50Ms: verify.p50Ms, p99Ms: verify.p99Ms, failures: verify.failures,
      notes: [`${verify.requests} requests, ${verify.failures} not valid/failed; GET /healthz p50/p99 ${health.p50Ms}/${health.p99Ms} ms`],
      bound: 'CPU: one ECDSA verification plus the JSON body parse and answer per request, with autocannon on the same two cores',
    }, 0.6),
    ratioRow({
      id: 'cheapest-route',
      name: `GET /healthz (the gateway's cheapest route), ${CONNECTIONS} connections`,
      value: health.perSecond, unit: 'req/s',
      baseline: { name: 'bare express constant', value: floor.perSecond },
      p50Ms: health.p50Ms, p99Ms: health.p99Ms, failures: health.failures + floor.failures,
      notes: [`bare express p50/p99 ${floor.p50Ms}/${floor.p99Ms} ms`],
      bound: 'the middleware every request passes (request id, logging, metrics, security headers)',
    }, 0.8),
  ];
}

/** Child processes of `pid` (Linux /proc): the cluster workers of a gateway primary. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/**
 * WORKERS=2 against WORKERS=1 on POST /v1/verify with distinct codes. If the gateway started no
 * worker processes for WORKERS=2 (a build without the setting), the row says so instead of
 * comparing one process with itself.
 */
export async function workersRow(dir: string, partner: BenchPartner, codes: readonly string[], seconds: number): Promise<Row> {
  const results: Record<number, LoadResult> = {};
  let workersSeen = 0;
  for (const workers of [1, 2]) {
    const gw = await startGatewayProcess(join(dir, `workers-${workers}`), `workers-${workers}`, partner, benchEnv({ WORKERS: String(workers) }));
    try {
      if (workers === 2) {
        workersSeen = gw.pid ? childrenOf(gw.pid).length : 0;
        if (workersSeen < 2) break;
      }
      results[workers] = await warmLoad(verifyLoad(gw.url, codes, seconds));
    } finally {
      await gw.stop();
    }
  }
  const one = results[1]!;
  const two = results[2];
  const reason = 'the 2 cores are shared by the gateway processes and the load generator (autocannon, one JavaScript thread that needs most of a core at these rates); a second worker can only use what autocannon leaves, and each worker verifies with its own key and result caches';
  if (!two) {
    return {
      id: 'workers', name: 'POST /v1/verify, WORKERS=2 vs WORKERS=1', value: one.perSecond, unit: 'req/s', pass: null,
      skipped: `WORKERS=2 started ${workersSeen} worker process(es): the setting is not available in this build`,
      notes: [`WORKERS=1: ${Math.round(one.perSecond)} req/s`],
    };
  }
  return {
    ...ratioRow({
      id: 'workers',
      name: `POST /v1/verify, WORKERS=2 (${workersSeen} worker processes) vs WORKERS=1`,
      value: two.perSecond, unit: 'req/s',
      baseline: { name: 'WORKERS=1', value: one.perSecond },
      p50Ms: two.p50Ms, p99Ms: two.p99Ms, failures: two.failures + one.failures,
      notes: [`reason for the figure: ${reason}`, `WORKERS=1 p50/p99 ${one.p50Ms}/${one.p99Ms} ms`],
    }, null),
  };
}
