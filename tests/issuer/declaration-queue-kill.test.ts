import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { personDeclaration } from '../helpers/test-gateway.js';
import { TEST_DATABASE_URL, warnPostgresSkipped } from './issuer-helpers.js';
import { http, makeDirs, useGatewayProcesses, type HttpAnswer } from './gateway-process.js';

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

const processes = useGatewayProcesses({ prefix: 'queue-kill', timeoutMs: TIMEOUT });

async function freshSchemaUrl(): Promise<string> {
  return (await processes.freshSchema(TEST_DATABASE_URL!)).url;
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
    const root = await processes.tempRoot();
    const dirs = await makeDirs(root, kind === 'postgres' ? await freshSchemaUrl() : undefined);
    const slow = { ISSUE_POOL_CONCURRENCY: '1', BINDING_SCRYPT_LOG_N: '16', DECLARATION_QUEUE_POLL_MS: '50' };
    const first = await processes.start(dirs, slow);

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
    const second = await processes.start(dirs, { ...slow, BINDING_SCRYPT_LOG_N: '10', ...(kind === 'postgres' ? { DECLARATION_QUEUE_WORKER: 'false' } : {}) });
    if (kind === 'postgres') {
      const worker = spawn(process.execPath, [join(processes.program.dir, 'gateway', 'declaration-worker.js')], {
        cwd: processes.program.dir,
        env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: dirs.databaseUrl!, CERTS_DIR: dirs.certsDir, DATA_DIR: dirs.dataDir, BINDING_SCRYPT_LOG_N: '10', DECLARATION_QUEUE_POLL_MS: '50', LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      });
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      const outputClosed = new Promise<void>((resolve) => worker.once('close', () => resolve()));
      processes.track({ port: 0, child: worker, output: () => '', outputClosed, kill: async () => { if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL'); await exited; } });
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
