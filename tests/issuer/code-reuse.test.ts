import request from 'supertest';
import { createTestGateway, exampleDeclaration, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { declared, getCode, payloadOf, personEvent, postEvents, verify } from './issuer-helpers.js';

/**
 * Issue 18, item 3: GET /v1/subjects/{id}/code returns the current code again while more than
 * half of its life is left and nothing it states changed; a flood of fetches adds no status entry.
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(async () => {
  await gw.close();
});

const invalidIndices = (): Promise<number[]> => gw.deps.store.listInvalidStatusIndices(gw.clock.now());

describe('GET /v1/subjects/{id}/code without a new code for nothing', () => {
  test('two hundred fetches within half a code\'s life return the code already held and add no status-list entry', async () => {
    const person = await declared(gw, exampleDeclaration());
    const jws = new Set<string>();
    for (let i = 0; i < 200; i++) {
      gw.clock.advance(2_000); // 400 s in all: less than half of the 900 s a code lives
      const res = await getCode(gw, person.subjectId, person.holderToken);
      expect(res.status).toBe(200);
      jws.add(res.body.credential.jws as string);
    }
    expect([...jws]).toEqual([person.jws]);
    expect(await invalidIndices()).toEqual([]);
    expect((await request(gw.app).get('/.well-known/health-code-status')).body.entries).toEqual([]);
    expect((await verify(gw, person.jws)).valid).toBe(true);
  });

  test('past half its life, a fetch signs a new code and supersedes the one it replaces, so one code is valid at a time', async () => {
    const person = await declared(gw, personDeclaration(1801));
    gw.clock.advance(451_000);
    const res = await getCode(gw, person.subjectId, person.holderToken);
    const fresh = res.body.credential.jws as string;
    expect(fresh).not.toBe(person.jws);
    expect(payloadOf(fresh)['iat']).toBe(Math.floor(gw.clock.now() / 1000));
    expect((await verify(gw, fresh)).valid).toBe(true);
    expect((await verify(gw, person.jws)).error).toMatchObject({ code: 'ERR_CREDENTIAL_SUPERSEDED' });
    const oldIdx = (payloadOf(person.jws)['status'] as { status_list: { idx: number } }).status_list.idx;
    expect(await invalidIndices()).toEqual([oldIdx]);
  });

  test('a colour change gives a new code at once, whatever the age of the one held', async () => {
    const declaration = personDeclaration(1802);
    const person = await declared(gw, declaration);
    gw.clock.advance(1_000);
    expect((await postEvents(gw, [personEvent(gw, 'close_contact', declaration)])).status).toBe(200);
    const res = await getCode(gw, person.subjectId, person.holderToken);
    expect(res.body.color).not.toBe('green');
    expect(res.body.credential.jws).not.toBe(person.jws);
    expect((await verify(gw, person.jws)).error).toMatchObject({ code: 'ERR_CREDENTIAL_SUPERSEDED' });
  });
});
