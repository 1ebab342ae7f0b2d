import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromRoot } from '../../gateway/paths.js';
import { NODE_FLOOR, nodeVersionProblem } from '../../gateway/runtime/node-floor.js';
import { oldNodePath } from '../helpers/environment.js';
import { runToEnd } from '../helpers/run-to-end.js';
import { buildProgram, type ProgramDir } from '../issuer/gateway-process.js';

/**
 * The Node floor (issue 20): better-sqlite3 13 needs Node-API 10 (Node >= 22.14); on an older Node
 * the process died with a bare "Segmentation fault". Every entry point checks first and says which
 * version it found and which it needs.
 */
const entryPoints = [
  'gateway/main.ts',
  ...readdirSync(fromRoot('gateway', 'cli')).filter((f) => f.endsWith('.ts') && readFileSync(fromRoot('gateway', 'cli', f), 'utf8').startsWith('#!')).map((f) => `gateway/cli/${f}`),
  'verifier/cli.ts',
  'demo/run.ts',
  'bench/run.ts',
  'bench/soak.ts',
];

describe('the Node version check', () => {
  test.each(['20.20.2', 'v20.20.2', '22.0.0', '22.13.1', '21.7.3', '18.20.8', 'garbage'])('Node %s is refused with a message naming it and the floor', (version) => {
    const problem = nodeVersionProblem(version);
    expect(problem).toContain(`Node.js ${version.replace(/^v/, '')}`);
    expect(problem).toContain('22.14.0 or later');
  });

  test('Node 23.0 to 23.5 are refused too: Node-API 10 came to Node 23 only in 23.6', () => {
    expect(nodeVersionProblem('23.5.0')).toContain('needs Node.js 23.6.0 or later');
    expect(nodeVersionProblem('23.0.0')).toContain('Node.js 23.0.0');
  });

  test.each(['22.14.0', 'v22.23.0', '23.6.0', '24.11.1', '26.0.0'])('Node %s is accepted', (version) => {
    expect(nodeVersionProblem(version)).toBeUndefined();
  });

  test('package.json engines names the same floor', () => {
    const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`^${NODE_FLOOR} || >=23.6.0`);
  });

  test.each(entryPoints)('%s imports the check before anything else', (file) => {
    const firstImport = readFileSync(fromRoot(file), 'utf8').split('\n').find((l) => l.startsWith('import '));
    expect(firstImport).toMatch(/^import '(\.\.?\/)+(gateway\/)?runtime\/require-node\.js';$/);
  });
});

const oldNode = oldNodePath((v) => nodeVersionProblem(v) !== undefined);
const withOldNode = oldNode ? describe : describe.skip;

withOldNode('an entry point started with an old Node', () => {
  let program: ProgramDir;
  beforeAll(async () => {
    program = await buildProgram();
  }, 60_000);
  afterAll(() => program?.dispose());

  const built = entryPoints.filter((f) => f.startsWith('gateway/')).map((f) => f.replace(/\.ts$/, '.js'));
  test.each(built)('%s exits 1 saying the version found and the version needed, not with a segmentation fault', async (file) => {
    const found = (await runToEnd(oldNode!, ['--version'], { timeoutMs: 10_000 })).stdout.trim().replace(/^v/, '');
    const run = await runToEnd(oldNode!, [join(program.dir, file), 'list'], {
      cwd: program.dir,
      env: { PATH: process.env['PATH'] ?? '', DATA_DIR: join(program.dir, 'data'), CERTS_DIR: join(program.dir, 'certs') },
      timeoutMs: 20_000,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`this is Node.js ${found}`);
    expect(run.stderr).toContain('needs Node.js 22.14.0 or later');
    // Nothing ran before the check: no key or pepper was generated, no log line written.
    expect(run.stdout).toBe('');
  }, 30_000);
});
