import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildProgram, http, makeDirs, startGateway, type GatewayProcess, type ProcessDirs, type ProgramDir } from '../issuer/gateway-process.js';
import { TEST_DATABASE_URL, warnPostgresSkipped } from '../issuer/issuer-helpers.js';
import { residentId } from '../helpers/test-gateway.js';

/**
 * Checkpoint devices are managed with `npm run --silent devices -- add|list|revoke` (here: the
 * transpiled gateway/cli/devices.js, as `npm run devices` runs the compiled one) against the
 * store the gateways use. A revocation takes effect at once on every gateway sharing the database.
 */
const TIMEOUT = 90_000;
let program: ProgramDir;
const cleanups: Array<() => Promise<unknown>> = [];
const running: GatewayProcess[] = [];

beforeAll(async () => {
  program = await buildProgram();
}, TIMEOUT);
afterAll(async () => {
  while (running.length > 0) await running.pop()!.kill();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await program?.dispose();
});

async function dirsFor(databaseUrl?: string): Promise<ProcessDirs> {
  const root = await mkdtemp(join(tmpdir(), 'hcg-devices-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  return makeDirs(root, databaseUrl);
}

function cli(dirs: ProcessDirs, env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const vars = {
    PATH: process.env['PATH'] ?? '',
    DATA_DIR: dirs.dataDir,
    CERTS_DIR: dirs.certsDir,
    PARTNERS_DIR: dirs.partnersDir,
    ...(dirs.databaseUrl ? { DATABASE_URL: dirs.databaseUrl } : {}),
    ...env,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [join(program.dir, 'gateway', 'cli', 'devices.js'), ...args], { cwd: program.dir, env: vars, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const scanBody = { code: 'not-a-code', temperatureC: 36.5, document: { type: 'resident_id', number: residentId('13018119900307123') } };
const scanStatus = async (gw: GatewayProcess, token?: string): Promise<number> => (await http(gw.port, 'POST', '/v1/checkpoint/scans', scanBody, token)).status;

describe('devices CLI, SQLite', () => {
  test('add prints the token alone, list shows the device, revoke marks it; bad ids and repeated ids exit 2', async () => {
    const dirs = await dirsFor();
    const added = await cli(dirs, {}, 'add', 'gate-1');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^dvt_[A-Za-z0-9_-]{43}\n$/);
    expect((await cli(dirs, {}, 'add', 'gate-1')).code).toBe(2);
    expect((await cli(dirs, {}, 'add', '../etc')).code).toBe(2);
    expect((await cli(dirs, {}, 'frobnicate')).code).toBe(2);
    expect((await cli(dirs, {}, 'list')).stdout).toMatch(/^gate-1 {2}active since \d{4}-\d\d-\d\dT/);
    expect(await cli(dirs, {}, 'revoke', 'gate-1')).toMatchObject({ code: 0, stdout: 'revoked: gate-1\n' });
    expect((await cli(dirs, {}, 'revoke', 'gate-1')).code).toBe(2);
    const listed = (await cli(dirs, {}, 'list')).stdout;
    expect(listed).toMatch(/^gate-1 {2}revoked \d{4}-/);
    // The token is shown once and never stored: it appears in no listing.
    expect(listed).not.toContain(added.stdout.trim());
  }, TIMEOUT);
});

warnPostgresSkipped('the devices CLI across two gateway processes');
(TEST_DATABASE_URL ? describe : describe.skip)('devices across two gateway processes sharing one PostgreSQL', () => {
  test('a device added with the CLI scans at both; revoked, it is refused at both at once; no token is 401 at both', async () => {
    const schema = `dev_${randomBytes(6).toString('hex')}`;
    cleanups.push(async () => {
      const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    });
    const dirs = await dirsFor(TEST_DATABASE_URL);
    const env = { DATABASE_SCHEMA: schema };
    // One after the other: the first start creates the key and pepper both share.
    const a = await startGateway(program, dirs, env);
    running.push(a);
    const b = await startGateway(program, dirs, env);
    running.push(b);

    for (const gw of [a, b]) expect(await scanStatus(gw)).toBe(401);
    const added = await cli(dirs, env, 'add', 'gate-north-7');
    expect(added.code).toBe(0);
    const token = added.stdout.trim();
    for (const gw of [a, b]) expect(await scanStatus(gw, token)).toBe(200);
    expect((await cli(dirs, env, 'list')).stdout).toMatch(/^gate-north-7 {2}active since /);

    expect((await cli(dirs, env, 'revoke', 'gate-north-7')).code).toBe(0);
    for (const gw of [a, b]) {
      const answer = await http(gw.port, 'POST', '/v1/checkpoint/scans', scanBody, token);
      expect({ status: answer.status, code: (answer.body['error'] as { code?: string } | undefined)?.code }).toEqual({ status: 401, code: 'ERR_DEVICE_UNAUTHORIZED' });
    }
  }, TIMEOUT);
});
