import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import type { GatewayProcess } from '../demo/processes.js';
import { openStore } from '../gateway/store/open-store.js';
import type { Store, SubjectRecord } from '../gateway/store/store.js';
import { dropSchema } from './launch-day.js';
import type { Row } from './report.js';
import { benchEnv, startGatewayProcess } from './rows-http.js';
import { residentDeclaration } from './setup.js';

/**
 * Issue 22, the launch-day queue, each row against its baseline measured in the same run:
 * - declarations accepted (201 or 202 queued) over HTTP against the store's plain insert rate of
 *   subject rows (in process, 64 in flight), SQLite and PostgreSQL; every answer timed; the gateway
 *   is killed -9 while the load still runs, and every declaration it acknowledged must be in the store;
 * - codes produced from that queue by a restarted gateway against the scrypt bound (cores ÷ one scrypt);
 * - 2 declaration-worker processes on one PostgreSQL, each pinned to its own core, against 1.
 */
const CONNECTIONS = 64;
const WORKER_MAIN = fileURLToPath(new URL('../gateway/declaration-worker.js', import.meta.url));

interface AcceptResult {
  accepted: string[];
  queued: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  other: Record<string, number>;
  seconds: number;
}

const percentile = (sorted: readonly number[], p: number): number => sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/** Closed loop of CONNECTIONS clients; the gateway is killed -9 at `killAtSeconds`, with requests in flight. */
async function acceptLoad(gw: GatewayProcess, seconds: number, first: number): Promise<AcceptResult> {
  const pool = new Pool(gw.url, { connections: CONNECTIONS, pipelining: 1 });
  const accepted: string[] = [];
  const latencies: number[] = [];
  const other: Record<string, number> = {};
  let queued = 0;
  let n = first;
  let killed = false;
  const start = performance.now();
  const until = start + seconds * 1000;
  const killTimer = setTimeout(() => {
    killed = true;
    gw.killNow();
  }, seconds * 1000);
  let lastAnswer = start;
  const client = async (): Promise<void> => {
    while (!killed && performance.now() < until + 1000) {
      const sent = performance.now();
      try {
        const res = await pool.request({ method: 'POST', path: '/v1/declarations', headers: { 'content-type': 'application/json' }, body: JSON.stringify(residentDeclaration(n++)), headersTimeout: 30_000, bodyTimeout: 30_000 });
        const text = await res.body.text();
        const now = performance.now();
        if (res.statusCode === 201 || res.statusCode === 202) {
          accepted.push(String((JSON.parse(text) as { subjectId: unknown }).subjectId));
          if (res.statusCode === 202) queued++;
          latencies.push(now - sent);
          lastAnswer = now;
        } else {
          other[res.statusCode] = (other[res.statusCode] ?? 0) + 1;
        }
      } catch {
        if (!killed) other['error'] = (other['error'] ?? 0) + 1;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: CONNECTIONS }, client));
  } finally {
    clearTimeout(killTimer);
    await pool.destroy();
  }
  latencies.sort((a, b) => a - b);
  const elapsed = (lastAnswer - start) / 1000;
  return { accepted, queued, perSecond: accepted.length / elapsed, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), other, seconds: elapsed };
}

/** The store's plain insert rate for subject rows like the declarations' (in process, CONNECTIONS in flight). */
async function plainInsertRate(store: Store, seconds: number): Promise<number> {
  let n = 0;
  const row = (): SubjectRecord => {
    const i = n++;
    const id = `sub_${randomBytes(16).toString('base64url')}`;
    return {
      id, documentType: 'resident_id', documentKey: randomBytes(32).toString('hex'), identityKey: randomBytes(32).toString('hex'),
      nameMasked: '张*猛', documentMasked: '1301**********1239', binding: 'queued', holderTokenHash: randomBytes(32).toString('hex'),
      declaration: { residence: 'permanent', travel14d: ['130100'], symptoms: [], contactWithCase: false }, declaredAt: Date.now() + i, modifiedDay: null, createdAt: Date.now(),
    };
  };
  const start = performance.now();
  const until = start + seconds * 1000;
  let done = 0;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < until) {
      await store.insertSubject(row());
      done++;
    }
  }));
  return done / ((performance.now() - start) / 1000);
}

async function depthOf(store: Store): Promise<number> {
  return (await store.declarationQueueStats()).depth;
}

function storeOf(dir: string, kind: 'sqlite' | 'postgres', databaseUrl: string | undefined, schema: string): Promise<Store> {
  return openStore({ dataDir: join(dir, 'data'), ...(kind === 'postgres' && databaseUrl ? { databaseUrl, pgSchema: schema } : {}) });
}

interface QueueRowsOptions {
  seconds: number;
  databaseUrl: string | undefined;
  scryptMs: number;
}

async function acceptRow(dir: string, kind: 'sqlite' | 'postgres', options: QueueRowsOptions): Promise<{ rows: Row[]; home: string; schema: string }> {
  const home = join(dir, `queue-${kind}`);
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const dbEnv: Record<string, string> = kind === 'postgres' ? { DATABASE_URL: options.databaseUrl!, DATABASE_SCHEMA: schema } : {};
  // Serving only: the queue fills (a worker would share the cores with what is measured here).
  const gw = await startGatewayProcess(home, `queue-${kind}`, undefined, benchEnv({ ...dbEnv, DECLARATION_QUEUE_WORKER: 'false', ISSUE_POOL_CONCURRENCY: '1', BINDING_SCRYPT_LOG_N: '15' }));
  const result = await acceptLoad(gw, options.seconds, kind === 'sqlite' ? 1_000_000 : 2_000_000);
  await gw.stop();
  const store = await storeOf(home, kind, options.databaseUrl, schema);
  let lost = 0;
  let insertRate: number;
  try {
    for (const id of result.accepted) if (!(await store.getSubject(id))) lost++;
    insertRate = await plainInsertRate(store, options.seconds);
  } finally {
    await store.close();
  }
  const ratio = result.perSecond / insertRate;
  const pass = ratio >= 0.8 && result.p99Ms <= 100 && lost === 0 && Object.keys(result.other).length === 0;
  return {
    home, schema,
    rows: [{
      id: `queue-accept-${kind}`,
      name: `launch day: POST /v1/declarations accepted (201 or 202 queued), ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${CONNECTIONS} connections, killed -9 at the end`,
      value: result.perSecond, unit: 'req/s', baseline: { name: 'plain insertSubject of the same rows, in process', value: insertRate }, ratio,
      target: '>= 0.80×, p99 <= 100 ms, 0 lost at kill -9', pass, p50Ms: result.p50Ms, p99Ms: result.p99Ms, failures: lost + Object.values(result.other).reduce((a, b) => a + b, 0),
      notes: [`${result.accepted.length} accepted in ${result.seconds.toFixed(1)} s (${result.queued} × 202 queued), other answers ${JSON.stringify(result.other)}; gateway killed -9 with ${CONNECTIONS} requests in flight, then ${lost} of the acknowledged declarations missing from the store`],
      bound: 'per declaration: HTTP and JSON, validation, two HMACs, the sealing of the document, then one write of the subject and its job (SQLite: one fsync per group commit; PostgreSQL: one round trip and a WAL flush) — against a bare insert in process',
    }],
  };
}

/** Codes made from the queue the accept row left: a gateway with workers on, against the scrypt bound. */
async function codesRow(home: string, kind: 'sqlite' | 'postgres', schema: string, options: QueueRowsOptions): Promise<Row> {
  const cores = cpus().length;
  const bound = cores / (options.scryptMs / 1000);
  const dbEnv: Record<string, string> = kind === 'postgres' ? { DATABASE_URL: options.databaseUrl!, DATABASE_SCHEMA: schema } : {};
  const store = await storeOf(home, kind, options.databaseUrl, schema);
  const gw = await startGatewayProcess(home, `queue-codes-${kind}`, undefined, benchEnv({ ...dbEnv, BINDING_SCRYPT_LOG_N: '15' }));
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const d0 = await depthOf(store);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, options.seconds * 1000));
    const d1 = await depthOf(store);
    const rate = (d0 - d1) / ((performance.now() - t0) / 1000);
    return {
      id: `queue-codes-${kind}`, name: `codes produced from the queue by one gateway (${cores} issue-pool slots, scrypt logN 15), ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
      value: rate, unit: 'ops/s', baseline: { name: `scrypt bound: ${cores} cores ÷ ${options.scryptMs.toFixed(1)} ms`, value: bound }, ratio: rate / bound,
      target: '>= 0.85×', pass: rate / bound >= 0.85 && d1 > 0,
      notes: [`queue depth ${d0} → ${d1} in ${options.seconds} s${d1 === 0 ? ' (emptied: the figure is a lower bound)' : ''}`],
      bound: 'one scrypt per job on the issue pool; the claim, the sealed document and the commit per job; the gateway process itself on the same cores',
    };
  } finally {
    await gw.stop();
    await store.close();
  }
}

function pin(pid: number, core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

function startWorker(home: string, databaseUrl: string, schema: string, core: number): ChildProcess {
  const child = spawn(process.execPath, [WORKER_MAIN], {
    env: { ...process.env, DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, CERTS_DIR: join(home, 'certs'), DATA_DIR: join(home, 'data'), ISSUE_POOL_CONCURRENCY: '1', BINDING_SCRYPT_LOG_N: '15', LOG_LEVEL: 'warn', DECLARATION_QUEUE_POLL_MS: '50' },
    stdio: 'ignore',
  });
  pin(child.pid!, core);
  return child;
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  })));
}

/** 2 declaration-worker processes, each pinned to its own core, against 1, draining the same PostgreSQL queue. */
async function pinnedWorkersRow(home: string, schema: string, options: QueueRowsOptions): Promise<Row> {
  const id = 'queue-workers-pinned';
  const name = 'codes from the queue: 2 declaration-worker processes on one PostgreSQL, each pinned to its own core (taskset), vs 1';
  if (cpus().length < 2) return { id, name, value: 0, unit: 'ops/s', pass: null, skipped: 'fewer than 2 cores', notes: [] };
  const store = await storeOf(home, 'postgres', options.databaseUrl, schema);
  const measureWith = async (count: number): Promise<{ rate: number; d0: number; d1: number }> => {
    const workers = Array.from({ length: count }, (_, i) => startWorker(home, options.databaseUrl!, schema, i));
    try {
      await new Promise((r) => setTimeout(r, 1500)); // start-up (module loading) is not measured
      const d0 = await depthOf(store);
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, options.seconds * 1000));
      const d1 = await depthOf(store);
      return { rate: (d0 - d1) / ((performance.now() - t0) / 1000), d0, d1 };
    } finally {
      await stopWorkers(workers);
    }
  };
  try {
    const one = await measureWith(1);
    const two = await measureWith(2);
    const ratio = two.rate / Math.max(0.001, one.rate);
    return {
      id, name, value: two.rate, unit: 'ops/s', baseline: { name: '1 worker process pinned to one core', value: one.rate }, ratio,
      target: '>= 1.70×', pass: ratio >= 1.7 && two.d1 > 0,
      notes: [`depth ${one.d0} → ${one.d1} with 1 worker, ${two.d0} → ${two.d1} with 2, ${options.seconds} s each${two.d1 === 0 ? ' (emptied: a lower bound)' : ''}`],
      bound: 'PostgreSQL, this bench process and the other engineers\' work share the same 2 cores as the pinned workers',
    };
  } finally {
    await store.close();
  }
}

export async function queueRows(dir: string, options: QueueRowsOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const sqlite = await acceptRow(dir, 'sqlite', options);
  rows.push(...sqlite.rows);
  rows.push(await codesRow(sqlite.home, 'sqlite', sqlite.schema, options));
  if (!options.databaseUrl) {
    for (const id of ['queue-accept-postgres', 'queue-workers-pinned']) rows.push({ id, name: id, value: 0, unit: 'req/s', pass: null, skipped: 'TEST_DATABASE_URL is not set', notes: [] });
    return rows;
  }
  const postgres = await acceptRow(dir, 'postgres', options);
  try {
    rows.push(...postgres.rows);
    rows.push(await pinnedWorkersRow(postgres.home, postgres.schema, options));
  } finally {
    await dropSchema(options.databaseUrl, postgres.schema).catch(() => undefined);
  }
  return rows;
}
