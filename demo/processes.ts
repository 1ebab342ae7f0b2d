import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { ENV_VARS } from '../gateway/config/env.js';
import { addDevice } from '../gateway/checkpoint/devices.js';
import { openStore } from '../gateway/store/open-store.js';

/** dist/demo/processes.js → dist/gateway/main.js (the compiled gateway, as `npm start` runs it). */
export const GATEWAY_MAIN = fileURLToPath(new URL('../gateway/main.js', import.meta.url));

/** A port free on 127.0.0.1 right now; the gateway must know it before it starts (ISSUER_URL). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface GatewaySpec {
  label: string;
  dir: string;
  port: number;
  env: Record<string, string>;
  /** Script to run instead of the gateway's main.js (the benchmark's variant entry points). */
  main?: string;
}

const KEEP_OUTPUT_CHARS = 8_000;

/**
 * One gateway as a child process, exactly as an operator runs it (`node dist/gateway/main.js`
 * configured by environment variables). Gateway variables inherited from the caller's shell are
 * dropped, so a DATABASE_URL set there cannot send the demo to a real database.
 */
export class GatewayProcess {
  readonly url: string;
  private child: ChildProcess | undefined;
  private output = '';
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly spec: GatewaySpec) {
    this.url = `http://127.0.0.1:${spec.port}`;
  }

  async start(timeoutMs = 20_000): Promise<void> {
    const { dir, port } = this.spec;
    for (const sub of ['data', 'certs', 'partners']) mkdirSync(join(dir, sub), { recursive: true });
    const env: Record<string, string> = {};
    const gatewayVars = new Set(ENV_VARS.map((v) => v.name));
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !gatewayVars.has(k)) env[k] = v;
    Object.assign(env, {
      PORT: String(port),
      HOST: '127.0.0.1',
      ISSUER_URL: this.url,
      DATA_DIR: join(dir, 'data'),
      CERTS_DIR: join(dir, 'certs'),
      PARTNERS_DIR: join(dir, 'partners'),
      ALLOW_INSECURE_LOOPBACK_JWKS: 'true',
      BINDING_SCRYPT_LOG_N: '12',
      LOG_LEVEL: 'warn',
      // The demo's one loopback client stands for every checkpoint of a city.
      RATE_LIMIT_ENABLED: 'false',
      ...this.spec.env,
    });
    const child = spawn(process.execPath, [this.spec.main ?? GATEWAY_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-KEEP_OUTPUT_CHARS);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await this.waitReady(timeoutMs);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const child = this.child;
      if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${this.spec.label} gateway exited during start:\n${this.output}`);
      try {
        const res = await request(`${this.url}/healthz`, { headersTimeout: 1_000, bodyTimeout: 1_000 });
        await res.body.dump();
        if (res.statusCode === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.spec.label} gateway did not answer /healthz within ${timeoutMs} ms:\n${this.output}`);
  }

  /**
   * Registers a checkpoint device in this gateway's store, as `npm run devices -- add <id>` does
   * (SQLite in its data directory, or the DATABASE_URL/DATABASE_SCHEMA of its environment), and
   * returns the token. The running gateway sees it at once: scans look tokens up in the store.
   */
  async addDevice(id: string): Promise<string> {
    const { env } = this.spec;
    const store = await openStore({
      dataDir: join(this.spec.dir, 'data'),
      ...(env['DATABASE_URL'] ? { databaseUrl: env['DATABASE_URL'] } : {}),
      ...(env['DATABASE_SCHEMA'] ? { pgSchema: env['DATABASE_SCHEMA'] } : {}),
      pgMaxConnections: 1,
    });
    try {
      const token = await addDevice(store, id, Date.now());
      if (token === undefined) throw new Error(`${this.spec.label}: a device ${id} exists already`);
      return token;
    } finally {
      await store.close();
    }
  }

  /** The process id of the gateway (its primary process when it runs workers). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The child's recent stdout and stderr, for failure reports. */
  get recentOutput(): string {
    return this.output;
  }

  /** SIGTERM (the gateway closes its server and store), SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Last resort from a synchronous 'exit' handler. */
  killNow(): void {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
