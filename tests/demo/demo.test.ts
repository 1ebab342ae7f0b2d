import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import { PEOPLE } from '../../demo/cities.js';
import { runToEnd } from '../helpers/run-to-end.js';

/**
 * `npm run demo` end to end: the compiled demo starts three gateways and two simulated issuers
 * on loopback, and its exit code says whether every outcome was the expected one.
 */
const ROOT = process.cwd();
const DEMO = join(ROOT, 'dist/demo/run.js');

/** The newest mtime of the sources the build compiles, against the oldest of their outputs. */
function distIsStale(): boolean {
  for (const top of ['gateway', 'demo']) {
    const walk = (dir: string): boolean =>
      readdirSync(dir, { withFileTypes: true }).some((entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return walk(path);
        if (!entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) return false;
        const out = join(ROOT, 'dist', relative(ROOT, path)).replace(/\.ts$/, '.js');
        return !existsSync(out) || statSync(out).mtimeMs < statSync(path).mtimeMs;
      });
    if (walk(join(ROOT, top))) return true;
  }
  return false;
}

/** The demo's stdout and stderr interleaved, as a person running it sees them. */
async function runDemo(): Promise<{ code: number | null; stdout: string }> {
  const { code, output } = await runToEnd(process.execPath, [DEMO], { timeoutMs: 40_000, killSignal: 'SIGINT' });
  return { code, stdout: output };
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

let result: { code: number | null; stdout: string };

beforeAll(async () => {
  if (distIsStale()) {
    try {
      // The build copies the runtime files (schemas/, openapi.yaml, …) beside the compiled gateway too.
      execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'pipe' });
    } catch {
      // tsc emits even when a file elsewhere in the tree has a type error; the type check is `npm run typecheck`.
    }
  }
  result = await runDemo();
}, 90_000);

/** The table row of a code: the line that starts with its number. */
function row(n: number): string {
  return result.stdout.split('\n').find((line) => line.startsWith(`${n} `)) ?? `(no row ${n})`;
}

describe('npm run demo', () => {
  it('exits with 0 and reports every outcome as expected', () => {
    expect(result.stdout).toMatch(/OK: all \d+ outcomes as expected/);
    expect(result.code).toBe(0);
  });

  it("shows Xinji's green, yellow and red codes recognised by Beijing and Hangzhou, and only the green one passing", () => {
    expect(row(1)).toMatch(/辛集市.*"green"\s+·\s+green\s+green\s+pass$/);
    expect(row(2)).toMatch(/"yellow"\s+·\s+yellow\s+yellow\s+deny: color_yellow$/);
    expect(row(3)).toMatch(/"red"\s+·\s+red\s+red\s+deny: color_red$/);
  });

  it('shows a Xinji code superseded by the risk feed refused at the Xinji checkpoint and listed in the status list', () => {
    expect(row(4)).toMatch(/deny: code_invalid \[ERR_CREDENTIAL_SUPERSEDED\]$/);
    expect(result.stdout).toMatch(/health-code-status says: superseded/);
  });

  it("maps Beijing's words, including the pop-up state, and refuses a word outside its vocabulary", () => {
    expect(row(5)).toMatch(/北京市.*"未见异常"\s+green\s+·\s+green\s+pass$/);
    expect(row(7)).toMatch(/"集中观察"\s+red\s+·\s+red\s+deny: color_red$/);
    expect(row(8)).toMatch(/"弹窗"\s+yellow \(advisory\)\s+·\s+yellow \(advisory\)\s+deny: color_yellow, advisory$/);
    expect(row(9)).toMatch(/"绿码"\s+ERR_COLOR_UNMAPPED\s+·\s+ERR_COLOR_UNMAPPED\s+deny: code_invalid \[ERR_COLOR_UNMAPPED\]$/);
  });

  it("reads Hangzhou's integers its own way round (0 is red) and refuses an integer it never defined", () => {
    expect(row(10)).toMatch(/杭州市.*\s2\s+green\s+green\s+·\s+pass$/);
    expect(row(12)).toMatch(/\s0\s+red\s+red\s+·\s+deny: color_red$/);
    expect(row(13)).toMatch(/\s3\s+ERR_COLOR_UNMAPPED\s+ERR_COLOR_UNMAPPED\s+·\s+deny: code_invalid \[ERR_COLOR_UNMAPPED\]$/);
  });

  it('denies a fever at 37.3 °C and a document that is not the one the code was issued for', () => {
    expect(result.stdout).toMatch(/38\.1 °C\s+own ID\s+deny: fever/);
    expect(result.stdout).toMatch(/37\.3 °C\s+own ID\s+deny: fever/);
    expect(result.stdout).toMatch(/36\.5 °C\s+\S+'s ID\s+deny: document_mismatch/);
  });

  it('prints no full name and no document number of anyone', () => {
    for (const person of Object.values(PEOPLE)) {
      expect(result.stdout).not.toContain(person.name);
      expect(result.stdout).not.toContain(person.document.number);
    }
  });

  it('leaves no gateway or simulated issuer listening once it has exited', async () => {
    const ports = [...result.stdout.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(ports.length).toBeGreaterThanOrEqual(5);
    for (const port of ports) expect(await refusesConnections(port)).toBe(true);
  });
});
