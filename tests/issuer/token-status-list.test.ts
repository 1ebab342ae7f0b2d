import { createLocalJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import request from 'supertest';
import { createTestGateway, personDeclaration, type TestGateway } from '../helpers/test-gateway.js';
import { declared, getCode, jwks, modify, payloadOf, verify } from './issuer-helpers.js';
import { decodeStatusListClaim, getStatus, type StatusArray } from '../../gateway/verify/token-status-list.js';
import { STATUS_LIST_SIZE } from '../../gateway/status-list/allocate-index.js';

/**
 * Issue 18, item 1: every Xinji code names its index in Xinji's IETF Token Status List, served
 * signed at GET /sl/1 (draft-ietf-oauth-status-list); item 5: an outside implementation of the
 * draft (@sd-jwt/jwt-status-list, test-only) reads that list and agrees on every index.
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(async () => {
  await gw.close();
});

const text = (res: request.Response): string => (Buffer.isBuffer(res.body) ? res.body.toString('utf8') : String(res.text ?? res.body));

async function fetchList(etag?: string): Promise<request.Response> {
  const req = request(gw.app).get('/sl/1').buffer(true).parse((r, done) => {
    let body = '';
    r.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    r.on('end', () => done(null, body));
  });
  if (etag) req.set('if-none-match', etag);
  return req;
}

async function listNow(): Promise<{ jwt: string; list: StatusArray }> {
  const res = await fetchList();
  expect(res.status).toBe(200);
  const jwt = text(res);
  return { jwt, list: decodeStatusListClaim(payloadOf(jwt)['status_list']) };
}

const idxOf = (jws: string): number => (payloadOf(jws)['status'] as { status_list: { idx: number } }).status_list.idx;

describe('Xinji\'s Token Status List', () => {
  test('every code carries status.status_list naming GET /sl/1 and an index inside the list', async () => {
    const person = await declared(gw, personDeclaration(1811));
    const status = payloadOf(person.jws)['status'] as { status_list: { idx: number; uri: string } };
    expect(status.status_list.uri).toBe(`${gw.config.issuer.url}/sl/1`);
    expect(Number.isInteger(status.status_list.idx)).toBe(true);
    expect(status.status_list.idx).toBeGreaterThanOrEqual(0);
    expect(status.status_list.idx).toBeLessThan(STATUS_LIST_SIZE);
    const metadata = (await request(gw.app).get('/.well-known/health-code-issuer')).body;
    expect(metadata).toMatchObject({ status_list_uri: status.status_list.uri, status_uri: `${gw.config.issuer.url}/.well-known/health-code-status`, status_uri_sunset: '2027-03-31T00:00:00Z' });
  });

  test('indices are drawn at random, not in issue order: twenty codes in a row are not ascending', async () => {
    const indices: number[] = [];
    for (let i = 0; i < 20; i++) indices.push(idxOf((await declared(gw, personDeclaration(1820 + i))).jws));
    expect(new Set(indices).size).toBe(20);
    expect([...indices].sort((a, b) => a - b)).not.toEqual(indices);
  });

  test('GET /sl/1 serves a statuslist+jwt signed by a published key, sub equal to its URL, with iat, exp and ttl, and 304 for its ETag', async () => {
    const res = await fetchList();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/statuslist\+jwt/);
    const jwt = text(res);
    expect(decodeProtectedHeader(jwt).typ).toBe('statuslist+jwt');
    const { payload } = await jwtVerify(jwt, createLocalJWKSet((await jwks(gw)) as never), { typ: 'statuslist+jwt', currentDate: new Date(gw.clock.now()) });
    expect(payload.sub).toBe(`${gw.config.issuer.url}/sl/1`);
    expect(payload.iat).toBe(Math.floor(gw.clock.now() / 1000));
    expect(payload.exp).toBe(payload.iat! + gw.config.jwks.staleMaxSeconds);
    expect(payload['ttl']).toBe(30);
    expect(payload['status_list']).toMatchObject({ bits: 1 });
    const again = await fetchList(res.headers['etag'] as string);
    expect(again.status).toBe(304);
  });

  test('a superseded or revoked code is INVALID (1), a valid one VALID (0), and an expired one is not marked', async () => {
    const declaration = personDeclaration(1850);
    const person = await declared(gw, declaration);
    gw.clock.advance(1_000);
    // A changed name revokes the code (its masked name no longer holds).
    const changed = await modify(gw, person.subjectId, { ...declaration, applicant: { ...(declaration['applicant'] as object), name: '改名了' } }, person.holderToken);
    expect(changed.status).toBe(200);
    const current = changed.body.credential.jws as string;
    let { list } = await listNow();
    expect(getStatus(list, idxOf(person.jws))).toBe(1);
    expect(getStatus(list, idxOf(current))).toBe(0);
    expect((await verify(gw, person.jws)).error).toMatchObject({ code: 'ERR_CREDENTIAL_REVOKED' });
    gw.clock.advance(900_000);
    ({ list } = await listNow());
    expect(getStatus(list, idxOf(person.jws))).toBe(0);
  });

  test('an index is never given to a second code while the first can still be valid, and is free again after its hold', async () => {
    const { store } = gw.deps;
    const t = gw.clock.now();
    expect(await store.reserveStatusIndex(42, 'code-a', t + 1_000, t)).toBe(true);
    expect(await store.reserveStatusIndex(42, 'code-b', t + 5_000, t + 999)).toBe(false);
    expect(await store.reserveStatusIndex(42, 'code-b', t + 5_000, t + 1_001)).toBe(true);
  });

  test('an outside implementation of the draft (@sd-jwt/jwt-status-list) reads the served list and agrees with the gateway on every index', async () => {
    const person = await declared(gw, personDeclaration(1860));
    gw.clock.advance(451_000);
    const fresh = (await getCode(gw, person.subjectId, person.holderToken)).body.credential.jws as string;
    const { jwt, list } = await listNow();
    const theirs = getListFromStatusListJWT(jwt);
    expect(theirs.getBitsPerStatus()).toBe(1);
    expect(theirs.statusList.length).toBe(STATUS_LIST_SIZE);
    let invalid = 0;
    for (let i = 0; i < STATUS_LIST_SIZE; i++) {
      const ours = getStatus(list, i);
      if (ours !== theirs.getStatus(i)) throw new Error(`index ${i}: ours ${ours}, theirs ${theirs.getStatus(i)}`);
      invalid += ours;
    }
    expect(invalid).toBeGreaterThanOrEqual(1);
    expect(theirs.getStatus(idxOf(person.jws))).toBe(1);
    expect(theirs.getStatus(idxOf(fresh))).toBe(0);
  });
});
