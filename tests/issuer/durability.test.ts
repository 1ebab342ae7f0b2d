import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { exampleDeclaration, personDeclaration } from '../helpers/test-gateway.js';
import { TEST_DATABASE_URL, warnPostgresSkipped } from './issuer-helpers.js';
import { buildProgram, http, makeDirs, startGateway, type GatewayProcess, type HttpAnswer, type ProgramDir, type ProcessDirs } from './gateway-process.js';

/**
 * The issue: "A declaration answered with 201 survives kill -9 of the gateway immediately after
 * the answer". The real gateway runs as a child process; it is killed with SIGKILL in the same
 * tick the 201 body is complete, restarted on the same directories / database, and the holder
 * fetches the code.
 *
 * PostgreSQL runs isolate themselves in a fresh schema. The gateway has no setting for a schema
 * (only createGateway's pgSchema option), so the schema is chosen in DATABASE_URL itself:
 * `?options=-c search_path=<schema>`, after creating the schema here.
 */
const TIMEOUT = 60_000;

let program: ProgramDir;
const running: GatewayProcess[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  program = await buildProgram();
}, TIMEOUT);
afterEach(async () => {
  while (running.length > 0) await running.pop()!.kill();
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await program?.dispose();
});

async function start(dirs: ProcessDirs): Promise<GatewayProcess> {
  const gw = await startGateway(program, dirs);
  running.push(gw);
  return gw;
}

async function tempRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hcg-durable-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  return root;
}

const schemaOfUrl = new Map<string, string>();

/** Rows of the subjects table in the schema behind `url` (proves the isolation took effect). */
async function subjectsInSchema(url: string): Promise<number> {
  const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  try {
    const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${schemaOfUrl.get(url)!}.subjects`);
    return Number(rows[0]!.n);
  } finally {
    await admin.end();
  }
}

/** A fresh schema; DATABASE_URL selects it through the connection's search_path. */
async function freshSchemaUrl(): Promise<string> {
  const schema = `dur_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  cleanups.push(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  const url = new URL(TEST_DATABASE_URL!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  schemaOfUrl.set(url.toString(), schema);
  return url.toString();
}

function durability(kind: 'sqlite' | 'postgres'): void {
  test('a declaration answered 201 survives kill -9 immediately after the answer', async () => {
    const dirs = await makeDirs(await tempRoot(), kind === 'postgres' ? await freshSchemaUrl() : undefined);
    const first = await start(dirs);
    let killed = false;
    const answer = await http(first.port, 'POST', '/v1/declarations', exampleDeclaration(), undefined, (a: HttpAnswer) => {
      if (a.status === 201) {
        first.child.kill('SIGKILL');
        killed = true;
      }
    });
    expect(answer.status).toBe(201);
    expect(killed).toBe(true);
    await first.kill();
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = await start(dirs);
    const code = await http(second.port, 'GET', `/v1/subjects/${String(answer.body['subjectId'])}/code`, undefined, String(answer.body['holderToken']));
    expect(code.status).toBe(200);
    expect(code.body['subjectId']).toBe(answer.body['subjectId']);
    const again = await http(second.port, 'POST', '/v1/declarations', exampleDeclaration());
    expect(again.status).toBe(409);
    if (dirs.databaseUrl) expect(await subjectsInSchema(dirs.databaseUrl)).toBe(1);
  }, TIMEOUT);
}

describe('durability, SQLite', () => durability('sqlite'));
warnPostgresSkipped('the kill -9 durability and cross-process tests');
(TEST_DATABASE_URL ? describe : describe.skip)('durability, PostgreSQL', () => durability('postgres'));

(TEST_DATABASE_URL ? describe : describe.skip)('two gateway processes sharing one PostgreSQL', () => {
  let a: GatewayProcess;
  let b: GatewayProcess;
  beforeEach(async () => {
    const dirs = await makeDirs(await tempRoot(), await freshSchemaUrl());
    // One after the other: the first start creates the signing key and the pepper both share.
    a = await start(dirs);
    b = await start(dirs);
  }, TIMEOUT);

  test('12 concurrent proxied declarations by one holder spread over both processes: exactly 3 succeed', async () => {
    const holder = await http(a.port, 'POST', '/v1/declarations', personDeclaration(1));
    expect(holder.status).toBe(201);
    const token = String(holder.body['holderToken']);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => http((i % 2 === 0 ? a : b).port, 'POST', '/v1/declarations', personDeclaration(100 + i), token)),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status !== 201).map((r) => `${r.status} ${String((r.body['error'] as { code?: string })?.code)}`)).toEqual(
      Array(9).fill('409 ERR_PROXY_HOLDER_LIMIT'),
    );
  }, TIMEOUT);

  test('12 concurrent green holders naming one person over both processes: exactly 3 are linked', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await http((i % 2 === 0 ? a : b).port, 'POST', '/v1/declarations', personDeclaration(200 + i));
      expect(res.status).toBe(201);
      tokens.push(String(res.body['holderToken']));
    }
    const person = personDeclaration(300);
    expect((await http(b.port, 'POST', '/v1/declarations', person)).status).toBe(201);
    const results = await Promise.all(tokens.map((t, i) => http((i % 2 === 0 ? a : b).port, 'POST', '/v1/declarations', person, t)));
    expect(results.filter((r) => r.status === 200 && r.body['linked'] === true)).toHaveLength(3);
    expect(results.filter((r) => r.status !== 200).map((r) => `${r.status} ${String((r.body['error'] as { code?: string })?.code)}`)).toEqual(
      Array(9).fill('409 ERR_PROXY_SUBJECT_LIMIT'),
    );
  }, TIMEOUT);
});
