import request from 'supertest';
import { createTestGateway, exampleDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { asDevice, registerDevice } from '../helpers/devices.js';

/**
 * Issue 19, item 4: the checkpoint's mismatch lock cannot keep a legitimate holder out for long.
 * It is per code (issuer + jti), never per person: a stranger's three mismatches lock the code
 * they were made on until its exp, and the holder's next fresh code is not locked (a code is
 * returned again while half its life is left, so the holder waits at most that: 7.5 minutes).
 */
const document = (exampleDeclaration()['applicant'] as { document: { type: string; number: string } }).document;
const stranger = { type: 'resident_id', number: '130181199003071220' };

describe('the mismatch lock and the holder', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await createTestGateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  test("a stranger's mismatches lock one code only: the holder's fresh code passes with the right document", async () => {
    const declared = await request(gw.app).post('/v1/declarations').send(exampleDeclaration());
    const old = declared.body.credential.jws as string;
    const device = asDevice(await registerDevice(gw));
    const scan = async (code: string, doc: unknown) =>
      (await request(gw.app).post('/v1/checkpoint/scans').set(device).send({ code, temperatureC: 36.5, document: doc })).body as { decision: string; reasons: string[] };

    for (let i = 0; i < 3; i++) expect((await scan(old, stranger)).reasons).toContain('document_mismatch');
    expect(await scan(old, document)).toMatchObject({ decision: 'deny', reasons: expect.arrayContaining(['document_mismatch_locked']) });

    // A code is returned again while half its life is left (code-reuse.ts): the next one comes after.
    gw.clock.advance(gw.config.credentialTtlSeconds * 500 + 1000);
    const fresh = await request(gw.app).get(`/v1/subjects/${declared.body.subjectId}/code`).set('authorization', `Bearer ${declared.body.holderToken}`);
    expect(await scan(fresh.body.credential.jws as string, document)).toMatchObject({ decision: 'pass', reasons: [] });
    // The old code still passes nowhere: locked, or withdrawn once the fresh one replaced it.
    expect((await scan(old, document)).decision).toBe('deny');
  });
});
