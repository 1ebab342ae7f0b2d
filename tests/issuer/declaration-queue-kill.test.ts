import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { personDeclaration } from '../helpers/test-gateway.js';
import { TEST_DATABASE_URL, warnPostgresSkipped } from './issuer-helpers.js';
import { buildProgram, http, makeDirs, startGateway, type GatewayProcess, type HttpAnswer, type ProgramDir } from './gateway-process.js';

/**
 * Issue 22: "a killed worker loses nothing: its job is taken again". The real gateway runs as a
 * child process with one issue-pool slot and a slow binding (logN 16), so declarations sent at
 * once find it busy and are queued (202). It is killed with SIGKILL the moment the last answer is
 * complete — its worker in the middle of a job — and restarted on the same files / database (on
 * PostgreSQL serving only, with a separate `declaration-worker` process working the queue). Every
 * holder told "queued" then gets its code with the token of its 202.
 */
const TIMEOUT = 120_000;
const PEOPLE = 6;

let program: ProgramDir;
const running: GatewayProcess[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  program = await buildProgram();
}, TIMEOUT);
afterEach(async () => {
  while (running.length > 0) await running.pop()!.kill();
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await program?.dispose();
});

async function freshSchemaUrl(): Promise<string> {
  const schema = `dq_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  cleanups.push(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  const url = new URL(TEST_DATABASE_URL!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Asks for the code until it is ready (the 202 says when to ask again; here every 100 ms, bounded). */
async function codeWhenReady(port: number, subjectId: string, token: string): Promise<HttpAnswer> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await http(port, 'GET', `/v1/subjects/${subjectId}/code`, undefined, token);
    if (answer.status !== 202 || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function killedMidJob(kind: 'sqlite' | 'postgres'): void {
  test(`every declaration answered 202 queued gets its code after the gateway working the queue is killed -9 mid-job (${kind}${kind === 'postgres' ? ', then a separate worker process' : ''})`, async () => {
    const root = await mkdtemp(join(tmpdir(), 'hcg-queue-kill-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const dirs = await makeDirs(root, kind === 'postgres' ? await freshSchemaUrl() : undefined);
    const slow = { ISSUE_POOL_CONCURRENCY: '1', BINDING_SCRYPT_LOG_N: '16', DECLARATION_QUEUE_POLL_MS: '50' };
    const first = await startGateway(program, dirs, slow);
    running.push(first);

    let answered = 0;
    let killed = false;
    const answers = await Promise.all(Array.from({ length: PEOPLE }, (_, i) => http(first.port, 'POST', '/v1/declarations', personDeclaration(600 + i), undefined, () => {
      answered += 1;
      if (answered === PEOPLE) {
        first.child.kill('SIGKILL');
        killed = true;
      }
    })));
    expect(killed).toBe(true);
    await first.kill();
    const queued = answers.filter((a) => a.status === 202).map((a) => a.body as { subjectId: string; holderToken: string; status: string });
    expect(answers.every((a) => a.status === 201 || a.status === 202)).toBe(true);
    // One slot computing a ~0.1–0.5 s scrypt: all but the first few arrive while it is busy.
    expect(queued.length).toBeGreaterThanOrEqual(PEOPLE - 2);
    expect(queued.every((q) => q.status === 'queued')).toBe(true);

    // PostgreSQL: the queue is worked by a separate worker process (npm run declaration-worker) and
    // the restarted gateway only serves; SQLite: the restarted gateway works its own queue.
    const second = await startGateway(program, dirs, { ...slow, BINDING_SCRYPT_LOG_N: '10', ...(kind === 'postgres' ? { DECLARATION_QUEUE_WORKER: 'false' } : {}) });
    running.push(second);
    if (kind === 'postgres') {
      const worker = spawn(process.execPath, [join(program.dir, 'gateway', 'declaration-worker.js')], {
        cwd: program.dir,
        env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: dirs.databaseUrl!, CERTS_DIR: dirs.certsDir, DATA_DIR: dirs.dataDir, BINDING_SCRYPT_LOG_N: '10', DECLARATION_QUEUE_POLL_MS: '50', LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      });
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      running.push({ port: 0, child: worker, output: () => '', kill: async () => { if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL'); await exited; } });
    }
    for (const q of queued) {
      const code = await codeWhenReady(second.port, q.subjectId, q.holderToken);
      expect({ status: code.status, subjectId: code.body['subjectId'] }).toEqual({ status: 200, subjectId: q.subjectId });
      const verified = await http(second.port, 'POST', '/v1/verify', { code: (code.body['credential'] as { jws: string }).jws });
      expect(verified.body['valid']).toBe(true);
    }
  }, TIMEOUT);
}

killedMidJob('sqlite');
if (TEST_DATABASE_URL) killedMidJob('postgres');
else warnPostgresSkipped('the declaration queue kill -9 test on PostgreSQL');
