import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQLITE_FILE_NAME } from '../../gateway/store/open-store.js';
import { sampleValue } from '../helpers/metric-labels.js';
import { personDeclaration } from '../helpers/test-gateway.js';
import { buildProgram, http, makeDirs, startGateway, type GatewayProcess, type ProgramDir } from '../issuer/gateway-process.js';
import { exitOf, openConnections, send } from './process-client.js';

/**
 * WORKERS=2: the real gateway as a primary with two worker processes on one port. Whichever worker
 * answers a scrape, /metrics counts the requests of both; SIGTERM to the primary drains both
 * workers and the primary exits 0.
 */
const TIMEOUT = 90_000;

let program: ProgramDir;
let root: string;
let gw: GatewayProcess | undefined;

beforeAll(async () => {
  program = await buildProgram();
  root = await mkdtemp(join(tmpdir(), 'hcg-cluster-'));
}, TIMEOUT);
afterEach(async () => {
  await gw?.kill();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await program?.dispose();
});

/** Child processes of `pid` (Linux /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may contain spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return children;
}

/**
 * Scrapes until `count` workers serve the port (the primary's gateway_cluster_workers_listening):
 * /healthz answers as soon as the first worker listens, the second may still be starting.
 */
async function untilListening(port: number, count: number, agent: Agent): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const metrics = await send(agent, port, 'GET', '/metrics').answer;
    if (metrics.status === 200 && sampleValue(metrics.body, 'gateway_cluster_workers_listening') === count) return metrics.body;
    if (Date.now() > deadline) throw new Error(`${count} workers were not listening within 30 s; last scrape: ${metrics.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('with WORKERS=2, /metrics counts the requests of both workers, whichever answers the scrape', async () => {
  gw = await startGateway(program, await makeDirs(join(root, 'metrics')), { WORKERS: '2' });
  expect(await childrenOf(gw.child.pid!)).toHaveLength(2);
  const fresh = new Agent({ keepAlive: false });
  await untilListening(gw.port, 2, fresh);

  // A fresh connection per request: the primary hands connections to the workers in turn.
  const SENT = 40;
  const answers = await Promise.all(Array.from({ length: SENT }, () => send(fresh, gw!.port, 'GET', '/v1/partners').answer));
  expect(answers.every((a) => a.status === 200)).toBe(true);

  for (let scrape = 0; scrape < 4; scrape++) {
    const metrics = await send(fresh, gw.port, 'GET', '/metrics').answer;
    expect(metrics.status).toBe(200);
    expect(sampleValue(metrics.body, 'gateway_http_request_duration_seconds_count', { route: '/v1/partners', method: 'GET', status_class: '2xx' })).toBe(SENT);
  }
}, TIMEOUT);

test('SIGTERM to the primary drains both workers: requests in flight are answered, and it exits 0', async () => {
  // The launch-day queue is off: these declarations must stay in flight (computing) at the signal, not be answered 202 at once.
  gw = await startGateway(program, await makeDirs(join(root, 'drain')), { WORKERS: '2', BINDING_SCRYPT_LOG_N: '14', SHUTDOWN_TIMEOUT_MS: '20000', DECLARATION_QUEUE_ENABLED: 'false' });
  const workers = await childrenOf(gw.child.pid!);
  expect(workers).toHaveLength(2);
  await untilListening(gw.port, 2, new Agent({ keepAlive: false }));
  const first = await http(gw.port, 'POST', '/v1/declarations', personDeclaration(0));
  expect(first.status).toBe(201);

  // Connections opened beforehand (spread over both workers): the requests below are on sockets
  // the workers hold, so they are in flight at the signal, not waiting in the primary's queue.
  const agent = new Agent({ keepAlive: true, maxSockets: 24 });
  await openConnections(agent, gw.port, 24);
  const sent = Array.from({ length: 24 }, (_, i) => send(agent, gw!.port, 'POST', '/v1/declarations', personDeclaration(1 + i)));
  await Promise.all(sent.map((s) => s.writtenAt));
  await new Promise((r) => setTimeout(r, 200));
  const signalledAt = Date.now();
  gw.child.kill('SIGTERM');

  const answers = await Promise.all(sent.map((s) => s.answer));
  const exit = await exitOf(gw, 30_000);
  agent.destroy();
  expect(answers.map((a) => a.status)).toEqual(Array<number>(24).fill(201));
  expect(answers.filter((a) => a.at > signalledAt).length).toBeGreaterThan(0);
  expect(exit).toMatchObject({ code: 0, signal: null });
  expect(await childrenOf(gw.child.pid!)).toEqual([]);
  for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
}, TIMEOUT);

test('a scrape while a replacement worker starts still answers 200, and the restart is counted', async () => {
  const dirs = await makeDirs(join(root, 'restart'));
  gw = await startGateway(program, dirs, { WORKERS: '2' });
  const fresh = new Agent({ keepAlive: false });
  await untilListening(gw.port, 2, fresh);

  // Hold SQLite's write lock: a starting worker migrates (a write transaction) before it listens,
  // so the replacement is held in its start for as long as the lock is held (its busy timeout is
  // 5 s) and the scrape below lands while it is forked but not serving — not by luck of timing.
  const lock = new Database(join(dirs.dataDir, SQLITE_FILE_NAME));
  lock.exec('BEGIN IMMEDIATE');
  try {
    const [victim] = await childrenOf(gw.child.pid!);
    process.kill(victim!, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    let children: number[] = [];
    while (!((children = await childrenOf(gw.child.pid!)).length === 2 && !children.includes(victim!))) {
      if (Date.now() > deadline) throw new Error(`no replacement worker within 10 s: ${children.join(',')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const during = await send(fresh, gw.port, 'GET', '/metrics').answer;
    expect(during.status).toBe(200);
    expect(sampleValue(during.body, 'gateway_cluster_workers_listening')).toBe(1);
    expect(sampleValue(during.body, 'gateway_cluster_worker_restarts_total')).toBe(1);
  } finally {
    lock.exec('ROLLBACK');
    lock.close();
  }

  const after = await untilListening(gw.port, 2, fresh);
  expect(sampleValue(after, 'gateway_cluster_worker_restarts_total')).toBe(1);
}, TIMEOUT);

test('when a worker dies, the summed counters keep its counts: they never go down, and later events add exactly', async () => {
  gw = await startGateway(program, await makeDirs(join(root, 'monotonic')), { WORKERS: '2' });
  const fresh = new Agent({ keepAlive: false });
  await untilListening(gw.port, 2, fresh);
  const partnersListed = (text: string): number | undefined =>
    sampleValue(text, 'gateway_http_request_duration_seconds_count', { route: '/v1/partners', method: 'GET', status_class: '2xx' });

  // Fresh connections are handed to the workers in turn: each worker counts about half.
  const listPartners = async (count: number): Promise<void> => {
    const answers = await Promise.all(Array.from({ length: count }, () => send(fresh, gw!.port, 'GET', '/v1/partners').answer));
    expect(answers.every((a) => a.status === 200)).toBe(true);
  };
  await listPartners(40);
  const before = await send(fresh, gw.port, 'GET', '/metrics').answer;
  expect(partnersListed(before.body)).toBe(40);

  const [victim] = await childrenOf(gw.child.pid!);
  process.kill(victim!, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while ((await childrenOf(gw.child.pid!)).includes(victim!)) {
    if (Date.now() > deadline) throw new Error('the killed worker did not go');
    await new Promise((r) => setTimeout(r, 10));
  }
  const afterDeath = await untilListening(gw.port, 2, fresh);
  expect(sampleValue(afterDeath, 'gateway_cluster_worker_restarts_total')).toBe(1);
  expect(partnersListed(afterDeath)).toBe(40);

  await listPartners(20);
  const later = await send(fresh, gw.port, 'GET', '/metrics').answer;
  expect(partnersListed(later.body)).toBe(60);
}, TIMEOUT);
