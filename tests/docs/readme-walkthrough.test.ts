import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildProgram, makeDirs, startGateway, type GatewayProcess, type ProcessDirs, type ProgramDir } from '../issuer/gateway-process.js';
import { fencedBlock, readDoc, section } from './markdown.js';
import { runToEnd, type Finished } from '../helpers/run-to-end.js';

/**
 * The README's walk-through is pasted by newcomers as it is written, so it is run as it is written:
 * the `bash` block of "A walk-through", with bash, against the real gateway (a child process on a
 * free loopback port), twice in a row against the same gateway — each run must declare a person of
 * its own — and its output is held to the README's "It prints" block, where `…` stands for anything.
 */
const walkThrough = section(readDoc('README.md'), 'A walk-through');
const script = fencedBlock(walkThrough, 'bash');
const printed = fencedBlock(walkThrough, 'text').trimEnd().split('\n');

function linePattern(line: string): RegExp {
  return new RegExp('^' + line.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
}

/** bash with -e and pipefail, so a failing step stops the run instead of printing on regardless. */
function runBash(file: string, cwd: string, env: Record<string, string>): Promise<Finished> {
  return runToEnd('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], { cwd, env, timeoutMs: 60_000 });
}

describe("the README's walk-through", () => {
  test('is plain shell: no placeholders to fill in, and it reaches the gateway through GW', () => {
    expect(script).not.toMatch(/…|sub_|hct_|eyJ/);
    expect(script).toMatch(/^GW=\$\{GW:-http:\/\/localhost:8080\}$/m);
  });

  describe('run twice in a row against one gateway', () => {
    let root: string;
    let program: ProgramDir;
    let dirs: ProcessDirs;
    let gateway: GatewayProcess;
    const runs: Finished[] = [];

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'hcg-walkthrough-'));
      program = await buildProgram();
      dirs = await makeDirs(root);
      gateway = await startGateway(program, dirs);
      const file = join(root, 'walk-through.sh');
      await writeFile(file, script);
      // The gateway's directories too, so a step that runs a command of the gateway reaches its store.
      const env = {
        PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
        HOME: root,
        GW: `http://127.0.0.1:${gateway.port}`,
        DATA_DIR: dirs.dataDir,
        CERTS_DIR: dirs.certsDir,
        PARTNERS_DIR: dirs.partnersDir,
      };
      runs.push(await runBash(file, program.dir, env));
      runs.push(await runBash(file, program.dir, env));
    }, 180_000);

    afterAll(async () => {
      await gateway?.kill();
      await program?.dispose();
      if (root) await rm(root, { recursive: true, force: true });
    });

    test.each([0, 1])('run %i succeeds and prints what the README says it prints', (i) => {
      const run = runs[i]!;
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(printed.length);
      lines.forEach((line, n) => expect(line).toMatch(linePattern(printed[n]!)));
    });

    test('each run declares a person of its own', () => {
      const subjects = runs.map((run) => (JSON.parse(run.stdout.split('\n')[0]!) as { subjectId?: unknown }).subjectId);
      expect(subjects).toEqual([expect.stringMatching(/^sub_/), expect.stringMatching(/^sub_/)]);
      expect(subjects[0]).not.toBe(subjects[1]);
    });

    test('leaves the QR image of the code in code.svg', async () => {
      expect(await readFile(join(program.dir, 'code.svg'), 'utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    });
  });
});
