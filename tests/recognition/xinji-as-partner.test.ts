import { deflateRawSync } from 'node:zlib';
import request from 'supertest';
import { validator } from '../../gateway/schemas/registry.js';
import type { CredentialStatusList, Partner } from '../../gateway/types/schemas.js';
import { RISK_FEED_TOKEN, exampleDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { payloadOf, verdict, verify, xinjiAndPartnerGateway, type Body, type XinjiAndPartner } from './setup.js';
import { asDevice, registerDevice } from '../helpers/devices.js';

/**
 * Xinji is a partner of itself, and of other cities: a second gateway (Hengshui) registers Xinji
 * from nothing but Xinji's published issuer metadata, and verifies Xinji codes with keys it
 * fetches over real HTTP from the first gateway listening on loopback. Codes Xinji supersedes are
 * refused by Xinji and published in its status list for partners that verify offline.
 */
let pair: XinjiAndPartner;
let xinji: TestGateway;
let hengshui: TestGateway;
let xinjiBase: string;
let registered: Partner;
const declaration = exampleDeclaration();
const document = (declaration['applicant'] as { document: { type: 'resident_id'; number: string } }).document;

/** Requests the first gateway served on a route, from its own metrics. */
async function served(route: string): Promise<number> {
  const text = (await request(xinji.app).get('/metrics')).text;
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('gateway_http_request_duration_seconds_count{') && line.includes(`route="${route}"`)) total += Number(line.split(' ').at(-1));
  }
  return total;
}

beforeAll(async () => {
  pair = await xinjiAndPartnerGateway();
  ({ xinji, hengshui, xinjiBase, registered } = pair);
  expect(validator('issuer-metadata')(pair.metadata)).toBe(true);
});

afterAll(async () => {
  await pair?.close();
});

async function declareAtXinji(): Promise<Body> {
  const res = await request(xinji.app).post('/v1/declarations').send(declaration);
  expect(res.status).toBe(201);
  return res.body as Body;
}

describe('Xinji registered by another gateway from its issuer metadata', () => {
  let declared: Body;

  beforeAll(async () => {
    declared = await declareAtXinji();
  });

  it('builds a valid partner entry that points at Xinji\'s own key set', () => {
    expect(validator('partner')(registered)).toBe(true);
    expect(registered).toMatchObject({ id: 'xinji', issuer: xinjiBase, jwksUri: `${xinjiBase}/.well-known/jwks.json`, algorithms: ['ES256'], status: 'active' });
  });

  it('verifies a Xinji code at the other gateway with keys fetched over HTTP from Xinji', async () => {
    const before = await served('/.well-known/jwks.json');
    const body = await verify(hengshui, declared['credential'].jws as string);
    expect(body).toMatchObject({ valid: true, credential: { issuer: { partnerId: 'xinji', iss: xinjiBase, region: '130181' }, color: 'green', sourceColor: 'green', advisory: false } });
    expect(validator('normalized-credential')(body['credential'])).toBe(true);
    expect(await served('/.well-known/jwks.json')).toBe(before + 1);
    const listed = (await request(hengshui.app).get('/v1/partners')).body.partners as Array<Record<string, unknown>>;
    expect(listed.find((p) => p['id'] === 'xinji')).toMatchObject({ keyCount: 1, lastFetchAt: new Date(hengshui.clock.now()).toISOString(), lastErrorCode: null });
  });

  it('lets a checkpoint of the other city pass the Xinji holder with the declared document', async () => {
    const res = await request(hengshui.app)
      .post('/v1/checkpoint/scans')
      .set(asDevice(await registerDevice(hengshui)))
      .send({ code: declared['credential'].jws, temperatureC: 36.4, document });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ decision: 'pass', color: 'green', reasons: [] });
  });

  it('does not let the other gateway\'s own key verify a code claiming to be from Xinji', async () => {
    // Hengshui's own Xinji-layout code with iss = Xinji: Hengshui's keys are not Xinji's.
    const own = (await request(hengshui.app).post('/v1/declarations').send(exampleDeclaration())).body.credential.jws as string;
    const [h, , s] = own.split('.') as [string, string, string];
    // The header says zip "DEF": the forged claims are compressed as Xinji's are.
    const forged = `${h}.${deflateRawSync(Buffer.from(JSON.stringify({ ...payloadOf(own), iss: xinjiBase }))).toString('base64url')}.${s}`;
    expect(await verdict(hengshui, forged)).toBe('ERR_KID_UNKNOWN');
    expect(await verdict(xinji, forged)).toBe('ERR_KID_UNKNOWN');
    // Under Xinji's kid, Hengshui's signature does not verify with Xinji's key.
    const xinjiKid = JSON.parse(Buffer.from(declared['credential'].jws.split('.')[0], 'base64url').toString('utf8')).kid as string;
    const header = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(h, 'base64url').toString('utf8')), kid: xinjiKid })).toString('base64url');
    const borrowed = `${header}.${forged.split('.')[1]}.${s}`;
    expect(await verdict(hengshui, borrowed)).toBe('ERR_JWS_SIGNATURE_INVALID');
    expect(await verdict(xinji, borrowed)).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  it('refuses a superseded Xinji code at Xinji and publishes it in the status list', async () => {
    const jti = payloadOf(declared['credential'].jws as string)['jti'] as string;
    const event = { id: 'case-2026-11-27-001', type: 'confirmed_case', document, occurredAt: new Date(xinji.clock.now()).toISOString() };
    const fed = await request(xinji.app).post('/v1/risk-events').set('authorization', `Bearer ${RISK_FEED_TOKEN}`).send({ events: [event] });
    expect(fed.status).toBe(200);
    expect(fed.body.credentialsSuperseded).toBe(1);

    expect(await verdict(xinji, declared['credential'].jws as string)).toBe('ERR_CREDENTIAL_SUPERSEDED');

    // What the other city's offline verifiers read, over HTTP like they would.
    const statusResponse = await fetch(`${xinjiBase}/.well-known/health-code-status`);
    expect(statusResponse.status).toBe(200);
    const status = (await statusResponse.json()) as CredentialStatusList;
    expect(validator('credential-status')(status)).toBe(true);
    expect(status.issuer).toBe(xinjiBase);
    expect(status.entries).toContainEqual(expect.objectContaining({ jti, status: 'superseded' }));
    expect(JSON.stringify(status)).not.toContain(document.number);

    // The holder's new code is red, and the other gateway reads it as red.
    const fresh = await request(xinji.app)
      .get(`/v1/subjects/${encodeURIComponent(declared['subjectId'] as string)}/code`)
      .set('authorization', `Bearer ${declared['holderToken'] as string}`);
    expect(fresh.status).toBe(200);
    expect((await verify(hengshui, fresh.body.credential.jws as string))['credential']).toMatchObject({ color: 'red', issuer: { partnerId: 'xinji' } });
  });
});
