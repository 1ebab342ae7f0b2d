import { statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { generateKeyPair } from 'jose';
import { STATUS_LIST_SIZE } from '../gateway/status-list/allocate-index.js';
import { OwnStatusList } from '../gateway/status-list/own-status-list.js';
import { currentOrFreshCode } from '../gateway/declarations/code-reuse.js';
import { declare } from '../gateway/declarations/declaration-service.js';
import { authenticate } from '../gateway/declarations/holder-auth.js';
import type { LoadedKey } from '../gateway/issuer/keystore.js';
import { openStore, SQLITE_FILE_NAME } from '../gateway/store/open-store.js';
import { freePort } from '../demo/processes.js';
import { bareExpress, benchEnv, CONNECTIONS, startGatewayProcess, warmLoad } from './rows-http.js';
import type { BenchPartner } from './partner.js';
import { ratioRow, type Row } from './report.js';
import { residentDeclaration, startInProcessGateway } from './setup.js';

/**
 * Issue 18's targets: Xinji's Token Status List for a province, codes that are not re-issued for
 * nothing, and the trust bundle served from memory.
 */
const CODES = 1_000_000;
const TARGET_BYTES = 200 * 1024;

/** A random permutation prefix: `n` distinct indices of the list, as the allocator would draw them. */
function distinctIndices(n: number): Uint32Array {
  const all = new Uint32Array(STATUS_LIST_SIZE);
  for (let i = 0; i < all.length; i++) all[i] = i;
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(Math.random() * (all.length - i));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.subarray(0, n);
}

/** 1,000,000 unexpired codes in a SQLite store (one in `withdrawnEvery` superseded), then the signed list built from it. */
async function listOfAMillion(dir: string, withdrawnEvery: number): Promise<{ bytes: number; ms: number; queryMs: number }> {
  const dataDir = join(dir, `million-${withdrawnEvery}`);
  const store = await openStore({ dataDir });
  const db = new Database(join(dataDir, SQLITE_FILE_NAME));
  const now = Date.now();
  const indices = distinctIndices(CODES);
  const insert = db.prepare(`INSERT INTO credentials (jti, subject_id, color, kid, issued_at, expires_at, status, status_at, status_idx)
    VALUES (?, 'sub_bench', 'green', 'k', ?, ?, ?, ?, ?)`);
  db.pragma('foreign_keys = OFF');
  db.transaction(() => {
    for (let i = 0; i < CODES; i++) {
      const withdrawn = i % withdrawnEvery === 0;
      insert.run(`jti-${i}`, now, now + 900_000, withdrawn ? 'superseded' : 'active', withdrawn ? now : null, indices[i]!);
    }
  })();
  db.close();
  const { privateKey } = await generateKeyPair('ES256');
  const key = { kid: 'bench', alg: 'ES256', privateKey } as unknown as LoadedKey;
  const list = new OwnStatusList({ store, keystore: { activeKey: () => key }, issuer: 'https://gateway.xinji.example', now: () => now, lifetimeSeconds: 86_400 });
  // The read alone first (it also warms SQLite's page cache, as a running gateway's is).
  let start = performance.now();
  await store.listInvalidStatusIndices(now);
  const queryMs = performance.now() - start;
  start = performance.now();
  const signed = await list.current();
  const ms = performance.now() - start;
  await store.close();
  return { bytes: Buffer.byteLength(signed.jwt), ms, queryMs };
}

async function fetchFlood(dir: string, partner: BenchPartner): Promise<{ entries: number; codes: number; ms: number }> {
  const { gateway } = await startInProcessGateway(join(dir, 'flood'), partner, { backgroundRefresh: false });
  try {
    const deps = gateway.deps;
    const outcome = await declare(deps, residentDeclaration(42), undefined);
    if (outcome.status !== 201 || !('holderToken' in outcome.result) || !outcome.result.holderToken) throw new Error('the bench declaration was not accepted');
    const subject = await authenticate(deps, outcome.result.holderToken);
    const before = (await deps.store.listInvalidStatusIndices(deps.now())).length;
    const seen = new Set<string>();
    const start = performance.now();
    for (let i = 0; i < 10_000; i++) seen.add((await currentOrFreshCode(deps, subject)).credential.jws);
    const ms = performance.now() - start;
    const after = (await deps.store.listInvalidStatusIndices(deps.now())).length;
    return { entries: after - before, codes: seen.size, ms };
  } finally {
    await gateway.close();
  }
}

export async function statusListRows(dir: string, partner: BenchPartner, seconds: number): Promise<Row[]> {
  const rows: Row[] = [];
  const tenth = await listOfAMillion(dir, 10);
  const all = await listOfAMillion(dir, 1);
  rows.push({
    id: 'status-list-million',
    name: 'Token Status List, 1,000,000 codes held, 1 in 10 withdrawn: signed JWT size',
    value: tenth.bytes, unit: 'bytes', target: `<= ${TARGET_BYTES} bytes, built < 1000 ms`,
    pass: tenth.bytes <= TARGET_BYTES && tenth.ms < 1000,
    notes: [
      `built and signed in ${tenth.ms.toFixed(0)} ms from the store (SQLite; the read of the withdrawn indices alone ${tenth.queryMs.toFixed(0)} ms), ${STATUS_LIST_SIZE} indices of 1 bit; the JWT carries lst base64url-encoded twice (lst, then the payload), so its size is 16/9 of the ZLIB stream`,
      `worst case, every one of the 1,000,000 codes withdrawn: ${all.bytes} bytes in ${all.ms.toFixed(0)} ms (the bits are then random: no compression helps)`,
    ],
  });
  const flood = await fetchFlood(dir, partner);
  rows.push({
    id: 'status-list-flood',
    name: '10,000 code fetches by one token within half a code\'s life: new status entries',
    value: flood.entries, unit: 'entries', target: '0', pass: flood.entries === 0,
    notes: [`${flood.codes} distinct code(s) returned; ${(flood.ms / 10_000).toFixed(2)} ms a fetch in process`],
  });
  const gw = await startGatewayProcess(join(dir, 'bundle'), 'bundle', partner, benchEnv());
  try {
    // Interleaved, two rounds each, so a burst of load from elsewhere on a shared machine weighs on both alike.
    const rounds: Array<{ bundle: Awaited<ReturnType<typeof warmLoad>>; health: Awaited<ReturnType<typeof warmLoad>> }> = [];
    for (let i = 0; i < 2; i++) {
      const bundle = await warmLoad({ url: gw.url, path: '/.well-known/health-code-trust', connections: CONNECTIONS, seconds: seconds / 2, accept: (s) => s === 200 });
      const health = await warmLoad({ url: gw.url, path: '/healthz', connections: CONNECTIONS, seconds: seconds / 2, accept: (s) => s === 200 });
      rounds.push({ bundle, health });
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const last = rounds.at(-1)!;
    // What a static file of the same bytes costs: a bare express process sending them from memory.
    const file = join(dir, 'bundle.jwt');
    writeFileSync(file, await (await fetch(`${gw.url}/.well-known/health-code-trust`)).text());
    const port = await freePort();
    const bare = await bareExpress(port, file);
    let floor: Awaited<ReturnType<typeof warmLoad>>;
    let floorHealth: Awaited<ReturnType<typeof warmLoad>>;
    try {
      floor = await warmLoad({ url: `http://127.0.0.1:${port}`, path: '/file', connections: CONNECTIONS, seconds: seconds / 2, accept: (s) => s === 200 });
      floorHealth = await warmLoad({ url: `http://127.0.0.1:${port}`, path: '/healthz', connections: CONNECTIONS, seconds: seconds / 2, accept: (s) => s === 200 });
    } finally {
      await bare.stop();
    }
    rows.push(ratioRow({
      id: 'trust-bundle-get',
      name: 'GET /.well-known/health-code-trust (served from memory)',
      value: mean(rounds.map((r) => r.bundle.perSecond)), unit: 'req/s', baseline: { name: 'GET /healthz', value: mean(rounds.map((r) => r.health.perSecond)) },
      p50Ms: last.bundle.p50Ms, p99Ms: last.bundle.p99Ms, failures: rounds.reduce((n, r) => n + r.bundle.failures, 0),
      notes: [
        `rounds (bundle / healthz req/s): ${rounds.map((r) => `${r.bundle.perSecond.toFixed(0)} / ${r.health.perSecond.toFixed(0)}`).join(', ')}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} after`,
        `the same ${statSync(file).size} bytes as a static file from bare express: ${floor.perSecond.toFixed(0)} req/s, its /healthz ${floorHealth.perSecond.toFixed(0)} req/s (${(floor.perSecond / floorHealth.perSecond).toFixed(2)}×): the share of the body's size alone`,
      ],
    }, 0.8));
  } finally {
    await gw.stop();
  }
  return rows;
}
