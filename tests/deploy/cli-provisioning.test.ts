import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { fromRoot } from '../../gateway/paths.js';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runToEnd, type Finished } from '../helpers/run-to-end.js';
import { buildProgram, type ProgramDir } from '../issuer/gateway-process.js';

/**
 * Provisioning as the deployment guide writes it (issue 20), each path run as a child process of
 * the transpiled tools: `keys init` in the image without the server's settings, `keys init` as the
 * gateway's user in the certs directory the systemd guide creates, a key added on a VM with the
 * unit's env file, the development key directory refused in production, and every tool's strict
 * command line (`--stauts next` is an error, `--help` answers).
 */
let program: ProgramDir;
let root: string;
/** The Node.js binary the tools run with: this process's own, or a copy the unprivileged user can reach. */
let nodeBinary = process.execPath;

/** Whether a user other than root (and not the owner) can walk down to `path`: every directory above it lets others search it. */
function othersCanReach(path: string): boolean {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === dirname(dir)) return true;
  }
}

beforeAll(async () => {
  program = await buildProgram();
  // Readable by the unprivileged user the systemd case runs as.
  chmodSync(program.dir, 0o755);
  root = mkdtempSync(join(tmpdir(), 'hcg-provision-'));
  chmodSync(root, 0o755);
  if (process.getuid?.() === 0) {
    // CI keeps its Node.js versions (and may keep its checkout) under `mktemp -d`, which only root may
    // enter: the unprivileged user gets the same binary and dependencies where it can reach them, as a
    // real install has them (/usr/local/bin/node, /opt/health-code-gateway/node_modules).
    if (!othersCanReach(process.execPath)) {
      nodeBinary = join(root, 'node');
      copyFileSync(process.execPath, nodeBinary);
      chmodSync(nodeBinary, 0o755);
    }
    if (!othersCanReach(fromRoot('package.json'))) {
      for (const linked of ['node_modules', 'schemas', 'openapi.yaml']) {
        unlinkSync(join(program.dir, linked));
        cpSync(fromRoot(linked), join(program.dir, linked), { recursive: true });
      }
    }
  }
}, 120_000);

afterAll(async () => {
  await program?.dispose();
  if (root) rmSync(root, { recursive: true, force: true });
});

let n = 0;
function workDir(): string {
  const dir = join(root, `w${++n}`);
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  return dir;
}

function tool(name: string, args: string[], options: { cwd: string; env?: Record<string, string>; uid?: number; gid?: number }): Promise<Finished> {
  return runToEnd(nodeBinary, [join(program.dir, 'gateway', 'cli', `${name}.js`), ...args], {
    cwd: options.cwd,
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
    timeoutMs: 20_000,
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
}

const keyFiles = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.key.json')) : []);

/** The runtime image's environment (Dockerfile ENV), without RISK_FEED_TOKEN or anything else only the server needs. */
const imageEnv = (certsDir: string, dataDir: string): Record<string, string> => ({
  NODE_ENV: 'production',
  GATEWAY_ENV: 'production',
  HOST: '0.0.0.0',
  PORT: '8080',
  DATA_DIR: dataDir,
  CERTS_DIR: certsDir,
});

describe('provisioning keys as the deployment guide writes it', () => {
  test('keys init in the image (docker run … keys.js init) provisions a key and the pepper without the server\'s settings', async () => {
    const cwd = workDir();
    const certs = join(cwd, 'certs');
    const run = await tool('keys', ['init'], { cwd, env: imageEnv(certs, join(cwd, 'data')) });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(keyFiles(certs)).toHaveLength(1);
    expect(existsSync(join(certs, 'document-pepper.key'))).toBe(true);
  });

  // The guide: `install -d -m 0700 -o health-code-gateway …/certs`, then `sudo -u health-code-gateway … keys.js init`.
  // Run as root, the tool runs as an unprivileged user (nobody) as sudo -u would; otherwise as this user.
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

  test('keys init as the gateway\'s user succeeds in the certs directory the systemd guide creates for it', async () => {
    const cwd = workDir();
    const certs = join(cwd, 'certs');
    mkdirSync(certs, { mode: 0o700 });
    if (asUser.uid !== undefined) chownSync(certs, asUser.uid, asUser.gid);
    const run = await tool('keys', ['init'], { cwd, env: { GATEWAY_ENV: 'development', CERTS_DIR: certs }, ...asUser });
    expect(run.code).toBe(0);
    expect(keyFiles(certs)).toHaveLength(1);
  });

  (process.getuid?.() === 0 ? test : test.skip)('keys add run as root (sudo without -u) leaves the new key to the directory\'s owner, so the gateway can read it', async () => {
    const cwd = workDir();
    const certs = join(cwd, 'certs');
    mkdirSync(certs, { mode: 0o700 });
    chownSync(certs, 65534, 65534);
    expect((await tool('keys', ['init'], { cwd, env: { GATEWAY_ENV: 'development', CERTS_DIR: certs } })).code).toBe(0);
    expect((await tool('keys', ['add', '--status', 'next'], { cwd, env: { GATEWAY_ENV: 'development', CERTS_DIR: certs } })).code).toBe(0);
    const owners = readdirSync(certs).map((f) => statSync(join(certs, f))).map((s) => [s.uid, s.mode & 0o777]);
    expect(owners).toEqual([[65534, 0o600], [65534, 0o600], [65534, 0o600]]);
  });

  // The directory's owner (the gateway's user) can put a symlink where root's tool writes: root must
  // not write through it, nor chown what it points at (a root-owned file elsewhere, /etc/shadow).
  (process.getuid?.() === 0 ? test : test.skip)('keys activate run as root replaces a symlinked key file in CERTS_DIR instead of writing through it and giving its target away', async () => {
    const cwd = workDir();
    const certs = join(cwd, 'certs');
    mkdirSync(certs, { mode: 0o700 });
    chownSync(certs, 65534, 65534);
    const env = { GATEWAY_ENV: 'development', CERTS_DIR: certs };
    expect((await tool('keys', ['init'], { cwd, env })).code).toBe(0);
    const [active] = keyFiles(certs);
    expect((await tool('keys', ['add', '--status', 'next'], { cwd, env })).code).toBe(0);
    const next = keyFiles(certs).find((f) => f !== active)!;
    const outside = join(cwd, 'root-owned-elsewhere');
    writeFileSync(outside, readFileSync(join(certs, active!), 'utf8'), { mode: 0o644 });
    const before = readFileSync(outside, 'utf8');
    rmSync(join(certs, active!));
    symlinkSync(outside, join(certs, active!));
    expect((await tool('keys', ['activate', next.replace('.key.json', '')], { cwd, env })).code).toBe(0);
    expect({ text: readFileSync(outside, 'utf8') === before, uid: statSync(outside).uid }).toEqual({ text: true, uid: 0 });
    const replaced = lstatSync(join(certs, active!));
    expect({ symlink: replaced.isSymbolicLink(), uid: replaced.uid, mode: replaced.mode & 0o777 }).toEqual({ symlink: false, uid: 65534, mode: 0o600 });
    expect(JSON.parse(readFileSync(join(certs, active!), 'utf8'))).toEqual(expect.objectContaining({ status: 'retired' }));
  });

  test('the systemd guide creates the certs directory for the gateway\'s user and runs keys as that user', () => {
    const guide = readFileSync(fromRoot('docs', 'deployment.md'), 'utf8');
    expect(guide).toMatch(/install -d -m 0700 -o health-code-gateway -g health-code-gateway \/etc\/health-code-gateway\/certs/);
    expect(guide).toMatch(/sudo -u health-code-gateway \/usr\/local\/bin\/node \/opt\/health-code-gateway\/dist\/gateway\/cli\/keys\.js init/);
    expect(guide).not.toMatch(/install -d -m 0750 -g health-code-gateway[^\n]*\/certs/);
  });

  test('keys init in a certs directory its user cannot write says so and how to fix it, without a stack trace', async () => {
    const cwd = workDir();
    const certs = join(cwd, 'certs');
    // The old guide's `install -d -m 0750 -g health-code-gateway`: root's directory, the group may only read.
    mkdirSync(certs, { mode: 0o750 });
    if (asUser.uid !== undefined) chownSync(certs, 0, asUser.gid);
    chmodSync(certs, asUser.uid !== undefined ? 0o750 : 0o550);
    const run = await tool('keys', ['init'], { cwd, env: { GATEWAY_ENV: 'development', CERTS_DIR: certs }, ...asUser });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot read or write ${certs}`);
    expect(run.stderr).toContain('EACCES');
    expect(run.stderr).toContain('sudo -u health-code-gateway');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    chmodSync(certs, 0o700);
  });

  test('keys add --env-file <the unit\'s env file> writes into the gateway\'s CERTS_DIR, not ./certs/dev', async () => {
    const cwd = workDir();
    const certs = join(cwd, 'etc-certs');
    const envFile = join(cwd, 'gateway.env');
    writeFileSync(envFile, `# as deploy/systemd/gateway.env.example\nGATEWAY_ENV=production\nCERTS_DIR=${certs}\nRISK_FEED_TOKEN=change-me-to-32-random-characters\n`);
    expect((await tool('keys', ['init', '--env-file', envFile], { cwd })).code).toBe(0);
    const run = await tool('keys', ['add', '--status', 'next', '--env-file', envFile], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ next\n$/);
    expect(keyFiles(certs)).toHaveLength(2);
    expect(existsSync(join(cwd, 'certs'))).toBe(false);
  });

  test('a key command in production without CERTS_DIR refuses the development key directory', async () => {
    const cwd = workDir();
    const run = await tool('keys', ['add', '--status', 'next'], { cwd, env: { GATEWAY_ENV: 'production' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CERTS_DIR is the development key directory');
    expect(existsSync(join(cwd, 'certs'))).toBe(false);
  });

  test('a misspelt option (--stauts next) is refused with exit 2 and nothing is written', async () => {
    const cwd = workDir();
    const certs = join(cwd, 'certs');
    const run = await tool('keys', ['add', '--stauts', 'next'], { cwd, env: { CERTS_DIR: certs } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown option '--stauts'");
    expect(run.stderr).toContain('usage: keys');
    expect(keyFiles(certs)).toEqual([]);
  });

  test('a value outside the choices (--status nxt) is refused with exit 2', async () => {
    const cwd = workDir();
    const run = await tool('keys', ['add', '--status', 'nxt'], { cwd, env: { CERTS_DIR: join(cwd, 'certs') } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--status must be next or active, not 'nxt'");
  });
});

describe('every tool\'s command line', () => {
  const tools: Array<[string, string[]]> = [
    ['keys', ['list']],
    ['devices', ['list']],
    ['passes', ['list', 'sub_x']],
    ['subjects', ['audit', 'sub_x']],
    ['trust-list', ['verify', 'list.jws']],
    ['partner-check', ['partner.json']],
    ['healthcheck', []],
  ];

  test.each(tools)('%s --help prints the usage and exits 0', async (name) => {
    const run = await tool(name, ['--help'], { cwd: workDir() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: /);
  });

  test.each(tools)('%s refuses an unknown option with exit 2 and the usage', async (name, args) => {
    const run = await tool(name, [...args, '--bogus'], { cwd: workDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown option '--bogus'");
    expect(run.stderr).toContain('usage: ');
  });

  test('devices add --env-file reads DATA_DIR from the file, as the gateway would', async () => {
    const cwd = workDir();
    const envFile = join(cwd, 'gateway.env');
    writeFileSync(envFile, `DATA_DIR=${join(cwd, 'var-lib')}\n`);
    const run = await tool('devices', ['add', 'gate-1', '--env-file', envFile], { cwd });
    expect(run.code).toBe(0);
    expect(existsSync(join(cwd, 'var-lib'))).toBe(true);
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });

  test('an env file that does not exist stops the tool, naming the file', async () => {
    const cwd = workDir();
    const run = await tool('devices', ['list', '--env-file', join(cwd, 'missing.env')], { cwd });
    // Node itself looks for an --env-file anywhere on its command line and stops first (exit 9) on
    // the versions that do; the tool says the same (exit 2) where Node does not.
    expect([2, 9]).toContain(run.code);
    expect(run.stderr).toContain(join(cwd, 'missing.env'));
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });
});
