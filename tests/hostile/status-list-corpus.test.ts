import request from 'supertest';
import type { TestGateway } from '../helpers/test-gateway.js';
import { TrustStore } from '../../verifier/index.js';
import type { PublicJwk } from '../../gateway/types/schemas.js';
import { PartnerCity } from '../recognition/partner-city.js';
import { BEIJING } from '../recognition/profiles.js';
import { gatewayWith, verdict, writePartner } from '../recognition/setup.js';
import { TokenStatusListServer } from '../partners/token-status-list-server.js';
import { DOCUMENT } from './corpus.js';
import { CLAIM_FIXTURES, GOOD_LIST, lstOf, signList, STATUS_LIST_FIXTURES, type ListContext } from './status-list-corpus.js';

/**
 * Issue 18, item 2: a partner that publishes an IETF Token Status List (partner file
 * statusListUri) is read by the gateway and the trust bundle, fail closed; item 5: that list is
 * made by an outside implementation of the draft (@sd-jwt/jwt-status-list). And the hostile
 * corpus of lists and status claims (status-list-corpus.ts): each refused, never green.
 */
let city: PartnerCity;
let lists: TokenStatusListServer;
let gw: TestGateway;
const GOOD_PATH = '/sl/good';

const ctx = (uri: string): ListContext => ({ city, uri, now: gw.clock.now() });
const code = async (status: unknown): Promise<string> => {
  const payload = await city.payload({ color: '未见异常', now: gw.clock.now(), document: DOCUMENT });
  return city.sign(status === undefined ? payload : { ...payload, status });
};

async function usePartnerList(path: string): Promise<string> {
  const uri = lists.url(path);
  writePartner(gw.dir, city.partner({ statusListUri: uri }));
  await gw.deps.reloadPartners();
  return uri;
}

beforeAll(async () => {
  city = await PartnerCity.start(BEIJING);
  lists = await new TokenStatusListServer().start();
  gw = await gatewayWith([city.partner({ statusListUri: lists.url(GOOD_PATH) })]);
  lists.bodies.set(GOOD_PATH, await signList(ctx(lists.url(GOOD_PATH)), { status_list: GOOD_LIST() }));
});

afterAll(async () => {
  await gw.close();
  await Promise.all([city.close(), lists.close()]);
});

describe('a partner\'s Token Status List, made by @sd-jwt/jwt-status-list', () => {
  it('passes a code on a VALID index and refuses one on an INVALID index, at the gateway and offline with the trust bundle alike', async () => {
    const uri = await usePartnerList(GOOD_PATH);
    const valid = await code({ status_list: { idx: 3, uri } });
    const invalid = await code({ status_list: { idx: 7, uri } });
    expect(await verdict(gw, valid)).toBe('valid');
    expect(await verdict(gw, invalid)).toBe('ERR_CREDENTIAL_REVOKED');

    const pinned = (await request(gw.app).get('/.well-known/jwks.json')).body.keys as PublicJwk[];
    const store = await TrustStore.create({ pinnedKeys: pinned });
    const bundle = await request(gw.app).get('/.well-known/health-code-trust').buffer(true).parse((r, done) => {
      let text = '';
      r.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      r.on('end', () => done(null, text));
    });
    expect(await store.take(bundle.body as string, gw.clock.now())).toMatchObject({ accepted: true });
    expect(await store.verify(valid, gw.clock.now())).toMatchObject({ valid: true });
    expect(await store.verify(invalid, gw.clock.now())).toMatchObject({ valid: false, error: { code: 'ERR_CREDENTIAL_REVOKED' } });
    expect(await store.verify(await code(undefined), gw.clock.now())).toMatchObject({ valid: false, error: { code: 'ERR_STATUS_REFERENCE_INVALID' } });
  });

  it('keeps the last good list while the list server is down, within the stale bound, then refuses every code with ERR_STATUS_UNAVAILABLE', async () => {
    const path = '/sl/outage';
    const uri = await usePartnerList(path);
    lists.bodies.set(path, await signList(ctx(uri), { status_list: GOOD_LIST() }));
    expect(await verdict(gw, await code({ status_list: { idx: 3, uri } }))).toBe('valid');
    lists.down = true;
    try {
      gw.clock.advance(600_000);
      expect(await verdict(gw, await code({ status_list: { idx: 3, uri } }))).toBe('valid');
      expect(await verdict(gw, await code({ status_list: { idx: 7, uri } }))).toBe('ERR_CREDENTIAL_REVOKED');
      gw.clock.advance(3_600_000);
      expect(await verdict(gw, await code({ status_list: { idx: 3, uri } }))).toBe('ERR_STATUS_UNAVAILABLE');
    } finally {
      lists.down = false;
    }
  });

  it('refuses a replayed older list (one that still marked a code INVALID): the list in force stays', async () => {
    const path = '/sl/replay';
    const uri = await usePartnerList(path);
    const older = await signList(ctx(uri), { status_list: { bits: 2, lst: lstOf(1024, 2, { 3: 1, 7: 1 }) } });
    gw.clock.advance(120_000);
    lists.bodies.set(path, await signList(ctx(uri), { status_list: GOOD_LIST() }));
    expect(await verdict(gw, await code({ status_list: { idx: 3, uri } }))).toBe('valid');
    lists.bodies.set(path, older);
    await gw.tokenStatusLists.refresh(city.profile.id);
    expect(gw.tokenStatusLists.status(city.profile.id).lastErrorReason).toBe('older_list');
    expect(await verdict(gw, await code({ status_list: { idx: 3, uri } }))).toBe('valid');
  });
});

describe('hostile status claims in a partner\'s codes', () => {
  it.each(CLAIM_FIXTURES.map((f, i) => [f.name, f.expect, f, i] as const))('%s is refused with %s', async (_name, expected, fixture, i) => {
    const path = `/sl/claims-${i}`;
    const uri = await usePartnerList(path);
    lists.bodies.set(path, await signList(ctx(uri), { status_list: GOOD_LIST() }));
    expect(await verdict(gw, await code(fixture.status(uri)))).toBe(expected);
  });
});

describe('hostile Token Status Lists', () => {
  it.each(STATUS_LIST_FIXTURES.map((f, i) => [f.name, f.reason, f, i] as const))('%s is refused (%s), and the partner\'s codes with ERR_STATUS_UNAVAILABLE, never green', async (_name, reason, fixture, i) => {
    const path = `/sl/hostile-${i}`;
    const uri = await usePartnerList(path);
    const jwt = await fixture.list(ctx(uri));
    lists.bodies.set(path, jwt);
    expect(await verdict(gw, await code({ status_list: { idx: 3, uri } }))).toBe('ERR_STATUS_UNAVAILABLE');
    expect(gw.tokenStatusLists.status(city.profile.id).lastErrorReason).toBe(reason);
  });
});
