import request from 'supertest';
import { createTestGateway, DAY_MS, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { declared, getCode } from '../issuer/issuer-helpers.js';
import { recovered } from '../issuer/recovery-helpers.js';

/** Issue 17, item 5: a holder token ends on sign-out (退出登录) and after a configurable idle time. */

let gw: TestGateway;
beforeEach(async () => {
  gw = await createTestGateway();
});
afterEach(async () => {
  await gw.close();
});

const signOut = (token?: string) => {
  const req = request(gw.app).delete('/v1/holder-token');
  return token === undefined ? req : req.set('authorization', `Bearer ${token}`);
};

test('signing out ends the token at once: the next use answers 401, and the person recovers its code afterwards', async () => {
  const me = await declared(gw, personDeclaration(1));
  expect((await signOut(me.holderToken)).status).toBe(204);
  const after = await getCode(gw, me.subjectId, me.holderToken);
  expect(after.status).toBe(401);
  expect(after.body.error.code).toBe('ERR_UNAUTHENTICATED');
  expect((await signOut(me.holderToken)).body.error.code).toBe('ERR_UNAUTHENTICATED');
  expect((await signOut()).status).toBe(401);
  const back = await recovered(gw, personDeclaration(1));
  expect((await getCode(gw, me.subjectId, back.holderToken)).status).toBe(200);
});

test('a token unused for 30 days answers 401 ERR_HOLDER_TOKEN_EXPIRED; one used meanwhile keeps working', async () => {
  const idle = await declared(gw, personDeclaration(2));
  const busy = await declared(gw, personDeclaration(3));
  gw.clock.advance(20 * DAY_MS);
  expect((await getCode(gw, busy.subjectId, busy.holderToken)).status).toBe(200);
  gw.clock.advance(11 * DAY_MS);
  const expired = await getCode(gw, idle.subjectId, idle.holderToken);
  expect(expired.status).toBe(401);
  expect(expired.body.error.code).toBe('ERR_HOLDER_TOKEN_EXPIRED');
  expect((await getCode(gw, busy.subjectId, busy.holderToken)).status).toBe(200);
});

test('the idle time is configuration (HOLDER_TOKEN_IDLE_SECONDS)', async () => {
  const short = await createTestGateway({ overrides: { holderTokenIdleSeconds: 3600 } });
  try {
    const me = await declared(short, personDeclaration(4));
    short.clock.advance(3_600_001);
    expect((await getCode(short, me.subjectId, me.holderToken)).body.error.code).toBe('ERR_HOLDER_TOKEN_EXPIRED');
  } finally {
    await short.close();
  }
});
