import pg from 'pg';
import { createTestGateway, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { metric } from '../recognition/setup.js';
import { matchesBinding } from '../../gateway/identity/binding.js';
import type { IdentityDocument } from '../../gateway/types/schemas.js';
import { declare, factsOf, getCode, modify, payloadOf, TEST_DATABASE_URL, verify, warnPostgresSkipped, type Body } from './issuer-helpers.js';

/**
 * Issue 22, a launch day with no 系统繁忙: a declaration that finds the issue pool busy is stored
 * at once and answered 202 with its place and an estimate; its binding is computed later by a
 * queue worker; the holder asks for the code with the token of the 202 and gets it once ready.
 * The test gateways run no background worker (backgroundRefresh off): each test works the queue
 * itself (`declarationQueue.drain()`, or the store's claim), so every step is deterministic.
 */
const STORES: Array<['sqlite' | 'postgres']> = TEST_DATABASE_URL ? [['sqlite'], ['postgres']] : [['sqlite']];
if (!TEST_DATABASE_URL) warnPostgresSkipped('the declaration queue on PostgreSQL');

/** Holds the issue pool's only slot until released: the gateway is "busy". */
function occupy(gw: TestGateway): () => Promise<void> {
  let release!: () => void;
  const held = gw.pools.issue.run(() => new Promise<void>((resolve) => (release = resolve)));
  return async () => {
    release();
    await held;
  };
}

function documentOf(body: Body): IdentityDocument {
  return (body['applicant'] as { document: IdentityDocument }).document;
}

describe.each(STORES)('the launch-day queue of declarations (%s)', (kind) => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await createTestGateway({ postgres: kind === 'postgres', overrides: { admission: { bindingConcurrency: 1, bindingQueue: 8, issueConcurrency: 1, issueQueue: 8 } } });
  });
  afterEach(async () => {
    await gw.close();
  });

  it('answers 202 with the place, an estimate, the subject and a holder token when the issue pool is busy, and 201 when it is not', async () => {
    const release = occupy(gw);
    const queued = await declare(gw, personDeclaration(1));
    await release();
    expect(queued.status).toBe(202);
    expect(queued.body).toEqual({ status: 'queued', position: 1, etaSeconds: expect.any(Number), subjectId: expect.stringMatching(/^sub_/), holderToken: expect.stringMatching(/^hct_/) });
    expect(Number(queued.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Nobody waits and the pool is free: the next declaration is signed at once, as before.
    await gw.declarationQueue!.drain();
    expect((await declare(gw, personDeclaration(2))).status).toBe(201);
  });

  it('tells a resident who asks before the code is ready its place, then gives the code bound to the declared document', async () => {
    const release = occupy(gw);
    const body = personDeclaration(3);
    const queued = await declare(gw, body);
    await release();
    const { subjectId, holderToken } = queued.body as { subjectId: string; holderToken: string };

    const early = await getCode(gw, subjectId, holderToken);
    expect(early.status).toBe(202);
    expect(early.body).toEqual({ status: 'queued', position: 1, etaSeconds: expect.any(Number), subjectId });
    expect(early.headers['cache-control']).toBe('no-store');
    // An image asked for before the code exists gets the same answer, never a QR of nothing.
    expect((await getCode(gw, subjectId, holderToken, 'png')).status).toBe(202);
    expect(await metric(gw, 'gateway_declaration_queue_depth')).toBe(1);

    expect(await gw.declarationQueue!.drain()).toBe(1);
    const ready = await getCode(gw, subjectId, holderToken);
    expect(ready.status).toBe(200);
    const jws = (ready.body as { credential: { jws: string } }).credential.jws;
    expect(await verify(gw, jws)).toMatchObject({ valid: true });
    // The binding in the code is the declared document's: a checkpoint shown it will pass it.
    const binding = factsOf(jws).bind;
    expect(await matchesBinding(String(binding), documentOf(body))).toBe(true);
    expect(await metric(gw, 'gateway_declaration_queue_depth')).toBe(0);
  });

  it('works the queue in the order declarations arrived, and each place moves up as those before are done', async () => {
    const release = occupy(gw);
    const answers = [];
    for (let n = 10; n < 14; n++) answers.push((await declare(gw, personDeclaration(n))).body as { subjectId: string; holderToken: string; position: number });
    expect(answers.map((a) => a.position)).toEqual([1, 2, 3, 4]);
    await release();

    const taken = [];
    for (let i = 0; i < 2; i++) {
      const job = (await gw.deps.store.claimDeclarationJob())!;
      taken.push(job.subjectId);
      await job.complete('s1.10.AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    }
    expect(taken).toEqual([answers[0]!.subjectId, answers[1]!.subjectId]);
    const third = await getCode(gw, answers[2]!.subjectId, answers[2]!.holderToken);
    const fourth = await getCode(gw, answers[3]!.subjectId, answers[3]!.holderToken);
    expect([third.body.position, fourth.body.position]).toEqual([1, 2]);
  });

  it('keeps the document of a queued declaration taken: the same document declared again is refused with 409', async () => {
    const release = occupy(gw);
    const body = personDeclaration(20);
    expect((await declare(gw, body)).status).toBe(202);
    const again = await declare(gw, body);
    await release();
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ERR_DOCUMENT_ALREADY_REGISTERED');
    expect(await metric(gw, 'gateway_declaration_queue_depth')).toBe(1);
  });

  it('refuses to modify a declaration still queued with 409 ERR_DECLARATION_QUEUED, and accepts it once the code is ready', async () => {
    const release = occupy(gw);
    const body = personDeclaration(21);
    const { subjectId, holderToken } = (await declare(gw, body)).body as { subjectId: string; holderToken: string };
    await release();
    const early = await modify(gw, subjectId, { ...body, symptoms: ['fever'] }, holderToken);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('ERR_DECLARATION_QUEUED');
    await gw.declarationQueue!.drain();
    expect((await modify(gw, subjectId, { ...body, symptoms: ['fever'] }, holderToken)).status).toBe(200);
  });
});

describe('the launch-day queue switched off (DECLARATION_QUEUE_ENABLED=false)', () => {
  it('refuses a declaration with 503 ERR_OVERLOADED when the issue pool is full, and stores nothing', async () => {
    const gw = await createTestGateway({ overrides: { admission: { bindingConcurrency: 1, bindingQueue: 0, issueConcurrency: 1, issueQueue: 0 }, declarationQueue: { enabled: false, worker: true, pollMs: 250 } } });
    try {
      const release = occupy(gw);
      const refused = await declare(gw, personDeclaration(30));
      await release();
      expect(refused.status).toBe(503);
      expect((await declare(gw, personDeclaration(30))).status).toBe(201);
    } finally {
      await gw.close();
    }
  });
});

(TEST_DATABASE_URL ? describe : describe.skip)('a queue worker killed mid-job (PostgreSQL)', () => {
  it('loses nothing: the job it held is taken again by another worker the moment its connection dies', async () => {
    const gw = await createTestGateway({ postgres: true, overrides: { admission: { bindingConcurrency: 1, bindingQueue: 8, issueConcurrency: 1, issueQueue: 8 } } });
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const release = occupy(gw);
      const { subjectId, holderToken } = (await declare(gw, personDeclaration(40))).body as { subjectId: string; holderToken: string };
      await release();
      // A worker takes the job and, mid-job, dies: its session is terminated as a killed process's would end.
      const held = (await gw.deps.store.claimDeclarationJob())!;
      expect(held.subjectId).toBe(subjectId);
      expect(await gw.deps.store.claimDeclarationJob()).toBeUndefined(); // held: no other worker can take it
      const { rows } = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE state = 'idle in transaction' AND query LIKE '%FOR UPDATE SKIP LOCKED%' AND datname = current_database()",
      );
      expect(rows.length).toBeGreaterThanOrEqual(1);
      for (const { pid } of rows) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await expect(held.complete('s1.10.x.y')).rejects.toThrow();

      expect(await gw.declarationQueue!.drain()).toBe(1);
      const code = await getCode(gw, subjectId, holderToken);
      expect(code.status).toBe(200);
    } finally {
      await admin.end();
      await gw.close();
    }
  });
});

describe('the queue in the metrics', () => {
  it('exports the depth, the oldest wait and the wait time of finished declarations', async () => {
    const gw = await createTestGateway({ overrides: { admission: { bindingConcurrency: 1, bindingQueue: 8, issueConcurrency: 1, issueQueue: 8 } } });
    try {
      const release = occupy(gw);
      await declare(gw, personDeclaration(50));
      await declare(gw, personDeclaration(51));
      await release();
      gw.clock.advance(90_000);
      expect(await metric(gw, 'gateway_declaration_queue_depth')).toBe(2);
      expect(await metric(gw, 'gateway_declaration_queue_oldest_wait_seconds')).toBe(90);
      await gw.declarationQueue!.drain();
      expect(await metric(gw, 'gateway_declaration_queue_wait_seconds_count')).toBe(2);
      expect(await metric(gw, 'gateway_declaration_queue_wait_seconds_sum')).toBe(180);
      expect(await metric(gw, 'gateway_declaration_queue_oldest_wait_seconds')).toBe(0);
    } finally {
      await gw.close();
    }
  });
});
