import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { fromRoot } from '../../gateway/paths.js';
import { RISK_FEED_TOKEN } from '../helpers/test-gateway.js';
import { freePort } from '../../demo/processes.js';
import { send } from '../ops/process-client.js';

/**
 * The real gateway (gateway/main.ts) as a child process, for the tests that kill it or run two
 * of it. The TypeScript sources are transpiled file by file (ts.transpileModule, as tsc would emit
 * them) into a private directory — not dist/, which other people build into — beside a
 * package.json and a link to schemas/ and node_modules/, so gateway/paths.ts finds its root there.
 */
export interface ProgramDir {
  dir: string;
  dispose(): Promise<void>;
}

async function transpileTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory()) {
      await transpileTree(source, join(to, entry.name));
    } else if (entry.name.endsWith('.ts')) {
      const { outputText } = ts.transpileModule(await readFile(source, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, esModuleInterop: true },
        fileName: entry.name,
      });
      await writeFile(join(to, entry.name.replace(/\.ts$/, '.js')), outputText);
    } else {
      await copyFile(source, join(to, entry.name));
    }
  }
}

export async function buildProgram(): Promise<ProgramDir> {
  const dir = await mkdtemp(join(tmpdir(), 'hcg-program-'));
  // The checkout's scripts that run the build (`node dist/…`), pointed at this tree, so a test can
  // run `npm run devices -- …` as a user would, against the code under test.
  const { scripts } = JSON.parse(await readFile(fromRoot('package.json'), 'utf8')) as { scripts: Record<string, string> };
  const runtime = Object.fromEntries(Object.entries(scripts).filter(([, cmd]) => cmd.startsWith('node dist/')).map(([name, cmd]) => [name, cmd.replace('node dist/', 'node ')]));
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ type: 'module', scripts: runtime })}\n`);
  await symlink(fromRoot('node_modules'), join(dir, 'node_modules'), 'dir');
  await symlink(fromRoot('schemas'), join(dir, 'schemas'), 'dir');
  // The gateway serves its contract (GET /openapi.yaml) from the file beside schemas/.
  await symlink(fromRoot('openapi.yaml'), join(dir, 'openapi.yaml'), 'file');
  await transpileTree(fromRoot('gateway'), join(dir, 'gateway'));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export { freePort };

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * One JSON request to a child gateway; a body that is not JSON comes back as `{ text }`.
 * `onAnswer` runs the moment the body is complete: in the microtasks of the socket's end event,
 * before any other I/O callback (the kill -9 tests kill the gateway there).
 */
export async function http(port: number, method: string, path: string, body?: unknown, token?: string, onAnswer?: (answer: HttpAnswer) => void): Promise<HttpAnswer> {
  const answer = await send(undefined, port, method, path, body, token).answer;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    parsed = { text: answer.body };
  }
  const result = { status: answer.status, body: parsed };
  onAnswer?.(result);
  return result;
}

export interface GatewayProcess {
  port: number;
  child: ChildProcess;
  output(): string;
  /**
   * Settles once the child's stdout and stderr are closed ('close'). Node emits 'exit' before the
   * pipes are drained, so a log line written just before exit can arrive after 'exit'.
   */
  outputClosed: Promise<void>;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
}

export interface ProcessDirs {
  dataDir: string;
  certsDir: string;
  partnersDir: string;
  databaseUrl?: string;
}

export async function makeDirs(root: string, databaseUrl?: string): Promise<ProcessDirs> {
  const dirs = { dataDir: join(root, 'data'), certsDir: join(root, 'certs'), partnersDir: join(root, 'partners') };
  await mkdir(dirs.partnersDir, { recursive: true });
  return databaseUrl ? { ...dirs, databaseUrl } : dirs;
}

/**
 * Starts `node gateway/main.js` of the program on a free loopback port and waits until /healthz
 * answers. `extraEnv` adds or replaces variables (WORKERS, SHUTDOWN_TIMEOUT_MS, …).
 */
export async function startGateway(program: ProgramDir, dirs: ProcessDirs, extraEnv: Record<string, string> = {}): Promise<GatewayProcess> {
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dirs.dataDir,
    CERTS_DIR: dirs.certsDir,
    PARTNERS_DIR: dirs.partnersDir,
    BINDING_SCRYPT_LOG_N: '10',
    LOG_LEVEL: 'warn',
    RISK_FEED_TOKEN,
    // One loopback client sends everything in these tests; tests/ops turn the limit on.
    RATE_LIMIT_ENABLED: 'false',
    ...(dirs.databaseUrl ? { DATABASE_URL: dirs.databaseUrl } : {}),
    ...extraEnv,
  };
  const child = spawn(process.execPath, [join(program.dir, 'gateway', 'main.js')], { cwd: program.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const outputClosed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (gone) throw new Error(`gateway exited during start: ${output}`);
    try {
      const { status } = await http(port, 'GET', '/healthz');
      if (status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway did not answer /healthz within 20 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    child,
    output: () => output,
    outputClosed,
    async kill() {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
  };
}


/** What a test file of child gateways uses: the transpiled program, a start that kills at test end, a temp root, fresh PostgreSQL schemas. */
export interface GatewayProcesses {
  readonly program: ProgramDir;
  /** Starts a gateway on `dirs`; it is killed after the test. */
  start(dirs: ProcessDirs, extraEnv?: Record<string, string>): Promise<GatewayProcess>;
  /** A temporary directory removed after the file's tests. */
  tempRoot(): Promise<string>;
  /** A fresh PostgreSQL schema (dropped after the file's tests), selected through DATABASE_URL's search_path; and its name. */
  freshSchema(databaseUrl: string): Promise<{ url: string; schema: string }>;
  /** Runs after the file's tests, last registered first. */
  cleanup(fn: () => Promise<unknown>): void;
  /** Kills `process` after the test too (a worker started by hand). */
  track(process: GatewayProcess): void;
}

/**
 * The hooks every test file of child gateways repeated: the program built once for the file, every
 * gateway started by a test killed after it, temporary directories and schemas removed after the
 * file. The gateway has no setting for a schema, so a schema is chosen in DATABASE_URL itself
 * (`?options=-c search_path=<schema>`) after creating it here.
 */
export function useGatewayProcesses(options: { prefix: string; timeoutMs: number }): GatewayProcesses {
  let program: ProgramDir | undefined;
  const running: GatewayProcess[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    program = await buildProgram();
  }, options.timeoutMs);
  afterEach(async () => {
    while (running.length > 0) await running.pop()!.kill();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await program?.dispose();
  });
  return {
    get program(): ProgramDir {
      if (!program) throw new Error('the program is built in beforeAll');
      return program;
    },
    async start(dirs, extraEnv = {}) {
      const gw = await startGateway(this.program, dirs, extraEnv);
      running.push(gw);
      return gw;
    },
    async tempRoot() {
      const root = await mkdtemp(join(tmpdir(), `hcg-${options.prefix}-`));
      cleanups.push(() => rm(root, { recursive: true, force: true }));
      return root;
    },
    async freshSchema(databaseUrl) {
      const { default: pg } = await import('pg');
      const schema = `${options.prefix.replace(/\W/g, '_')}_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
      await admin.query(`CREATE SCHEMA ${schema}`);
      cleanups.push(async () => {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      });
      const url = new URL(databaseUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return { url: url.toString(), schema };
    },
    cleanup(fn) {
      cleanups.push(fn);
    },
    track(process) {
      running.push(process);
    },
  };
}
