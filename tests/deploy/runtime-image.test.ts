import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, relative } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { fromRoot } from '../../gateway/paths.js';
import { freePort } from '../../demo/processes.js';
import { ADMIN_TOKEN, RISK_FEED_TOKEN } from '../helpers/test-gateway.js';
import { copies, envOf, execForm, one, parseDockerfile, stage } from './dockerfile.js';

/**
 * The image without Docker (issue 11). The Dockerfile's runtime stage is replayed: a fresh
 * directory outside the checkout receives exactly what its COPY lines take from the build stage —
 * the build (scripts/build.mjs), package.json and the lockfile, and the production dependencies
 * only (`npm ls --omit=dev`, what `npm prune --omit=dev` leaves) — and is started with the stage's
 * ENV, WORKDIR and CMD, its volumes mapped to temporary directories. It must refuse to start
 * unprovisioned (GATEWAY_ENV=production), start once `keys init` (run from the build, as an
 * operator would) has provisioned CERTS_DIR, answer /readyz and the HEALTHCHECK, pick up a key
 * added while it runs, drain on SIGTERM, and write nothing outside its volumes.
 */
const run = promisify(execFile);
const stages = parseDockerfile();
const runtime = stage(stages, 'runtime');
const build = stage(stages, 'build');
const buildDir = one(build, 'WORKDIR');
const appDir = one(runtime, 'WORKDIR');
const volumes = JSON.parse(one(runtime, 'VOLUME')) as string[];
const cmd = execForm(one(runtime, 'CMD'));
const runtimeFiles = JSON.parse(readFileSync(fromRoot('runtime-files.json'), 'utf8')) as { assets: string[]; image: string[] };

let work: string;
let app: string;
let volumeDirs: Map<string, string>;
let env: Record<string, string>;

/** Every file under `dir`, relative. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** The production packages of the checkout's node_modules (what `npm prune --omit=dev` keeps). */
async function listProductionPackages(): Promise<string[]> {
  const { stdout } = await run('npm', ['ls', '--omit=dev', '--parseable', '--all'], { cwd: fromRoot(), maxBuffer: 8 << 20 });
  return stdout
    .split('\n')
    .filter((p) => p.includes(`${fromRoot('node_modules')}/`))
    .sort();
}

function copyPackages(packages: string[], dest: string): void {
  let last = '';
  for (const pkg of packages) {
    if (last && pkg.startsWith(`${last}/`)) continue; // nested inside a package already copied
    cpSync(pkg, join(dest, relative(fromRoot('node_modules'), pkg)), { recursive: true });
    last = pkg;
  }
}

/** The file or directory the build stage holds at `source` (a path under its WORKDIR). */
function fromBuildStage(source: string, dest: string, builtDist: string, productionPackages: string[]): void {
  const rel = posix.relative(buildDir, source);
  mkdirSync(dirname(dest), { recursive: true });
  if (rel === 'node_modules') copyPackages(productionPackages, dest);
  else if (rel.startsWith('dist/')) cpSync(join(builtDist, rel.slice('dist/'.length)), dest, { recursive: true });
  else cpSync(fromRoot(rel), dest, { recursive: true });
}

function mapPath(value: string): string {
  for (const [volume, dir] of volumeDirs) if (value === volume || value.startsWith(`${volume}/`)) return dir + value.slice(volume.length);
  if (value === appDir || value.startsWith(`${appDir}/`)) return app + value.slice(appDir.length);
  return value;
}

function node(args: string[], extra: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, args, { cwd: app, env: { ...env, ...extra }, timeout: 20_000 });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hcg-image-'));
  app = join(work, 'app');
  const builtDist = join(work, 'build-stage-dist');
  // The real build script (type-checking is `npm run typecheck`'s job), while npm lists the
  // production packages: the two slow steps run side by side.
  const [, productionPackages] = await Promise.all([
    run(process.execPath, [fromRoot('scripts', 'build.mjs'), '--out', builtDist, '--no-check'], { cwd: fromRoot(), timeout: 60_000 }),
    listProductionPackages(),
  ]);
  for (const { from, source, dest } of copies(runtime)) {
    expect({ source, from }).toEqual({ source, from: 'build' });
    const target = posix.join(appDir, dest.endsWith('/') ? posix.join(dest, basename(source)) : dest);
    fromBuildStage(source, app + target.slice(appDir.length), builtDist, productionPackages);
  }
  volumeDirs = new Map(volumes.map((v) => [v, join(work, 'volumes', basename(v))]));
  for (const dir of volumeDirs.values()) mkdirSync(dir, { recursive: true });
  const port = await freePort();
  env = {
    PATH: process.env['PATH'] ?? '',
    ...Object.fromEntries(Object.entries(envOf(runtime)).map(([k, v]) => [k, mapPath(v)])),
    // Loopback only in tests; the Deployment or `docker run -e` supplies the feed token.
    HOST: '127.0.0.1',
    PORT: String(port),
    RISK_FEED_TOKEN,
    // What production mode asks for (issue 19, item 5); plain http on loopback, knowingly.
    ADMIN_TOKEN,
    ADMIN_PORT: String(await freePort()),
    ADMIN_HOST: '127.0.0.1',
    ISSUER_URL: `http://localhost:${port}`,
    PRODUCTION_OPT_OUT: 'ISSUER_URL',
    LOG_LEVEL: 'warn',
  };
}, 90_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function start(): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, cmd.slice(1), { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function get(path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${env['PORT']}${path}`);
  return { status: res.status, text: await res.text() };
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the runtime stage of the Dockerfile, replayed without Docker', () => {
  test('copies exactly the runtime files of runtime-files.json, on a slim Node 24 base, as a non-root user with two volumes', () => {
    const sources = copies(runtime).map((c) => posix.relative(buildDir, c.source));
    expect(sources.sort()).toEqual([...runtimeFiles.image].sort());
    expect(runtime.from).toMatch(/^node:24[-.\w]*slim$/);
    expect(one(runtime, 'USER')).not.toMatch(/^(root|0)(:|$)/);
    expect(volumes.sort()).toEqual([envOf(runtime)['CERTS_DIR'], envOf(runtime)['DATA_DIR']].sort());
    expect(envOf(runtime)['GATEWAY_ENV']).toBe('production');
    expect(one(runtime, 'HEALTHCHECK')).toContain('CMD');
  });

  test('holds production dependencies only, and no TypeScript sources', () => {
    expect(existsSync(join(app, 'node_modules', 'better-sqlite3'))).toBe(true);
    for (const dev of ['typescript', 'jest', 'ts-jest', 'yaml', 'fast-check']) expect({ dev, present: existsSync(join(app, 'node_modules', dev)) }).toEqual({ dev, present: false });
    expect(listing(join(app, 'dist')).filter((f) => f.endsWith('.ts'))).toEqual([]);
  });

  test('npm start runs what the image runs', () => {
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['start']).toBe(cmd.join(' '));
  });

  test('refuses to start unprovisioned, naming GATEWAY_ENV and CERTS_DIR', async () => {
    const gw = start();
    expect(await gw.exit).toBe(1);
    expect(gw.output()).toMatch(/GATEWAY_ENV=production: no signing key in .* \(CERTS_DIR\)/);
    expect(readdirSync(volumeDirs.get(envOf(runtime)['CERTS_DIR']!)!)).toEqual([]);
  }, 30_000);

  test('provisioned with keys init, answers /readyz and the HEALTHCHECK, reloads a key added while it runs, and drains on SIGTERM without writing outside its volumes', async () => {
    await node(['dist/gateway/cli/keys.js', 'init']);
    const before = listing(app);
    const gw = start();
    try {
      await until(async () => (await get('/readyz')).status === 200, 20_000, `no 200 from /readyz:\n${gw.output()}`);
      // The contract the build carries: the checkout's openapi.yaml, its servers naming this gateway.
      const served = parse((await get('/openapi.yaml')).text) as { servers: unknown; paths: unknown };
      const file = parse(readFileSync(fromRoot('openapi.yaml'), 'utf8')) as { paths: unknown };
      expect(served.paths).toEqual(file.paths);
      expect(served.servers).toEqual([{ url: expect.stringMatching(/^http:\/\/localhost:\d+$/) }]);
      const health = execForm(one(runtime, 'HEALTHCHECK'));
      await expect(node(health.slice(1))).resolves.toBeDefined();

      // The Kubernetes way: the new Secret is printed, CERTS_DIR is left alone.
      const certs = volumeDirs.get(envOf(runtime)['CERTS_DIR']!)!;
      const files = readdirSync(certs).sort();
      const secret = JSON.parse((await node(['dist/gateway/cli/keys.js', 'add', '--status', 'next', '--secret', 'gateway-keys'])).stdout) as { kind: string; stringData: Record<string, string> };
      expect(secret.kind).toBe('Secret');
      expect(Object.keys(secret.stringData)).toHaveLength(files.length + 1);
      expect(readdirSync(certs).sort()).toEqual(files);

      // The VM way: the file is written, and the running gateway publishes it without a restart.
      await node(['dist/gateway/cli/keys.js', 'add', '--status', 'next']);
      await until(async () => (JSON.parse((await get('/.well-known/jwks.json')).text) as { keys: unknown[] }).keys.length === 2, 5_000, 'the added key was not published');

      gw.child.kill('SIGTERM');
      expect(await gw.exit).toBe(0);
      expect(listing(app)).toEqual(before);
    } finally {
      gw.child.kill('SIGKILL');
    }
  }, 60_000);
});
