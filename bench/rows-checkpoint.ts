import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { openStore } from '../gateway/store/open-store.js';
import { createBinding } from '../gateway/identity/binding.js';
import type { GatewayProcess } from '../demo/processes.js';
import { load, type LoadOptions, type LoadResult } from './load.js';
import { openLoop } from './open-loop.js';
import { BenchPartner } from './partner.js';
import { ratioRow, type Row } from './report.js';
import { benchEnv, startGatewayProcess, warmLoad } from './rows-http.js';
import { residentDeclaration } from './setup.js';
import { dropSchema } from './launch-day.js';

/**
 * The checkpoint at city scale (issue 10), each row against its baseline in the same run:
 * scans of Xinji codes (a lookup, no scrypt) against /v1/verify of the same codes; scans of
 * partner codes against the scrypt bound (cores ÷ one scrypt's time); Xinji scans while
 * declarations are offered at 5× what the machine can take, against the same scans idle;
 * declarations at 5× (each 201, or 503 within 100 ms, none acknowledged lost); and declarations on
 * two processes pinned to one core each against one pinned process (PostgreSQL).
 */
const CONNECTIONS = 16;
const OWN_CODES = 1_000;
const OVERLOAD = 5;

interface Own { jws: string; document: unknown; subjectId: string }

async function post(url: string, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await request(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

/** `count` people declared, 32 at a time (the gateway runs with a cheap binding for this set-up). */
export async function declareMany(url: string, from: number, count: number): Promise<Own[]> {
  const out: Own[] = [];
  for (let i = 0; i < count; i += 32) {
    const batch = await Promise.all(Array.from({ length: Math.min(32, count - i) }, async (_, j) => {
      const declaration = residentDeclaration(from + i + j);
      const res = await post(url, '/v1/declarations', declaration);
      if (res.status !== 201) throw new Error(`set-up declaration answered ${res.status}`);
      const credential = res.json['credential'] as { jws: string };
      return { jws: credential.jws, document: (declaration['applicant'] as { document: unknown }).document, subjectId: String(res.json['subjectId']) };
    }));
    out.push(...batch);
  }
  return out;
}

/** Scans of `items` (without a code: 一证通行, bench/rows-document.ts), each expected to pass. */
export function scanLoad(url: string, token: string, items: ReadonlyArray<{ code?: string; document: unknown }>, seconds: number): LoadOptions {
  const bodies = items.map(({ code, document }) => JSON.stringify(code === undefined ? { temperatureC: 36.5, document } : { code, temperatureC: 36.5, document }));
  let n = 0;
  return {
    url, method: 'POST', path: '/v1/checkpoint/scans', connections: CONNECTIONS, seconds, headers: { authorization: `Bearer ${token}` },
    body: () => bodies[n++ % bodies.length]!,
    accept: (status, text) => status === 200 && text.startsWith('{"decision":"pass"'),
  };
}

async function bindingChecks(gw: GatewayProcess): Promise<{ cache: number; scrypt: number }> {
  const text = await (await request(`${gw.url}/metrics`)).body.text();
  const sum = (method: string): number =>
    [...text.matchAll(new RegExp(`^gateway_binding_checks_total\\{method="${method}",[^}]*\\} (\\S+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
  return { cache: sum('cache'), scrypt: sum('scrypt') };
}

export async function checkpointRows(dir: string, partner: BenchPartner, seconds: number, scryptMs: number): Promise<Row[]> {
  const cores = cpus().length;
  const bound = cores / (scryptMs / 1000);
  const home = join(dir, 'checkpoint');
  // Set-up with a cheap binding (own scans compute none), then the production cost for the rows.
  // The set-up needs codes now (201), so its declarations wait in the pool instead of the queue.
  const setup = await startGatewayProcess(home, 'checkpoint-setup', partner, benchEnv({ BINDING_SCRYPT_LOG_N: '10', ISSUE_POOL_QUEUE: '64', DECLARATION_QUEUE_ENABLED: 'false' }));
  const port = Number(new URL(setup.url).port);
  let own: Own[];
  try {
    own = await declareMany(setup.url, 0, OWN_CODES);
  } finally {
    await setup.stop();
  }
  // Issue 22: the issue pool leaves a core for scans (cores − 1 scrypts at once); declarations
  // beyond it are queued (202) and bound by the pool as it frees.
  const issueSlots = Math.max(1, cores - 1);
  const gw = await startGatewayProcess(home, 'checkpoint', partner, benchEnv({ ISSUE_POOL_CONCURRENCY: String(issueSlots) }), { port });
  const rows: Row[] = [];
  const acknowledged: string[] = [];
  try {
    const token = await gw.addDevice('bench-checkpoint');
    const ownItems = own.map((o) => ({ code: o.jws, document: o.document }));
    const verifyBodies = own.map((o) => JSON.stringify({ code: o.jws }));
    let v = 0;
    const verify = await warmLoad({
      url: gw.url, method: 'POST', path: '/v1/verify', connections: CONNECTIONS, seconds, body: () => verifyBodies[v++ % verifyBodies.length]!,
      accept: (status, text) => status === 200 && text.startsWith('{"valid":true'),
    });
    const idle = await warmLoad(scanLoad(gw.url, token, ownItems, seconds));
    rows.push(ratioRow({
      id: 'scans-own', name: `POST /v1/checkpoint/scans of Xinji codes over HTTP, ${OWN_CODES} distinct codes, ${CONNECTIONS} connections`,
      value: idle.perSecond, unit: 'req/s', baseline: { name: 'POST /v1/verify of the same codes', value: verify.perSecond },
      p50Ms: idle.p50Ms, p99Ms: idle.p99Ms, failures: idle.failures + verify.failures,
      notes: [`${idle.requests} scans, ${idle.failures} not pass ${JSON.stringify(idle.statusCounts)}; ${verify.failures} verifications not valid; verify p50/p99 ${verify.p50Ms}/${verify.p99Ms} ms`],
      bound: 'the device lookup, the body parse and the document\'s keyed hash per scan on top of what verify does (own codes: 4 store reads)',
    }, 0.5));

    // Partner codes with a production-cost binding, each code once: every scan computes scrypt.
    const binding15 = await createBinding(BenchPartner.DOCUMENT, 15);
    const partnerItems = partner.codes(Math.ceil(bound * seconds * 4) + 200, 7200, binding15).map((code) => ({ code, document: BenchPartner.DOCUMENT }));
    const before = await bindingChecks(gw);
    const partnerScans = await warmLoad(scanLoad(gw.url, token, partnerItems, seconds));
    const after = await bindingChecks(gw);
    const hits = after.cache - before.cache;
    const computed = after.scrypt - before.scrypt;
    rows.push(ratioRow({
      id: 'scans-partner', name: `POST /v1/checkpoint/scans of partner codes (scrypt logN 15 binding), distinct codes, ${CONNECTIONS} connections`,
      value: partnerScans.perSecond, unit: 'req/s', baseline: { name: `scrypt bound: ${cores} cores ÷ ${scryptMs.toFixed(1)} ms`, value: bound },
      p50Ms: partnerScans.p50Ms, p99Ms: partnerScans.p99Ms, failures: partnerScans.failures,
      notes: [`match-cache hit rate ${((100 * hits) / Math.max(1, hits + computed)).toFixed(1)} % (${hits} remembered, ${computed} computed; distinct codes, so none is expected); statuses ${JSON.stringify(partnerScans.statusCounts)}`],
      bound: 'scrypt on the binding pool (BINDING_POOL_CONCURRENCY = cores), sharing the cores with the HTTP path and the load generator',
    }, 0.8));

    // Declarations offered at 5× the scrypt bound, with and without scans beside them.
    let n = 200_000;
    const offered = OVERLOAD * bound;
    const flood = (): ReturnType<typeof openLoop> => openLoop({ url: gw.url, path: '/v1/declarations', rate: offered, seconds, connections: 128, body: () => JSON.stringify(residentDeclaration(n++)) });
    const [loaded, declared] = await Promise.all([load(scanLoad(gw.url, token, ownItems, seconds)), flood()]);
    const p99Ratio = loaded.p99Ms / Math.max(0.01, idle.p99Ms);
    rows.push({
      id: 'scans-under-flood', name: `Xinji scans while declarations are offered at ${OVERLOAD}× the scrypt bound (${offered.toFixed(0)}/s)`,
      value: loaded.perSecond, unit: 'req/s', baseline: { name: 'the same scans, idle', value: idle.perSecond },
      ratio: p99Ratio, target: 'p99 <= 3× idle p99, 0 failed', pass: p99Ratio <= 3 && loaded.failures === 0,
      p50Ms: loaded.p50Ms, p99Ms: loaded.p99Ms, failures: loaded.failures,
      notes: [`ratio = p99 under flood ÷ idle p99 (${idle.p99Ms} ms); ${loaded.failures} scans failed; the flood got ${JSON.stringify(countStatuses(declared.answers))}`],
      bound: `the scans share the cores with the scrypt of the admitted declarations (ISSUE_POOL_CONCURRENCY = ${issueSlots} of ${cores} cores), the queue's inserts and both load generators`,
    });
    const accepted = (status: number): boolean => status === 201 || status === 202;
    for (const a of declared.answers) if (accepted(a.status)) acknowledged.push(subjectOf(a.text));

    const alone = await flood();
    for (const a of alone.answers) if (accepted(a.status)) acknowledged.push(subjectOf(a.text));
    const created = alone.answers.filter((a) => accepted(a.status)).length;
    const queued = alone.answers.filter((a) => a.status === 202).length;
    const slowRefusals = alone.answers.filter((a) => a.status !== 201 && a.ms > 100).length;
    const other = alone.answers.filter((a) => !accepted(a.status) && a.status !== 503).length;
    const refusals = alone.answers.filter((a) => a.status !== 201).map((a) => a.ms).sort((x, y) => x - y);
    const createdPerSecond = created / alone.seconds;
    rows.push({
      id: 'declarations-flood', name: `POST /v1/declarations offered at ${OVERLOAD}× the scrypt bound (${offered.toFixed(0)}/s, open loop)`,
      value: createdPerSecond, unit: 'req/s', baseline: { name: `scrypt bound: ${cores} cores ÷ ${scryptMs.toFixed(1)} ms`, value: bound },
      ratio: createdPerSecond / bound, target: '>= 0.85× accepted (201 or 202)/s; each 202 or 503 within 100 ms; 0 lost', pass: null,
      failures: other + slowRefusals,
      notes: [
        `${alone.answers.length} offered: ${created - queued} × 201, ${queued} × 202 queued, ${alone.answers.filter((a) => a.status === 503).length} × 503; 202/503 p99 ${refusals.length ? refusals[Math.floor(0.99 * (refusals.length - 1))]!.toFixed(1) : '—'} ms, ${slowRefusals} over 100 ms; ${other} other`,
      ],
      bound: 'scrypt of each admitted declaration on ISSUE_POOL_CONCURRENCY slots, plus the commit; the load generator shares the cores',
    });
  } finally {
    await gw.stop();
  }
  // Nothing acknowledged is lost: every subject answered 201 is in the store after the stop.
  const store = await openStore({ dataDir: join(home, 'data') });
  let lost = 0;
  try {
    for (const id of acknowledged) if (!(await store.getSubject(id))) lost += 1;
  } finally {
    await store.close();
  }
  const flood = rows.find((r) => r.id === 'declarations-flood')!;
  flood.notes.push(`${acknowledged.length} declarations acknowledged (201 or 202) in the two flood runs, ${lost} missing from the store after the gateway stopped`);
  flood.pass = (flood.ratio ?? 0) >= 0.85 && (flood.failures ?? 0) === 0 && lost === 0;
  return rows;
}

function subjectOf(text: string): string {
  return String((JSON.parse(text) as { subjectId?: unknown }).subjectId);
}

function countStatuses(answers: ReadonlyArray<{ status: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}

/** Pins every thread of `pid` to `core` (threads made later inherit it). */
function pin(pid: number, core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

/** Declarations on PostgreSQL: 2 processes, each pinned to its own core, against 1 pinned process. */
export async function pinnedProcessesRow(dir: string, seconds: number, databaseUrl: string | undefined): Promise<Row> {
  const id = 'declarations-pinned';
  const name = 'POST /v1/declarations, 2 gateway processes on one PostgreSQL, each pinned to its own core (taskset)';
  if (!databaseUrl) return { id, name, value: 0, unit: 'req/s', pass: null, skipped: 'TEST_DATABASE_URL is not set', notes: [] };
  if (cpus().length < 2) return { id, name, value: 0, unit: 'req/s', pass: null, skipped: 'fewer than 2 cores', notes: [] };
  let n = 600_000;
  // One scrypt at a time per process (its one core); the queue holds every connection, so no 503.
  const perProcess = 8;
  const run = async (processes: number): Promise<LoadResult[]> => {
    const schema = `bench_${randomBytes(6).toString('hex')}`;
    // Declarations answered 201 at the scrypt bound of each core: the launch-day queue would answer
    // them 202 and bind them later (its own row, queue-workers-pinned, measures that).
    const env = benchEnv({ DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema, ISSUE_POOL_CONCURRENCY: '1', ISSUE_POOL_QUEUE: String(perProcess), DECLARATION_QUEUE_ENABLED: 'false' });
    const gws: GatewayProcess[] = [];
    try {
      for (let i = 0; i < processes; i++) {
        // One directory: the first start creates the signing key and the pepper both processes share.
        const gw = await startGatewayProcess(join(dir, `pinned-${processes}`), `pinned-${i}`, undefined, env);
        gws.push(gw);
        pin(gw.pid!, i);
      }
      return await Promise.all(gws.map((gw) => load({
        url: gw.url, method: 'POST', path: '/v1/declarations', connections: perProcess, seconds,
        body: () => JSON.stringify(residentDeclaration(n++)), accept: (status) => status === 201,
      })));
    } finally {
      for (const gw of gws) await gw.stop();
      await dropSchema(databaseUrl, schema).catch(() => undefined);
    }
  };
  const created = (r: LoadResult): number => (r.statusCounts['201'] ?? 0) / r.seconds;
  const one = await run(1);
  const two = await run(2);
  const oneRate = created(one[0]!);
  const twoRate = two.reduce((a, r) => a + created(r), 0);
  return {
    ...ratioRow({
      id, name, value: twoRate, unit: 'req/s', baseline: { name: '1 process pinned to one core', value: oneRate },
      p50Ms: two[0]!.p50Ms, p99Ms: two[0]!.p99Ms, failures: [...one, ...two].reduce((a, r) => a + r.failures, 0),
      notes: [`201/s per process: ${two.map((r) => created(r).toFixed(1)).join(' + ')}; one process: ${oneRate.toFixed(1)}`],
      bound: 'the load generator and PostgreSQL run on the same cores as the pinned gateways',
    }, 1.7),
  };
}
