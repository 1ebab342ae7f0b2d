import request from 'supertest';
import { calculateJwkThumbprint, createLocalJWKSet, createRemoteJWKSet, type JWK } from 'jose';
import { createTestGateway, exampleDeclaration, personDeclaration, residentId, type TestGateway } from '../helpers/test-gateway.js';
import { declare, declared, factsOf, headerOf, jwks, jwsOf, payloadOf, rawPayload, verifyWithJose, type Body } from './issuer-helpers.js';

const EXAMPLE_NUMBER = '130181199003071239';

let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(async () => {
  await gw.close();
});

let n = 0;
/** A fresh person for each test on the shared gateway. */
function person(overrides: Body = {}): Body {
  n += 1;
  return personDeclaration(n, overrides);
}

function withApplicant(base: Body, applicant: Body): Body {
  return { ...base, applicant: { ...(base['applicant'] as Body), ...applicant } };
}

describe('the example declaration of the issue', () => {
  let res: request.Response;
  let jws: string;
  beforeAll(async () => {
    res = await declare(gw, exampleDeclaration());
    jws = jwsOf(res);
  });

  test('gets 201 with a green code and no reason', () => {
    expect(res.status).toBe(201);
    expect(res.body.color).toBe('green');
    expect(res.body.reasons).toEqual([]);
    expect(typeof res.body.credential.expiresAt).toBe('string');
  });

  test('gets an opaque subjectId that contains neither the document number nor any 4-digit run of it', () => {
    const { subjectId } = res.body as { subjectId: string };
    expect(typeof subjectId).toBe('string');
    for (let len = 4; len <= EXAMPLE_NUMBER.length; len++) {
      for (let i = 0; i + len <= EXAMPLE_NUMBER.length; i++) expect(subjectId).not.toContain(EXAMPLE_NUMBER.slice(i, i + len));
    }
  });

  test('gets a holder token', () => {
    expect(typeof res.body.holderToken).toBe('string');
    expect(res.body.holderToken.length).toBeGreaterThanOrEqual(32);
  });

  test('gets a code that verifies with jose against the served JWKS, with every required claim', async () => {
    const keys = await jwks(gw);
    const { payload, protectedHeader } = await verifyWithJose(jws, createLocalJWKSet(keys as { keys: JWK[] }), { algorithms: ['ES256'] });
    expect(protectedHeader['alg']).toBe('ES256');
    // Layout 3: the short typ that typ_aliases in the issuer metadata announces (RFC 8725 §3.11).
    expect(protectedHeader['typ']).toBe('hc+jwt');
    expect(protectedHeader['zip']).toBe('DEF');
    expect(payload['iss']).toBe(gw.config.issuer.url);
    expect(payload['jti']).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(payload['iat']).toBe(Math.floor(gw.clock.ms / 1000));
    expect((payload['exp'] as number) - (payload['iat'] as number)).toBe(900);
    expect(Date.parse(res.body.credential.expiresAt)).toBe((payload['exp'] as number) * 1000);
  });

  test('carries no subject id and no nbf, so two scans of one person cannot be linked by a stable id in the code', () => {
    const payload = payloadOf(jws);
    expect(payload['sub']).toBeUndefined();
    expect(payload['nbf']).toBeUndefined();
    expect(rawPayload(jws)).not.toContain(res.body.subjectId);
  });

  test('carries a kid of 8 characters that starts the RFC 7638 thumbprint of the served key, and an explicit typ', async () => {
    const header = headerOf(jws);
    expect(header['typ']).toBe('hc+jwt');
    const served = (await jwks(gw)).keys.find((k) => k['kid'] === header['kid']);
    expect(served).toBeDefined();
    expect(header['kid']).toHaveLength(8);
    expect((await calculateJwkThumbprint(served as JWK, 'sha256')).startsWith(header['kid'] as string)).toBe(true);
  });

  test('puts no document number, full name or phone into the code, only their masked forms', () => {
    const raw = rawPayload(jws);
    expect(raw).not.toContain(EXAMPLE_NUMBER);
    expect(raw).not.toContain('张永猛');
    expect(raw).not.toContain('13012340604');
    expect(raw).not.toContain('12340604');
    expect(factsOf(jws)).toMatchObject({ layout: 3, name: '张*猛', doc: '1301**************', docType: 'resident_id', color: 'green' });
    expect(typeof factsOf(jws).bind).toBe('string');
  });
});

test('a code verifies with jose createRemoteJWKSet against the gateway listening on loopback', async () => {
  const listening = await createTestGateway({ overrides: { port: 0, host: '127.0.0.1' } });
  try {
    const server = await listening.listen();
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    const jws = jwsOf(await declare(listening, exampleDeclaration()));
    const keySet = createRemoteJWKSet(new URL(`http://127.0.0.1:${address.port}/.well-known/jwks.json`));
    const { payload } = await verifyWithJose(jws, keySet);
    expect(payload['iss']).toBe(listening.config.issuer.url);
    expect(factsOf(jws).color).toBe('green');
  } finally {
    await listening.close();
  }
});

describe('invalid declarations', () => {
  const cases: Array<[string, () => Body, string, string]> = [
    ['a resident ID with a wrong check character', () => withApplicant(person(), { document: { type: 'resident_id', number: '130181199003071238' } }), 'ERR_DOCUMENT_CHECKSUM', 'applicant.document.number'],
    ['a passport number in the resident ID format of another type', () => withApplicant(person(), { document: { type: 'hk_macau_permit', number: EXAMPLE_NUMBER } }), 'ERR_DOCUMENT_INVALID', 'applicant.document.number'],
    ['an unknown document type', () => withApplicant(person(), { document: { type: 'driving_licence', number: 'X1234567' } }), 'ERR_VALIDATION', 'applicant.document.type'],
    ['a Hong Kong phone number', () => withApplicant(person(), { phone: '+85291234567' }), 'ERR_PHONE_FOREIGN', 'applicant.phone'],
    ['a phone number that is not one', () => withApplicant(person(), { phone: '12345' }), 'ERR_PHONE_INVALID', 'applicant.phone'],
    ['attestTruthful false', () => person({ attestTruthful: false }), 'ERR_ATTESTATION_REQUIRED', 'attestTruthful'],
    ['an unknown symptom', () => person({ symptoms: ['sneezing'] }), 'ERR_VALIDATION', 'symptoms.0'],
    ['a travel region that is not 6 digits', () => person({ travel14d: ['13018'] }), 'ERR_VALIDATION', 'travel14d.0'],
    ['an unknown residence', () => withApplicant(person(), { residence: 'tourist' }), 'ERR_VALIDATION', 'applicant.residence'],
    ['an extra property', () => person({ vip: true }), 'ERR_VALIDATION', 'vip'],
    ['an extra property inside the applicant', () => withApplicant(person(), { birthday: '1990-03-07' }), 'ERR_VALIDATION', 'applicant.birthday'],
    ['a name of only spaces', () => withApplicant(person(), { name: '   ' }), 'ERR_VALIDATION', 'applicant.name'],
    ['no applicant', () => { const { applicant: _a, ...rest } = person(); return rest; }, 'ERR_VALIDATION', 'applicant'],
    ['no attestTruthful', () => { const { attestTruthful: _a, ...rest } = person(); return rest; }, 'ERR_VALIDATION', 'attestTruthful'],
  ];

  test.each(cases)('refuses %s with 400 and the code and field at fault', async (_what, body, code, field) => {
    const res = await declare(gw, body());
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.field).toBe(field);
  });

  test('never echoes the document number, name or phone in an error', async () => {
    const body = withApplicant(person(), { name: '王小明', document: { type: 'resident_id', number: '130181199003071238' }, phone: '13912345678' });
    const res = await declare(gw, body);
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('130181199003071238');
    expect(res.text).not.toContain('王小明');
    expect(res.text).not.toContain('13912345678');
  });

  test('refuses a body that is not JSON with ERR_INVALID_JSON', async () => {
    const res = await request(gw.app).post('/v1/declarations').set('content-type', 'application/json').send('{"applicant": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ERR_INVALID_JSON');
  });

  test('refuses a body over the size limit with 413 ERR_BODY_TOO_LARGE', async () => {
    const body = person({ padding: 'x'.repeat(gw.config.bodyLimitBytes + 10) });
    const res = await request(gw.app).post('/v1/declarations').set('content-type', 'application/json').send(JSON.stringify(body));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('ERR_BODY_TOO_LARGE');
  });

  test('refuses a text/plain body with 415 ERR_UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await request(gw.app).post('/v1/declarations').set('content-type', 'text/plain').send(JSON.stringify(person()));
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('one code per document, no daily cap', () => {
  test('refuses the same document a second time with 409 ERR_DOCUMENT_ALREADY_REGISTERED', async () => {
    const body = person();
    await declared(gw, body);
    const again = await declare(gw, body);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ERR_DOCUMENT_ALREADY_REGISTERED');
  });

  test('treats a lower-case x check character as the same document as X', async () => {
    const upper = withApplicant(person(), { document: { type: 'resident_id', number: '11010519491231002X' } });
    await declared(gw, upper);
    const lower = withApplicant(person(), { document: { type: 'resident_id', number: '11010519491231002x' } });
    const res = await declare(gw, lower);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ERR_DOCUMENT_ALREADY_REGISTERED');
  });

  test('accepts 30 declarations of different people on one day', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await declare(gw, person())).status);
    expect(statuses).toEqual(Array(30).fill(201));
  });

  test('accepts the same number under two different document types as two documents', async () => {
    const body = person();
    await declared(gw, withApplicant(body, { document: { type: 'passport', number: 'E98765432' } }));
    const res = await declare(gw, withApplicant(person(), { document: { type: 'taiwan_permit', number: '98765432' } }));
    expect(res.status).toBe(201);
  });
});

describe('colour of a new declaration', () => {
  test('makes declared symptoms yellow with reason declared_symptoms', async () => {
    const res = await declare(gw, person({ symptoms: ['fever', 'cough'] }));
    expect(res.status).toBe(201);
    expect(res.body.color).toBe('yellow');
    expect(res.body.reasons).toEqual(['declared_symptoms']);
    expect(factsOf(jwsOf(res)).color).toBe('yellow');
  });

  test('makes travel overseas yellow with reason travel_overseas', async () => {
    const res = await declare(gw, person({ travel14d: ['130100', 'overseas'] }));
    expect(res.status).toBe(201);
    expect(res.body.color).toBe('yellow');
    expect(res.body.reasons).toEqual(['travel_overseas']);
  });

  test('makes a declared contact with a case yellow with reason declared_contact', async () => {
    const res = await declare(gw, person({ contactWithCase: true }));
    expect(res.body.color).toBe('yellow');
    expect(res.body.reasons).toEqual(['declared_contact']);
  });

  test.each(['permanent', 'temporary', 'arriving'])('accepts residence %s (常住, 暂住, 拟返辛来辛)', async (residence) => {
    const res = await declare(gw, withApplicant(person(), { residence }));
    expect(res.status).toBe(201);
  });

  test.each<[string, string]>([
    ['hmt_residence_permit', '810000199003071233'],
    ['hk_macau_permit', 'H12345678'],
    ['taiwan_permit', '12345678'],
    ['passport', 'E12345678'],
    ['foreign_permanent_resident_id', 'USA123456789012'],
  ])('accepts a declaration with a %s (港澳台 and foreigners)', async (type, number) => {
    const doc = type === 'hmt_residence_permit' ? residentId(number.slice(0, 17)) : number;
    const res = await declare(gw, withApplicant(person(), { document: { type, number: doc } }));
    expect(res.status).toBe(201);
    expect(factsOf(jwsOf(res)).docType).toBe(type);
    expect(rawPayload(jwsOf(res))).not.toContain(doc);
  });
});
