import request from 'supertest';
import { RISK_FEED_TOKEN, TestClock, personDeclaration, residentId, type TestGateway } from '../helpers/test-gateway.js';
import { asDevice, registerDevice } from '../helpers/devices.js';
import { entry, StatusListServer } from '../partners/status-list-server.js';
import { PartnerCity, newKey } from './partner-city.js';
import { BEIJING, SHANGHAI } from './profiles.js';
import { eventually, gatewayWith, JWKS, payloadOf, verdict, verify, xinjiAndPartnerGateway, type Body, type XinjiAndPartner } from './setup.js';

/**
 * Partners' status lists, end to end over HTTP. A second gateway (Hengshui) registers Xinji from
 * its issuer metadata, status_uri included, and refuses Xinji codes that Xinji superseded or
 * revoked once its cached copy of Xinji's list is refreshed (at most one max-age, 30 s, later).
 * A simulated city publishes its own list; unknown, suspended and forged codes reach no list.
 */
const REFRESH_MS = 30_000; // Xinji's Cache-Control max-age on /.well-known/health-code-status

describe("another gateway reading Xinji's status list", () => {
  let xinji: TestGateway;
  let hengshui: TestGateway;
  let pair: XinjiAndPartner;

  beforeAll(async () => {
    pair = await xinjiAndPartnerGateway();
    ({ xinji, hengshui } = pair);
    expect(pair.registered.statusUri).toBe(`${pair.xinjiBase}/.well-known/health-code-status`);
  });

  afterAll(async () => {
    await pair?.close();
  });

  async function declare(n: number): Promise<Body> {
    const res = await request(xinji.app).post('/v1/declarations').send(personDeclaration(n));
    expect(res.status).toBe(201);
    return res.body as Body;
  }

  it('refuses a Xinji green code superseded by a confirmed case once its list is refreshed, and reads the fresh red code as red', async () => {
    const declared = await declare(1);
    const green = declared['credential'].jws as string;
    expect(await verdict(hengshui, green)).toBe('valid');

    const document = (personDeclaration(1)['applicant'] as { document: unknown }).document;
    const event = { id: 'case-status-list-001', type: 'confirmed_case', document, occurredAt: new Date(xinji.clock.now()).toISOString() };
    const fed = await request(xinji.app).post('/v1/risk-events').set('authorization', `Bearer ${RISK_FEED_TOKEN}`).send({ events: [event] });
    expect(fed.body.credentialsSuperseded).toBe(1);

    // Past Xinji's max-age the next verification refreshes the list behind its answer.
    xinji.clock.advance(REFRESH_MS + 1000);
    await eventually(async () => (await verdict(hengshui, green)) === 'ERR_CREDENTIAL_SUPERSEDED');
    const scan = await request(hengshui.app).post('/v1/checkpoint/scans').set(asDevice(await registerDevice(hengshui))).send({ code: green, temperatureC: 36.4, document });
    expect(scan.body).toMatchObject({ decision: 'deny', error: { code: 'ERR_CREDENTIAL_SUPERSEDED' } });

    const fresh = await request(xinji.app)
      .get(`/v1/subjects/${encodeURIComponent(declared['subjectId'] as string)}/code`)
      .set('authorization', `Bearer ${declared['holderToken'] as string}`);
    expect((await verify(hengshui, fresh.body.credential.jws as string))).toMatchObject({ valid: true, credential: { color: 'red', issuer: { partnerId: 'xinji' } } });

    // Operators see the list fetches of each partner in Prometheus.
    const metrics = await request(hengshui.app).get('/metrics');
    expect(metrics.text).toMatch(/gateway_status_list_fetches_total\{partner="xinji",outcome="ok"\} [2-9]/);
  });

  it('refuses a Xinji code revoked by a change of name with ERR_CREDENTIAL_REVOKED', async () => {
    const declared = await declare(2);
    const old = declared['credential'].jws as string;
    expect(await verdict(hengshui, old)).toBe('valid');
    const changed = personDeclaration(2);
    (changed['applicant'] as { name: string }).name = '测试改名';
    const modified = await request(xinji.app)
      .put(`/v1/subjects/${encodeURIComponent(declared['subjectId'] as string)}/declaration`)
      .set('authorization', `Bearer ${declared['holderToken'] as string}`)
      .send(changed);
    expect(modified.status).toBe(200);
    xinji.clock.advance(REFRESH_MS + 1000);
    await eventually(async () => (await verdict(hengshui, old)) === 'ERR_CREDENTIAL_REVOKED');
    expect(await verdict(hengshui, modified.body.credential.jws as string)).toBe('valid');
  });
});

describe('a partner city that publishes its own status list', () => {
  const document = { type: 'resident_id' as const, number: residentId('11010119900101002') };
  let beijing: PartnerCity;
  let shanghai: PartnerCity;
  let stranger: PartnerCity;
  let status: StatusListServer;
  let suspendedStatus: StatusListServer;
  let gw: TestGateway;

  const clock = new TestClock();

  beforeAll(async () => {
    beijing = await PartnerCity.start(BEIJING);
    shanghai = await PartnerCity.start(SHANGHAI);
    stranger = await PartnerCity.start({ ...BEIJING, id: 'nowhere', name: '无名市', region: '999999' });
    const suspended = await PartnerCity.start({ ...SHANGHAI, id: 'wuhan', name: '武汉市', region: '420100' });
    await suspended.close(); // its keys are never needed: a suspended issuer is refused first
    status = await new StatusListServer(beijing.issuer, clock.now).start();
    suspendedStatus = await new StatusListServer(suspended.issuer, clock.now).start();
    gw = await gatewayWith(
      [
        beijing.partner({ statusUri: status.url }),
        shanghai.partner(), // no statusUri: valid until exp
        suspended.partner({ status: 'suspended', statusUri: suspendedStatus.url }),
      ],
      { clock },
    );
  });

  afterAll(async () => {
    await gw.close();
    await Promise.all([beijing.close(), shanghai.close(), stranger.close(), status.close(), suspendedStatus.close()]);
  });

  const beijingCode = (): Promise<string> => beijing.code({ color: '未见异常', now: gw.clock.now(), document });

  it("refuses a code whose jti the partner lists as revoked, at /v1/verify and at the checkpoint", async () => {
    const code = await beijingCode();
    status.entries = [entry(payloadOf(code)['jti'] as string, 'revoked', gw.clock.now())];
    expect(await verdict(gw, code)).toBe('ERR_CREDENTIAL_REVOKED');
    const scan = await request(gw.app).post('/v1/checkpoint/scans').set(asDevice(await registerDevice(gw))).send({ code, temperatureC: 36.5, document });
    expect(scan.body).toMatchObject({ decision: 'deny', error: { code: 'ERR_CREDENTIAL_REVOKED' } });
    expect(await verdict(gw, await beijingCode())).toBe('valid');
  });

  it('fetches no status list for an unknown issuer, a suspended partner or a code whose signature does not verify', async () => {
    gw.clock.advance(REFRESH_MS + 1000); // Beijing's list is due: any status check would fetch it
    const before = [status.requests, suspendedStatus.requests];
    expect(await verdict(gw, await stranger.code({ color: '未见异常', now: gw.clock.now(), document }))).toBe('ERR_ISSUER_UNKNOWN');
    expect(await verdict(gw, await shanghai.code({ color: '绿码', now: gw.clock.now(), document, iss: suspendedStatus.issuer }))).toBe('ERR_ISSUER_SUSPENDED');
    const forged = await beijing.sign(await beijing.payload({ color: '未见异常', now: gw.clock.now(), document }), { key: await newKey('ES256'), kid: beijing.signingKey.kid });
    expect(await verdict(gw, forged)).toBe('ERR_JWS_SIGNATURE_INVALID');
    expect([status.requests, suspendedStatus.requests]).toEqual(before);
    // A genuine Beijing code does refresh the due list: the silence above is not an accident.
    expect(await verdict(gw, await beijingCode())).toBe('valid');
    await eventually(() => status.requests === before[0]! + 1);
  });

  it('accepts the codes of a partner without statusUri with no status fetch at all', async () => {
    gw.clock.advance(REFRESH_MS + 1000);
    const before = status.requests + suspendedStatus.requests;
    expect(await verdict(gw, await shanghai.code({ color: '绿码', now: gw.clock.now(), document }))).toBe('valid');
    expect(status.requests + suspendedStatus.requests).toBe(before);
    expect(await verdict(gw, await beijingCode())).toBe('valid');
    await eventually(() => status.requests === before + 1);
  });

  it('keeps the last good list while the status server is down, within the stale bound, then refuses with ERR_STATUS_UNAVAILABLE', async () => {
    const listedCode = await beijingCode();
    status.entries = [entry(payloadOf(listedCode)['jti'] as string, 'superseded', gw.clock.now())];
    gw.clock.advance(REFRESH_MS + 1000);
    await eventually(async () => (await verdict(gw, listedCode)) === 'ERR_CREDENTIAL_SUPERSEDED');
    const lastGood = gw.clock.now();
    await status.stop();

    gw.clock.advance(REFRESH_MS + 1000); // due, and the refresh fails: the last good list answers
    expect(await verdict(gw, listedCode)).toBe('ERR_CREDENTIAL_SUPERSEDED');
    expect(await verdict(gw, await beijingCode())).toBe('valid');

    gw.clock.ms = lastGood + JWKS.staleMaxSeconds * 1000 + 1000; // past the bound keys also have
    expect(await verdict(gw, await beijingCode())).toBe('ERR_STATUS_UNAVAILABLE');

    await status.restart();
    gw.clock.advance(120_000); // past the back-off
    expect(await verdict(gw, await beijingCode())).toBe('valid');
  });

  it('lets concurrent first verifications at a fresh gateway share one status fetch', async () => {
    const fresh = await gatewayWith([beijing.partner({ statusUri: status.url })], { clock: gw.clock });
    try {
      const before = status.requests;
      const codes = await Promise.all(Array.from({ length: 8 }, () => beijingCode()));
      const verdicts = await Promise.all(codes.map((c) => verdict(fresh, c)));
      expect(verdicts).toEqual(Array(8).fill('valid'));
      expect(status.requests - before).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});
