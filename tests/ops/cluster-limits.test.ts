import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleValue } from '../helpers/metric-labels.js';
import { buildProgram, makeDirs, startGateway, type GatewayProcess, type ProgramDir } from '../issuer/gateway-process.js';
import { send } from './process-client.js';

/**
 * Issue 19, item 2: with WORKERS=2 each worker used to count on its own — a client got twice its
 * budget, and a code was locked only after 6 mismatches. Without Redis or PostgreSQL the workers
 * now count in the primary's memory (rate-limiter-flexible's cluster limiter), so they share one.
 */
const TIMEOUT = 90_000;

let program: ProgramDir;
let root: string;
let gw: GatewayProcess | undefined;

beforeAll(async () => {
  program = await buildProgram();
  root = await mkdtemp(join(tmpdir(), 'hcg-cluster-limits-'));
}, TIMEOUT);
afterAll(async () => {
  await gw?.kill();
  await rm(root, { recursive: true, force: true });
  await program?.dispose();
});

test('with WORKERS=2 on SQLite, one client address gets one budget across both workers', async () => {
  // 4 requests per window of 400 s: no window ends during the test.
  gw = await startGateway(program, await makeDirs(join(root, 'budget')), {
    WORKERS: '2',
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_BURST: '4',
    RATE_LIMIT_PER_SECOND: '0.01',
  });
  const fresh = new Agent({ keepAlive: false });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const metrics = await send(fresh, gw.port, 'GET', '/metrics').answer;
    if (metrics.status === 200 && sampleValue(metrics.body, 'gateway_cluster_workers_listening') === 2) break;
    if (Date.now() > deadline) throw new Error('2 workers were not listening within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  // A fresh connection per request: the primary hands connections to the workers in turn, so
  // each worker sees 4 of the 8 — all 200 if each counted alone.
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await send(fresh, gw.port, 'POST', '/v1/verify', { code: 'not-a-code' }).answer).status);
  expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
}, TIMEOUT);
