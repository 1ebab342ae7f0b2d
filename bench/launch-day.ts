import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { load } from './load.js';
import type { Row } from './report.js';
import { benchEnv, startGatewayProcess } from './rows-http.js';
import { residentDeclaration } from './setup.js';

/**
 * Launch day: Xinji's 630,000 residents declaring within 10 minutes, i.e. at least 1,050
 * declarations a second sustained, every one answered 201 (stored durably: the stores commit
 * before answering) and none refused or failed. Each request is a different resident with a valid
 * ID number. Run against the default SQLite store, then PostgreSQL (TEST_DATABASE_URL, a fresh
 * schema dropped afterwards), with the production binding cost (scrypt logN 15), and — to show
 * what the rest of the path sustains — once more with the binding at logN 10, the lowest any
 * verifier accepts (a diagnostic, not a configuration to run).
 */
export const RESIDENTS = 630_000;
export const TARGET_PER_SECOND = RESIDENTS / 600;
export const LAUNCH_CONNECTIONS = 64;

export interface LaunchOptions {
  seconds: number;
  /** Send all 630,000 declarations instead of running for `seconds`. */
  full: boolean;
  databaseUrl: string | undefined;
  diagnostic: boolean;
  /** Cores ÷ one logN-15 scrypt's time, measured in this run: the production row's target is 0.85 of it. */
  scryptBoundPerSecond: number;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

async function launch(dir: string, store: 'sqlite' | 'postgres', logN: number, options: LaunchOptions): Promise<Row> {
  const id = `launch-${store}${logN === 15 ? '' : `-logn${logN}`}`;
  const name = `launch day: POST /v1/declarations, ${store === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, binding scrypt logN ${logN}${logN === 15 ? ' (production)' : ' (diagnostic)'}`;
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const env = benchEnv({
    BINDING_SCRYPT_LOG_N: String(logN),
    // Every connection may wait in the issue pool: the crowd is measured, not refused (503).
    ISSUE_POOL_QUEUE: String(LAUNCH_CONNECTIONS),
    // Declarations bound now (201), at the scrypt bound this row measures; the launch-day queue,
    // which answers 202 and binds later, has its own rows (bench/rows-queue.ts).
    DECLARATION_QUEUE_ENABLED: 'false',
    ...(store === 'postgres' ? { DATABASE_URL: options.databaseUrl!, DATABASE_SCHEMA: schema } : {}),
  });
  const gw = await startGatewayProcess(join(dir, id), id, undefined, env);
  let n = 0;
  try {
    const result = await load({
      url: gw.url, method: 'POST', path: '/v1/declarations', connections: LAUNCH_CONNECTIONS, seconds: options.seconds,
      ...(options.full ? { amount: RESIDENTS } : {}),
      body: () => JSON.stringify(residentDeclaration(n++)),
      accept: (status) => status === 201,
    });
    // The target is the machine's own scrypt bound: 630,000 residents in 10 minutes is a question
    // of how many cores the city gives the gateway (issue 10), answered in the notes.
    const bound = options.scryptBoundPerSecond;
    const pass = logN === 15 ? result.perSecond >= 0.85 * bound && result.failures === 0 : null;
    const minutes = RESIDENTS / result.perSecond / 60;
    const perCore = result.perSecond / cpus().length;
    const coresNeeded = Math.ceil(TARGET_PER_SECOND / perCore);
    return {
      id, name, value: result.perSecond, unit: 'req/s',
      target: logN === 15 ? `>= 0.85 × scrypt bound (${(0.85 * bound).toFixed(1)}/s), no error` : '—',
      pass, p50Ms: result.p50Ms, p99Ms: result.p99Ms, failures: result.failures,
      notes: [
        `${result.requests} declarations in ${result.seconds.toFixed(1)} s, ${result.failures} not 201 (${JSON.stringify(result.statusCounts)}); at this rate 630,000 residents take ${minutes < 120 ? `${minutes.toFixed(0)} min` : `${(minutes / 60).toFixed(1)} h`}`,
        ...(logN === 15 ? [`${(result.perSecond / bound).toFixed(2)}× the scrypt bound (${bound.toFixed(1)}/s); ${perCore.toFixed(1)}/s per core, so ${Math.ceil(TARGET_PER_SECOND)}/s (630,000 in 10 min) needs about ${coresNeeded} cores of this kind`] : []),
      ],
      bound: `scrypt of the document binding, computed once per declaration (2^${logN} × 1 KiB of memory per call), on the libuv thread pool sharing the 2 cores; then the commits (SQLite synchronous=FULL: an fsync per transaction; PostgreSQL: round trips + WAL flush per commit)`,
    };
  } finally {
    await gw.stop();
    if (store === 'postgres') await dropSchema(options.databaseUrl!, schema).catch(() => undefined);
  }
}

export async function launchDayRows(dir: string, options: LaunchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const logNs = options.diagnostic ? [15, 10] : [15];
  for (const store of ['sqlite', 'postgres'] as const) {
    for (const logN of logNs) {
      if (store === 'postgres' && !options.databaseUrl) {
        rows.push({ id: `launch-postgres${logN === 15 ? '' : `-logn${logN}`}`, name: `launch day, PostgreSQL, logN ${logN}`, value: 0, unit: 'req/s', pass: null, skipped: 'TEST_DATABASE_URL is not set', notes: [] });
        continue;
      }
      rows.push(await launch(dir, store, logN, options));
    }
  }
  return rows;
}
