import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQLITE_FILE_NAME } from '../../gateway/store/open-store.js';
import { personDeclaration } from '../helpers/test-gateway.js';
import { runToEnd } from '../helpers/run-to-end.js';
import { buildProgram, http, startGateway, type GatewayProcess, type ProgramDir } from '../issuer/gateway-process.js';

/**
 * The backup and restore of docs/deployment.md ("Backups"), performed as written: an online backup
 * of a serving gateway's SQLite store (`backup <file>`), restored into a new gateway's DATA_DIR
 * with the same CERTS_DIR; the person declared before the backup fetches a fresh code from it.
 */
let program: ProgramDir;
let root: string;
const running: GatewayProcess[] = [];

beforeAll(async () => {
  program = await buildProgram();
  root = mkdtempSync(join(tmpdir(), 'hcg-backup-'));
}, 60_000);
afterAll(async () => {
  for (const gw of running) await gw.kill();
  await program?.dispose();
  rmSync(root, { recursive: true, force: true });
});

const backup = (args: string[], env: Record<string, string>) =>
  runToEnd(process.execPath, [join(program.dir, 'gateway', 'cli', 'backup.js'), ...args], { cwd: root, env: { PATH: process.env['PATH'] ?? '', ...env }, timeoutMs: 30_000 });

test('a backup taken while the gateway serves, restored into a new gateway, still gives the person a code', async () => {
  const certsDir = join(root, 'certs');
  const first = { dataDir: join(root, 'data-1'), certsDir, partnersDir: join(root, 'partners') };
  mkdirSync(first.partnersDir, { recursive: true });
  const live = await startGateway(program, first);
  running.push(live);
  const declared = await http(live.port, 'POST', '/v1/declarations', personDeclaration(7));
  expect(declared.status).toBe(201);
  const subjectId = String(declared.body['subjectId']);
  const holderToken = String(declared.body['holderToken']);

  // Online: the gateway keeps serving, and is still writing, while the copy is taken.
  const file = join(root, 'gateway-backup.sqlite');
  const during = http(live.port, 'POST', '/v1/declarations', personDeclaration(8));
  const done = await backup([file], { DATA_DIR: first.dataDir, CERTS_DIR: certsDir });
  expect(done.stderr).toBe('');
  expect(done.code).toBe(0);
  expect(done.stdout).toMatch(/^backed up .* \(\d+ pages, integrity ok\)\n$/);
  expect((await during).status).toBe(201);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  // A second run never overwrites a backup.
  expect((await backup([file], { DATA_DIR: first.dataDir })).code).toBe(2);

  // Restore as the guide says: the copy at DATA_DIR/gateway.sqlite, nothing beside it, the same CERTS_DIR.
  const second = { ...first, dataDir: join(root, 'data-2') };
  mkdirSync(second.dataDir, { recursive: true });
  copyFileSync(file, join(second.dataDir, SQLITE_FILE_NAME));
  expect(existsSync(join(second.dataDir, `${SQLITE_FILE_NAME}-wal`))).toBe(false);
  await live.kill();
  const restored = await startGateway(program, second);
  running.push(restored);
  const code = await http(restored.port, 'GET', `/v1/subjects/${subjectId}/code`, undefined, holderToken);
  expect(code.status).toBe(200);
  const jws = String((code.body['credential'] as { jws: string }).jws);
  const verified = await http(restored.port, 'POST', '/v1/verify', { code: jws });
  expect(verified.body).toMatchObject({ valid: true, credential: { color: 'green' } });
  // The document is still claimed by that person: declaring it again is refused, not a second code.
  expect((await http(restored.port, 'POST', '/v1/declarations', personDeclaration(7))).status).not.toBe(201);
}, 90_000);

test('backup refuses a PostgreSQL store and says to use pg_dump', async () => {
  const run = await backup([join(root, 'x.sqlite')], { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' });
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('pg_dump');
});
