import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { TestGateway } from '../helpers/test-gateway.js';
import { PartnerCity } from '../recognition/partner-city.js';
import { BEIJING } from '../recognition/profiles.js';
import { eventually, gatewayWith, verdict } from '../recognition/setup.js';

/**
 * A partner's keys that cannot be fetched are logged with the partner's id and the reason code
 * (issue 20: they were only counted), so an operator reading the log knows whom to call and why.
 */
let city: PartnerCity;
let gw: TestGateway;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  city = await PartnerCity.start(BEIJING);
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  gw = await gatewayWith([city.partner()], { logger: pino({ level: 'info' }, stream) });
});
afterAll(async () => {
  await gw.close();
  await city.close();
});

test('a failed partner key fetch is logged as a warning naming the partner and the reason', async () => {
  city.mode = 'unavailable';
  const code = await city.code({ color: '未见异常', now: gw.clock.now(), document: { type: 'resident_id', number: '110101199001010028' } });
  expect(await verdict(gw, code)).toBe('ERR_KEYS_UNAVAILABLE');
  await eventually(() => lines.some((l) => l['msg'] === 'partner key fetch failed'));
  expect(lines.find((l) => l['msg'] === 'partner key fetch failed')).toMatchObject({ level: 40, partner: 'beijing', reason: 'http_status' });
});
