import request from 'supertest';
import { runPassesCommand } from '../../gateway/cli/passes-command.js';
import type { IdentityDocument, PublicJwk } from '../../gateway/types/schemas.js';
import { TrustStore } from '../../verifier/index.js';
import { createTestGateway, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { personEvent, postEvents, type Body } from '../issuer/issuer-helpers.js';
import { gatewayWith, payloadOf, xinjiAndPartnerGateway, type XinjiAndPartner } from '../recognition/setup.js';
import { asDevice, registerDevice } from '../helpers/devices.js';

/**
 * A 通行证 is recognised like any Xinji code (issue 25, §2): by the verifier library offline, from
 * the signed trust bundle, and by another city's gateway that registered Xinji from its metadata.
 * Offline, its green is "not in the bundle's status snapshot": listed once the person turns red.
 */
async function issue(gw: TestGateway, n: number): Promise<{ jws: string; body: Body; document: IdentityDocument }> {
  const body = personDeclaration(n);
  const res = await request(gw.app).post('/v1/declarations').send(body).expect(201);
  const out: string[] = [];
  expect(await runPassesCommand(['issue', res.body.subjectId], { deps: gw.deps, out: (l) => out.push(l), err: () => undefined })).toBe(0);
  return { jws: out.at(-1)!, body, document: (body['applicant'] as { document: IdentityDocument }).document };
}

const bundleOf = async (gw: TestGateway): Promise<string> =>
  (await request(gw.app).get('/.well-known/health-code-trust').buffer(true).parse((r, done) => {
    let text = '';
    r.on('data', (c: Buffer) => (text += c.toString('utf8')));
    r.on('end', () => done(null, text));
  })).body as string;

describe('a 通行证 verified offline with the trust bundle', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await createTestGateway();
  });
  afterAll(async () => gw.close());

  it('passes while the bundle does not list it, and is refused with the bundle made after its holder turned red', async () => {
    const pinned = (await request(gw.app).get('/.well-known/jwks.json')).body.keys as PublicJwk[];
    const store = await TrustStore.create({ pinnedKeys: pinned });
    const { jws, body, document } = await issue(gw, 2701);
    expect((await store.take(await bundleOf(gw), gw.clock.now())).accepted).toBe(true);
    expect(await store.verify(jws, gw.clock.now())).toMatchObject({ valid: true, credential: { kind: 'pass', color: 'green' } });
    expect(await store.decide({ code: jws, document, temperatureC: 36.6 }, gw.clock.now())).toMatchObject({ decision: 'pass', method: 'pass' });

    await postEvents(gw, [personEvent(gw, 'confirmed_case', body)]).expect(200);
    gw.clock.advance(1000);
    expect((await store.take(await bundleOf(gw), gw.clock.now())).accepted).toBe(true);
    // The bundle's copy of Xinji's Token Status List marks the pass INVALID, which the library reads
    // as revoked (the list has one bit: it does not say superseded from revoked; issue 18).
    expect(await store.decide({ code: jws, document, temperatureC: 36.6 }, gw.clock.now())).toMatchObject({
      decision: 'deny', reasons: ['code_invalid'], error: { code: 'ERR_CREDENTIAL_REVOKED' },
    });
  });
});

describe('a 通行证 at another city\'s gateway', () => {
  let pair: XinjiAndPartner;
  beforeAll(async () => {
    pair = await xinjiAndPartnerGateway();
  });
  afterAll(async () => pair?.close());

  it('is registered from Xinji\'s metadata with its typ, verified, and passes that city\'s checkpoint with the document', async () => {
    expect(pair.registered.pass).toEqual({ typ: 'health-pass+jwt', maxLifetimeSeconds: 30 * 86_400 });
    const { jws, document } = await issue(pair.xinji, 2702);
    const verified = await request(pair.hengshui.app).post('/v1/verify').send({ code: jws }).expect(200);
    expect(verified.body).toMatchObject({ valid: true, credential: { kind: 'pass', color: 'green', issuer: { partnerId: 'xinji' } } });
    const scan = await request(pair.hengshui.app).post('/v1/checkpoint/scans').set(asDevice(await registerDevice(pair.hengshui)))
      .send({ code: jws, document, temperatureC: 36.4 }).expect(200);
    expect(scan.body).toMatchObject({ decision: 'pass', method: 'pass' });
    expect(payloadOf(jws)['hc']).not.toHaveProperty('color');
  });

  it('is refused by a city whose entry for the issuer has no status list, since nothing would say the holder stopped being green', async () => {
    const { statusUri: _, statusListUri: __, ...withoutStatus } = pair.registered;
    // A third city's partner file for Xinji, with neither status list (statusUri nor statusListUri).
    const blind = await gatewayWith([{ ...withoutStatus, id: 'xinji-copy' }], { clock: pair.xinji.clock });
    try {
      const { jws } = await issue(pair.xinji, 2703);
      const res = await request(blind.app).post('/v1/verify').send({ code: jws }).expect(200);
      expect(res.body).toMatchObject({ valid: false, error: { code: 'ERR_PASS_UNVERIFIABLE' } });
      // Offline too: that city's trust bundle carries no status data for the issuer, so the library refuses the pass.
      const store = await TrustStore.create({ pinnedKeys: (await request(blind.app).get('/.well-known/jwks.json')).body.keys as PublicJwk[] });
      expect((await store.take(await bundleOf(blind), blind.clock.now())).accepted).toBe(true);
      expect(await store.verify(jws, blind.clock.now())).toMatchObject({ valid: false, error: { code: 'ERR_PASS_UNVERIFIABLE' } });
    } finally {
      await blind.close();
    }
  });
});
