import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { TestGateway } from '../helpers/test-gateway.js';
import { PartnerCity } from './partner-city.js';
import { BEIJING, HANGZHOU, SHANGHAI } from './profiles.js';
import { eventually, gatewayWith, partnerStatus, reload, verdict, writePartner } from './setup.js';

/**
 * Partners change without a restart: POST /v1/admin/partners/reload with the admin token re-reads
 * the partners directory. A directory that fails validation is refused whole and the partners in
 * force keep working.
 */
let beijing: PartnerCity;
let shanghai: PartnerCity;
let hangzhou: PartnerCity;
let gw: TestGateway;
const document = { type: 'resident_id' as const, number: '110101199001010028' };
const partnersDir = (): string => join(gw.dir, 'partners');

beforeAll(async () => {
  beijing = await PartnerCity.start(BEIJING);
  shanghai = await PartnerCity.start(SHANGHAI);
  hangzhou = await PartnerCity.start(HANGZHOU);
  gw = await gatewayWith([beijing.partner()]);
});

afterAll(async () => {
  await gw.close();
  await Promise.all([beijing.close(), shanghai.close(), hangzhou.close()]);
});

const listed = async (): Promise<string[]> => ((await request(gw.app).get('/v1/partners')).body.partners as Array<{ id: string }>).map((p) => p.id);
const beijingGreen = (): Promise<string> => beijing.code({ color: '未见异常', now: gw.clock.now(), document });
const shanghaiGreen = (): Promise<string> => shanghai.code({ color: '绿码', now: gw.clock.now(), document });

describe('reloading partners through the admin endpoint', () => {
  it('refuses a reload without the admin token or with a wrong one', async () => {
    for (const token of [null, 'not-the-admin-token-0123456789', '']) {
      const res = await reload(gw, token);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('ERR_PARTNER_ADMIN_UNAUTHORIZED');
    }
    const basic = await request(gw.app).post('/v1/admin/partners/reload').set('authorization', 'Basic YWRtaW46YWRtaW4=');
    expect(basic.status).toBe(401);
  });

  it('adds a new partner whose codes verify right after the reload', async () => {
    expect(await verdict(gw, await shanghaiGreen())).toBe('ERR_ISSUER_UNKNOWN');
    writePartner(gw.dir, shanghai.partner());
    const res = await reload(gw);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ partners: 3 }); // xinji, beijing, shanghai
    expect(await listed()).toEqual(['xinji', 'beijing', 'shanghai']);
    expect(await verdict(gw, await shanghaiGreen())).toBe('valid');
    expect(await verdict(gw, await beijingGreen())).toBe('valid');
    await eventually(async () => (await partnerStatus(gw, 'shanghai')).lastFetchAt !== null);
  });

  const hz = (extra: Record<string, unknown>): string => JSON.stringify({ ...hangzhou.partner(), ...extra });
  it.each([
    ['a file that is not JSON', () => '{ "id": "hangzhou", '],
    ['a file named after another id', () => hz({ id: 'hz' })],
    ['an http key URI on a public host', () => hz({ jwksUri: 'http://keys.hangzhou.example/jwks.json' })],
    ['an unknown colour in the map', () => hz({ colorMap: { version: '1', valueType: 'integer', values: { '0': 'purple' } } })],
    ['an algorithm never allowed', () => hz({ algorithms: ['HS256'] })],
    ['a second partner with Beijing\'s issuer', () => hz({ issuer: beijing.issuer })],
  ])('refuses %s with 400 ERR_PARTNER_CONFIG_INVALID and keeps the partners in force', async (_what, text) => {
    const file = 'hangzhou.json';
    writeFileSync(join(partnersDir(), file), text());
    try {
      const res = await reload(gw);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('ERR_PARTNER_CONFIG_INVALID');
      expect(res.body.error.message).toContain(file);
      expect(await listed()).toEqual(['xinji', 'beijing', 'shanghai']);
      expect(await verdict(gw, await beijingGreen())).toBe('valid');
      expect(await verdict(gw, await shanghaiGreen())).toBe('valid');
      expect(await verdict(gw, await hangzhou.code({ color: 2, now: gw.clock.now(), document }))).toBe('ERR_ISSUER_UNKNOWN');
    } finally {
      rmSync(join(partnersDir(), file));
    }
  });

  it('suspends a partner by reload: its codes stop verifying and its key server is not asked', async () => {
    writePartner(gw.dir, shanghai.partner({ status: 'suspended' }));
    expect((await reload(gw)).status).toBe(200);
    const before = shanghai.requests;
    expect(await verdict(gw, await shanghaiGreen())).toBe('ERR_ISSUER_SUSPENDED');
    expect(shanghai.requests).toBe(before);
    expect((await partnerStatus(gw, 'shanghai')).status).toBe('suspended');
  });

  it('removes a partner whose file is deleted', async () => {
    rmSync(join(partnersDir(), 'shanghai.json'));
    expect((await reload(gw)).status).toBe(200);
    expect(await listed()).toEqual(['xinji', 'beijing']);
    expect(await verdict(gw, await shanghaiGreen())).toBe('ERR_ISSUER_UNKNOWN');
    expect(await verdict(gw, await beijingGreen())).toBe('valid');
  });
});
