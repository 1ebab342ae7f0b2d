import request from 'supertest';
import { createTestGateway, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { maskName } from '../../gateway/identity/documents.js';
import { declared, factsOf, modify, payloadOf, verify, type Body } from './issuer-helpers.js';

/**
 * Issue 19, item 4: names are NFC-normalised before masking and comparison. "Zoë" typed with a
 * combining diaeresis (NFD: o + U+0308) is the same name as with U+00EB (NFC); before, its mask
 * had one more star, read as a changed name, and the modification revoked the person's codes.
 */
const NFC = 'Zo\u00eb Lindqvist';
const NFD = NFC.normalize('NFD');

const withName = (n: number, name: string): Body => {
  const base = personDeclaration(n);
  return { ...base, applicant: { ...(base['applicant'] as Body), name } };
};

describe('names in NFC and NFD', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await createTestGateway();
  });
  afterEach(async () => {
    await gw.close();
  });

  test('an NFD spelling of the same name masks the same, in the code too', async () => {
    expect(NFD).not.toBe(NFC);
    expect(maskName(NFD)).toBe(maskName(NFC));
    const holder = await declared(gw, withName(40, NFD));
    expect(factsOf(holder.jws).name).toBe(maskName(NFC));
  });

  test('modifying the health facts with an NFD spelling of the same name keeps the outstanding code valid', async () => {
    const holder = await declared(gw, withName(41, NFC));
    const res = await modify(gw, holder.subjectId, { ...withName(41, NFD), symptoms: [] }, holder.holderToken);
    expect(res.status).toBe(200);
    expect((await verify(gw, holder.jws))['valid']).toBe(true);
    const list = await request(gw.app).get('/.well-known/health-code-status');
    expect((list.body.entries as Body[]).map((e) => e['jti'])).not.toContain(payloadOf(holder.jws)['jti']);
  });
});
