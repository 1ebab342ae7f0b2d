import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { fromRoot } from '../../gateway/paths.js';
import type { Store } from '../../gateway/store/store.js';
import { location, storeKinds, type StoreLocation } from './store-helpers.js';

const { enabled, skipped } = storeKinds();
const ACKS_BEFORE_KILL = 40;

/**
 * A gateway process answers 201 only after insertSubject resolved. This runs the real store code
 * in a child process (the TypeScript sources transpiled as they are), kills it with SIGKILL in the
 * middle of a stream of writes, and checks that every write it had acknowledged is there. The same
 * through the real gateway process over HTTP (kill -9 in the middle of concurrent declaration
 * streams, every 201 there after restart) is in tests/issuer/durability.test.ts.
 */
const CHILD = `
import { randomUUID } from 'node:crypto';
import { openStore } from './gateway/store/open-store.js';
const options = JSON.parse(process.argv[2]);
const store = await openStore(options);
const key = () => randomUUID().replaceAll('-', '');
for (;;) {
  const id = 'sub_' + randomUUID();
  await store.insertSubject({
    id, documentType: 'passport', documentKey: key(), identityKey: key(), nameMasked: 'A*B',
    documentMasked: 'E123****5678', binding: key(), holderTokenHash: key(),
    declaration: { travel14d: [], symptoms: [], contactWithCase: false, residence: 'permanent' },
    declaredAt: 1, modifiedDay: null, createdAt: 1,
  });
  process.stdout.write(id + '\\n');
}
`;

let programDir: string;

beforeAll(async () => {
  programDir = await mkdtemp(join(tmpdir(), 'gateway-store-child-'));
  await mkdir(join(programDir, 'gateway', 'store'), { recursive: true });
  await symlink(fromRoot('node_modules'), join(programDir, 'node_modules'), 'dir');
  await writeFile(join(programDir, 'package.json'), '{"type":"module"}');
  await writeFile(join(programDir, 'child.js'), CHILD);
  for (const name of await readdir(fromRoot('gateway', 'store'))) {
    if (!name.endsWith('.ts')) continue;
    const source = await readFile(fromRoot('gateway', 'store', name), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: name,
    });
    await writeFile(join(programDir, 'gateway', 'store', name.replace(/\.ts$/, '.js')), outputText);
  }
});
afterAll(async () => {
  if (programDir) await rm(programDir, { recursive: true, force: true });
});

/** Starts the writer, kills it with SIGKILL after `acks` acknowledged writes, returns their ids. */
function killAfterAcks(options: object, acks: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['child.js', JSON.stringify(options)], { cwd: programDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      acked.push(...lines);
      if (acked.length >= acks) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (acked.length < acks) reject(new Error(`writer stopped after ${acked.length} writes (${signal}): ${stderr.slice(0, 500)}`));
      else resolve(acked);
    });
  });
}

function durability(kind: 'sqlite' | 'postgres'): void {
  let loc: StoreLocation;
  let store: Store | undefined;
  beforeAll(async () => {
    loc = await location(kind);
  });
  afterAll(async () => {
    await store?.close();
    await loc?.dispose();
  });

  test('keeps every write it acknowledged when the process is killed with SIGKILL', async () => {
    const acked = await killAfterAcks(loc.options, ACKS_BEFORE_KILL);
    store = await loc.open();
    const found = await Promise.all(acked.map((id) => store!.getSubject(id)));
    expect(found.filter((s) => s === undefined)).toHaveLength(0);
    expect(found).toHaveLength(acked.length);
  });
}

describe.each(enabled)('%s store durability', (kind) => durability(kind));
if (skipped.length > 0) describe.skip.each(skipped)('%s store durability', (kind) => durability(kind));
