import request from 'supertest';
import { createTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { metricLabelViolations, parseExposition, sampleValue } from '../helpers/metric-labels.js';
import { PartnerCity } from '../recognition/partner-city.js';
import { BEIJING } from '../recognition/profiles.js';
import { gatewayWith, reload, writePartner } from '../recognition/setup.js';

/**
 * Counters with bounded labels are exported at 0 from the start: Prometheus' increase() and rate()
 * need a sample before the first event, or the first refusals (three ERR_KEYS_UNAVAILABLE that
 * GatewayPartnerKeysUnavailable must page on) are never seen.
 */
let gw: TestGateway;

beforeAll(async () => {
  gw = await createTestGateway();
});
afterAll(async () => {
  await gw.close();
});

const scrape = async (): Promise<string> => (await request(gw.app).get('/metrics')).text;

describe('counters before their first event', () => {
  it('exports every gateway_ counter with at least one series before anything happened', async () => {
    const { samples, types } = parseExposition(await scrape());
    const counters = [...types].filter(([name, type]) => name.startsWith('gateway_') && type === 'counter').map(([name]) => name);
    expect(counters.length).toBeGreaterThanOrEqual(10);
    const silent = counters.filter((name) => !samples.some((s) => s.name === name));
    expect(silent).toEqual([]);
  });

  it('exports ERR_KEYS_UNAVAILABLE at 0 for every registered partner and for unknown issuers', async () => {
    const text = await scrape();
    for (const partner of [...gw.deps.registry.list().map((p) => p.id), 'unknown']) {
      expect(sampleValue(text, 'gateway_verifications_total', { partner, result: 'ERR_KEYS_UNAVAILABLE' })).toBe(0);
      expect(sampleValue(text, 'gateway_verifications_total', { partner, result: 'valid' })).toBe(0);
    }
  });

  it('exports each colour, declaration kind, checkpoint reason and fetch outcome at 0', async () => {
    const text = await scrape();
    for (const color of ['green', 'yellow', 'red']) expect(sampleValue(text, 'gateway_credentials_issued_total', { color })).toBe(0);
    expect(sampleValue(text, 'gateway_declarations_total', { kind: 'proxy_link' })).toBe(0);
    expect(sampleValue(text, 'gateway_checkpoint_decisions_total', { decision: 'pass', reason: 'none' })).toBe(0);
    expect(sampleValue(text, 'gateway_checkpoint_decisions_total', { decision: 'deny', reason: 'fever' })).toBe(0);
    expect(sampleValue(text, 'gateway_checkpoint_decisions_total', { decision: 'pass', reason: 'fever' })).toBeUndefined();
    expect(sampleValue(text, 'gateway_color_transitions_total', { from: 'green', to: 'red' })).toBe(0);
    expect(sampleValue(text, 'gateway_color_transitions_total', { from: 'red', to: 'red' })).toBeUndefined();
    expect(sampleValue(text, 'gateway_fetch_addresses_refused_total', { class: 'private' })).toBe(0);
  });

  it('keeps the zeroed series inside the bounded label sets, and counts the first event from 0 to 1', async () => {
    expect(await metricLabelViolations(gw)).toEqual([]);
    const labels = { partner: 'unknown', result: 'ERR_CODE_MALFORMED' };
    expect(sampleValue(await scrape(), 'gateway_verifications_total', labels)).toBe(0);
    const res = await request(gw.app).post('/v1/verify').send({ code: 'not a code' });
    expect(res.body).toMatchObject({ valid: false, error: { code: 'ERR_CODE_MALFORMED' } });
    expect(sampleValue(await scrape(), 'gateway_verifications_total', labels)).toBe(1);
  });
});

describe('a partner added by a reload', () => {
  it('has its series at 0 right after the reload, before its first code', async () => {
    const beijing = await PartnerCity.start(BEIJING);
    const added = await gatewayWith([]);
    try {
      const before = (await request(added.app).get('/metrics')).text;
      expect(sampleValue(before, 'gateway_verifications_total', { partner: 'beijing' })).toBeUndefined();
      writePartner(added.dir, beijing.partner());
      expect((await reload(added)).status).toBe(200);
      const after = (await request(added.app).get('/metrics')).text;
      expect(sampleValue(after, 'gateway_verifications_total', { partner: 'beijing', result: 'ERR_KEYS_UNAVAILABLE' })).toBe(0);
      expect(sampleValue(after, 'gateway_partner_keys_stale_served_total', { partner: 'beijing' })).toBe(0);
    } finally {
      await added.close();
      await beijing.close();
    }
  });
});
