import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram, http, makeDirs, startGateway, type GatewayProcess, type ProcessDirs, type ProgramDir } from '../issuer/gateway-process.js';
import { personDeclaration } from '../helpers/test-gateway.js';

/**
 * `npm run --silent passes -- issue|list|revoke` (here: the transpiled gateway/cli/passes.js, as
 * `npm run passes` runs the compiled one) against the store and keys a running gateway uses: the
 * pass it prints, alone on its last line, passes that gateway's checkpoint with the document; once
 * revoked at the counter, it is denied there at once.
 */
const TIMEOUT = 90_000;
/** The gateway's settings, which the counter's CLI shares (an operator passes --env-file): the pass's iss is ISSUER_URL. */
const ISSUER_URL = 'https://gateway.xinji.example';
let program: ProgramDir;
let root: string;
let gw: GatewayProcess | undefined;

beforeAll(async () => {
  program = await buildProgram();
  root = await mkdtemp(join(tmpdir(), 'hcg-passes-'));
}, TIMEOUT);
afterAll(async () => {
  await gw?.kill();
  await rm(root, { recursive: true, force: true });
  await program?.dispose();
});

function cli(dirs: ProcessDirs, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env['PATH'] ?? '', DATA_DIR: dirs.dataDir, CERTS_DIR: dirs.certsDir, PARTNERS_DIR: dirs.partnersDir, ISSUER_URL };
  return new Promise((resolve) => {
    execFile(process.execPath, [join(program.dir, 'gateway', 'cli', 'passes.js'), ...args], { cwd: program.dir, env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function deviceCli(dirs: ProcessDirs, ...args: string[]): Promise<string> {
  const env = { PATH: process.env['PATH'] ?? '', DATA_DIR: dirs.dataDir, CERTS_DIR: dirs.certsDir, PARTNERS_DIR: dirs.partnersDir };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(program.dir, 'gateway', 'cli', 'devices.js'), ...args], { cwd: program.dir, env, timeout: 30_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
  });
}

test('issue prints a pass the running gateway passes with the document; list shows it; revoke denies it at once', async () => {
  const dirs = await makeDirs(root);
  gw = await startGateway(program, dirs, { ISSUER_URL });
  const declaration = personDeclaration(3201);
  const document = (declaration['applicant'] as { document: unknown }).document;
  const declared = await http(gw.port, 'POST', '/v1/declarations', declaration);
  expect(declared.status).toBe(201);
  const subjectId = declared.body['subjectId'] as string;
  const token = await deviceCli(dirs, 'add', 'counter-gate');

  const issued = await cli(dirs, 'issue', subjectId);
  expect(issued.code).toBe(0);
  const lines = issued.stdout.trimEnd().split('\n');
  const pass = lines.at(-1)!;
  expect(pass).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  expect(lines[0]).toMatch(/^pass \S+ {2}issued \d{4}-.* {2}until \d{4}-/);
  const scan = async (): Promise<Record<string, unknown>> => (await http(gw!.port, 'POST', '/v1/checkpoint/scans', { code: pass, document, temperatureC: 36.5 }, token)).body;
  expect(await scan()).toMatchObject({ decision: 'pass', method: 'pass' });

  const passId = lines[0]!.split(' ')[1]!;
  expect((await cli(dirs, 'list', subjectId)).stdout).toMatch(new RegExp(`^${passId} {2}active `));
  expect(await cli(dirs, 'revoke', passId)).toMatchObject({ code: 0, stdout: `${passId}  revoked\n` });
  expect(await scan()).toMatchObject({ decision: 'deny', reasons: ['code_invalid'] });
  expect((await cli(dirs, 'revoke', 'no-such-pass')).code).toBe(2);
}, TIMEOUT);
