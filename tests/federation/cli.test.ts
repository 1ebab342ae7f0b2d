import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fromRoot } from '../../gateway/paths.js';
import { buildProgram, type ProgramDir } from '../issuer/gateway-process.js';
import { PartnerCity } from '../recognition/partner-city.js';
import { BEIJING } from '../recognition/profiles.js';

/**
 * The two tools as an operator runs them (`npm run --silent trust-list -- …`, `npm run --silent
 * partner-check -- …` run these same files once built): real processes, real files, exit codes.
 */
const exec = promisify(execFile);
/** Each test starts one to three Node processes; a loaded CI machine needs more than the default. */
const PROCESS_TIMEOUT_MS = 90_000;
let program: ProgramDir;
let dir: string;

interface Ran { code: number; stdout: string; stderr: string }

async function cli(tool: 'trust-list' | 'partner-check', args: string[], env: Record<string, string> = {}): Promise<Ran> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(program.dir, 'gateway', 'cli', `${tool}.js`), ...args], {
      cwd: program.dir,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  program = await buildProgram();
  dir = mkdtempSync(join(tmpdir(), 'hcg-federation-cli-'));
}, 60_000);

afterAll(async () => {
  await program?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run trust-list', () => {
  it('keygen writes a private key only its owner can read and prints the public JWK Set to pin', async () => {
    const ran = await cli('trust-list', ['keygen', '--out', join(dir, 'hebei.key.json')]);
    expect(ran.code).toBe(0);
    expect(statSync(join(dir, 'hebei.key.json')).mode & 0o077).toBe(0);
    const set = JSON.parse(ran.stdout) as { keys: Array<Record<string, unknown>> };
    expect(set.keys).toHaveLength(1);
    expect(set.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(set.keys[0]).not.toHaveProperty('d');
    writeFileSync(join(dir, 'hebei.jwks.json'), ran.stdout);
  }, PROCESS_TIMEOUT_MS);

  it('sign writes the signed list of a folder of partner files to stdout, and verify accepts it (exit 0)', async () => {
    const signed = await cli('trust-list', ['sign', fromRoot('partners'), '--key', join(dir, 'hebei.key.json'), '--sequence', '7', '--ttl-seconds', '3600']);
    expect(signed.code).toBe(0);
    expect(signed.stdout.trim().split('.')).toHaveLength(3);
    writeFileSync(join(dir, 'list.jws'), signed.stdout);
    const verified = await cli('trust-list', ['verify', join(dir, 'list.jws'), '--keys', join(dir, 'hebei.jwks.json')]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^valid: sequence 7, generated .*, expires /);
    expect(verified.stdout).toContain('4 members: beijing (active), fuzhou (suspended), hangzhou (active), shenzhen (active)');
  }, PROCESS_TIMEOUT_MS);

  it('verify refuses a list signed by a key not in the set (exit 1) and says why', async () => {
    await cli('trust-list', ['keygen', '--out', join(dir, 'other.key.json')]).then((r) => writeFileSync(join(dir, 'other.jwks.json'), r.stdout));
    const ran = await cli('trust-list', ['verify', join(dir, 'list.jws'), '--keys', join(dir, 'other.jwks.json')]);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^refused \(unpinned_key\)/);
  }, PROCESS_TIMEOUT_MS);

  it('sign refuses a folder with a broken partner file, naming the file (exit 2), and prints nothing to stdout', async () => {
    const folder = join(dir, 'broken');
    mkdirSync(folder);
    writeFileSync(join(folder, 'beijing.json'), '{"id":"beijing"}');
    const ran = await cli('trust-list', ['sign', folder, '--key', join(dir, 'hebei.key.json')]);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toContain('beijing.json');
  }, PROCESS_TIMEOUT_MS);

  it('without a command it prints its usage (exit 2)', async () => {
    const ran = await cli('trust-list', []);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/^usage: trust-list/);
  }, PROCESS_TIMEOUT_MS);
});

describe('npm run partner-check', () => {
  let city: PartnerCity;
  beforeAll(async () => {
    city = await PartnerCity.start(BEIJING);
    writeFileSync(join(dir, 'beijing.json'), JSON.stringify(city.partner()));
    const codes = [await city.code({ color: '未见异常', now: Date.now(), document: { type: 'resident_id', number: '11010519491231002X' } })];
    writeFileSync(join(dir, 'codes.txt'), `# sample codes from the production issuer, one per line\n${codes.join('\n')}\n`);
  }, PROCESS_TIMEOUT_MS);
  afterAll(async () => {
    await city?.close();
  }, PROCESS_TIMEOUT_MS);
  const loopback = { ALLOW_INSECURE_LOOPBACK_JWKS: 'true' };

  it('exits 0 with a READY report for a city that is ready', async () => {
    const ran = await cli('partner-check', [join(dir, 'beijing.json'), '--codes', join(dir, 'codes.txt')], loopback);
    expect(ran.stdout).toContain('READY: the gateway will accept this city\'s codes');
    expect(ran.code).toBe(0);
  }, PROCESS_TIMEOUT_MS);

  it('exits 1 and says what to fix when the city\'s key server is down; --json gives the same findings for machines', async () => {
    city.mode = 'unavailable';
    try {
      const text = await cli('partner-check', [join(dir, 'beijing.json'), '--codes', join(dir, 'codes.txt')], loopback);
      expect(text.code).toBe(1);
      expect(text.stdout).toContain('NOT READY');
      expect(text.stdout).toContain('What to do: Make the key set answer 200');
      const json = await cli('partner-check', [join(dir, 'beijing.json'), '--codes', join(dir, 'codes.txt'), '--json'], loopback);
      expect(json.code).toBe(1);
      const result = JSON.parse(json.stdout) as { ready: boolean; findings: Array<{ check: string; severity: string }> };
      expect(result.ready).toBe(false);
      expect(result.findings).toContainEqual(expect.objectContaining({ check: 'jwks_unreachable', severity: 'fail' }));
    } finally {
      city.mode = 'ok';
    }
  }, PROCESS_TIMEOUT_MS);

  it('refuses plain http on loopback unless ALLOW_INSECURE_LOOPBACK_JWKS is set, as the gateway does', async () => {
    const ran = await cli('partner-check', [join(dir, 'beijing.json'), '--codes', join(dir, 'codes.txt')]);
    expect(ran.code).toBe(1);
    expect(JSON.stringify(ran.stdout)).toContain('must be https');
  }, PROCESS_TIMEOUT_MS);

  it('without a partner file it prints its usage (exit 2)', async () => {
    const ran = await cli('partner-check', ['--json']);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/^usage: partner-check/);
  }, PROCESS_TIMEOUT_MS);
});
