import request from 'supertest';
import { createTestGateway, DAY_MS, exampleDeclaration, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { declare, declared, factsOf, getCode, modify, payloadOf, personEvent, postEvents, regionListEvent, verify, type Body } from './issuer-helpers.js';

let gw: TestGateway;
beforeEach(async () => {
  gw = await createTestGateway();
});
afterEach(async () => {
  await gw.close();
});

describe('the risk-feed token', () => {
  test('refuses events without a token with 401 ERR_RISK_FEED_UNAUTHORIZED', async () => {
    const res = await postEvents(gw, [regionListEvent(gw, ['130100'])], null);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('ERR_RISK_FEED_UNAUTHORIZED');
  });

  test.each(['wrong-token-wrong-token-wrong', 'risk-feed-token-for-tests-012345678', 'risk-feed-token-for-tests-01234567890'])(
    'refuses events with the wrong token %s with 401 ERR_RISK_FEED_UNAUTHORIZED',
    async (token) => {
      const res = await postEvents(gw, [regionListEvent(gw, ['130100'])], token);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('ERR_RISK_FEED_UNAUTHORIZED');
    },
  );

  test('refuses the holder token of a person in place of the feed token', async () => {
    const { holderToken } = await declared(gw, exampleDeclaration());
    const res = await postEvents(gw, [personEvent(gw, 'clearance', exampleDeclaration())], holderToken);
    expect(res.status).toBe(401);
  });

  test('refuses every request when no feed token is configured', async () => {
    const open = await createTestGateway({ overrides: { riskFeedToken: undefined } as never });
    try {
      expect(open.config.riskFeedToken).toBeUndefined();
      const res = await request(open.app).post('/v1/risk-events').send({ events: [regionListEvent(open, [])] });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('ERR_RISK_FEED_UNAUTHORIZED');
    } finally {
      await open.close();
    }
  });
});

describe('events about a person', () => {
  test('a confirmed case makes the person red and supersedes the green code', async () => {
    const body = exampleDeclaration();
    const { subjectId, holderToken, jws } = await declared(gw, body);
    expect((await verify(gw, jws))['valid']).toBe(true);

    const res = await postEvents(gw, [personEvent(gw, 'confirmed_case', body)]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 0, subjectsEvaluated: 1, credentialsSuperseded: 1 });

    const old = await verify(gw, jws);
    expect(old['valid']).toBe(false);
    expect((old['error'] as Body)['code']).toBe('ERR_CREDENTIAL_SUPERSEDED');

    const status = await request(gw.app).get('/.well-known/health-code-status');
    expect(status.status).toBe(200);
    const entries = status.body.entries as Array<{ jti: string; status: string }>;
    expect(entries).toContainEqual(expect.objectContaining({ jti: payloadOf(jws)['jti'], status: 'superseded' }));

    const fresh = await getCode(gw, subjectId, holderToken);
    expect(fresh.status).toBe(200);
    expect(fresh.body.color).toBe('red');
    expect(fresh.body.reasons).toEqual(['confirmed_case']);
  });

  test('a confirmed case stays red long after 14 days', async () => {
    const body = exampleDeclaration();
    const { subjectId, holderToken } = await declared(gw, body);
    await postEvents(gw, [personEvent(gw, 'confirmed_case', body)]).expect(200);
    // Fetched every month: a holder token unused for 30 days ends (HOLDER_TOKEN_IDLE_SECONDS).
    gw.clock.advance(30 * DAY_MS);
    expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('red');
    gw.clock.advance(30 * DAY_MS);
    expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('red');
  });

  test('a close contact is red for 14 days, then green again by itself', async () => {
    const body = exampleDeclaration();
    const { subjectId, holderToken } = await declared(gw, body);
    await postEvents(gw, [personEvent(gw, 'close_contact', body)]).expect(200);
    expect((await getCode(gw, subjectId, holderToken)).body).toMatchObject({ color: 'red', reasons: ['close_contact'] });

    gw.clock.advance(14 * DAY_MS - 60_000);
    expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('red');

    gw.clock.advance(2 * 60_000);
    const later = await getCode(gw, subjectId, holderToken);
    expect(later.body).toMatchObject({ color: 'green', reasons: [] });
    expect(factsOf(later.body.credential.jws).color).toBe('green');
  });

  test('the last red code of a close contact is superseded when it is checked after the window closed', async () => {
    const body = exampleDeclaration();
    const { subjectId, holderToken } = await declared(gw, body);
    await postEvents(gw, [personEvent(gw, 'close_contact', body)]).expect(200);
    gw.clock.advance(14 * DAY_MS - 5 * 60_000);
    const red = (await getCode(gw, subjectId, holderToken)).body.credential.jws as string;
    gw.clock.advance(6 * 60_000);
    const result = await verify(gw, red);
    expect(result['valid']).toBe(false);
    expect((result['error'] as Body)['code']).toBe('ERR_CREDENTIAL_SUPERSEDED');
  });

  test('a false-report finding (虚报瞒报) makes the person red', async () => {
    const body = exampleDeclaration();
    const { subjectId, holderToken } = await declared(gw, body);
    await postEvents(gw, [personEvent(gw, 'false_report', body)]).expect(200);
    expect((await getCode(gw, subjectId, holderToken)).body).toMatchObject({ color: 'red', reasons: ['false_report'] });
    gw.clock.advance(30 * DAY_MS);
    expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('red');
  });

  test('a clearance returns a confirmed case to green and supersedes the red code', async () => {
    const body = exampleDeclaration();
    const { subjectId, holderToken } = await declared(gw, body);
    await postEvents(gw, [personEvent(gw, 'confirmed_case', body)]).expect(200);
    const red = (await getCode(gw, subjectId, holderToken)).body.credential.jws as string;

    gw.clock.advance(60_000);
    const res = await postEvents(gw, [personEvent(gw, 'clearance', body)]).expect(200);
    expect(res.body.credentialsSuperseded).toBe(1);
    expect((await getCode(gw, subjectId, holderToken)).body).toMatchObject({ color: 'green', reasons: [] });
    expect(((await verify(gw, red))['error'] as Body)['code']).toBe('ERR_CREDENTIAL_SUPERSEDED');
  });

  test('finds the person whatever the case of the check character in the event', async () => {
    const body = personDeclaration(1, {});
    (body['applicant'] as Body)['document'] = { type: 'resident_id', number: '11010519491231002X' };
    const { subjectId, holderToken } = await declared(gw, body);
    const event = { ...personEvent(gw, 'confirmed_case', body), document: { type: 'resident_id', number: '11010519491231002x' } };
    await postEvents(gw, [event]).expect(200);
    expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('red');
  });

  test('the redelivery of an event id is a duplicate that changes nothing', async () => {
    const body = exampleDeclaration();
    const { subjectId, holderToken } = await declared(gw, body);
    const event = personEvent(gw, 'close_contact', body, 'feed-42');
    expect((await postEvents(gw, [event]).expect(200)).body).toMatchObject({ accepted: 1, duplicates: 0 });

    gw.clock.advance(10 * DAY_MS);
    // Redelivered later with a later time: it must not restart the 14-day window.
    const again = await postEvents(gw, [{ ...event, occurredAt: new Date(gw.clock.ms).toISOString() }]).expect(200);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1 });
    gw.clock.advance(4 * DAY_MS + 60_000);
    expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('green');
  });

  test('an event about a person who has not declared yet applies when they declare', async () => {
    const body = personDeclaration(7);
    await postEvents(gw, [personEvent(gw, 'confirmed_case', body)]).expect(200);
    const res = await declare(gw, body);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ color: 'red', reasons: ['confirmed_case'] });
  });

  test('an event about another document type with the same number does not touch the person', async () => {
    const body = exampleDeclaration();
    const { subjectId, holderToken } = await declared(gw, body);
    const event = { ...personEvent(gw, 'confirmed_case', body), document: { type: 'hmt_residence_permit', number: '130181199003071239' } };
    await postEvents(gw, [event]).expect(200);
    expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('green');
  });

  test('an event dated in the future does not make the colour worse later by time alone', async () => {
    const body = exampleDeclaration();
    const { subjectId, holderToken } = await declared(gw, body);
    const future = { ...personEvent(gw, 'close_contact', body), occurredAt: new Date(gw.clock.ms + 5 * DAY_MS).toISOString() };
    await postEvents(gw, [future]).expect(200);
    // The event counts from its arrival: red now, green 14 days after arrival.
    expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('red');
    gw.clock.advance(14 * DAY_MS + 60_000);
    expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('green');
  });
});

describe('the high-risk region list', () => {
  test('a list covering the travelled region turns the example yellow, and a later list without it returns it to green', async () => {
    const { subjectId, holderToken, jws } = await declared(gw, exampleDeclaration());
    const on = await postEvents(gw, [regionListEvent(gw, ['130100'])]).expect(200);
    expect(on.body).toMatchObject({ accepted: 1, credentialsSuperseded: 1 });
    expect((await getCode(gw, subjectId, holderToken)).body).toMatchObject({ color: 'yellow', reasons: ['travel_high_risk_region'] });
    expect(((await verify(gw, jws))['error'] as Body)['code']).toBe('ERR_CREDENTIAL_SUPERSEDED');

    gw.clock.advance(60_000);
    await postEvents(gw, [regionListEvent(gw, ['420100'])]).expect(200);
    expect((await getCode(gw, subjectId, holderToken)).body).toMatchObject({ color: 'green', reasons: [] });
  });

  test('a province on the list covers travel to a city inside it', async () => {
    const { subjectId, holderToken } = await declared(gw, exampleDeclaration());
    await postEvents(gw, [regionListEvent(gw, ['130000'])]).expect(200);
    expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('yellow');
  });

  test('an older list delivered late does not replace the newer one', async () => {
    const { subjectId, holderToken } = await declared(gw, exampleDeclaration());
    const older = regionListEvent(gw, []);
    gw.clock.advance(60_000);
    await postEvents(gw, [regionListEvent(gw, ['130100'])]).expect(200);
    const late = await postEvents(gw, [older]).expect(200);
    expect(late.body.accepted).toBe(0);
    expect((await getCode(gw, subjectId, holderToken)).body.color).toBe('yellow');
  });

  test('a person declaring travel to a listed region after the list arrived is yellow at once', async () => {
    await postEvents(gw, [regionListEvent(gw, ['130100'])]).expect(200);
    const res = await declare(gw, exampleDeclaration());
    expect(res.body).toMatchObject({ color: 'yellow', reasons: ['travel_high_risk_region'] });
  });

  test('a modification that removes the listed region returns the person to green', async () => {
    const { subjectId, holderToken } = await declared(gw, exampleDeclaration());
    await postEvents(gw, [regionListEvent(gw, ['130100'])]).expect(200);
    const res = await modify(gw, subjectId, exampleDeclaration({ travel14d: [] }), holderToken);
    expect(res.status).toBe(200);
    expect(res.body.color).toBe('green');
  });
});
