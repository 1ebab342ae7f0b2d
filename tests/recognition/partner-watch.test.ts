import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { SecretMount } from '../helpers/projected-mount.js';
import type { TestGateway } from '../helpers/test-gateway.js';
import { PartnerCity } from './partner-city.js';
import { BEIJING, SHANGHAI } from './profiles.js';
import { eventually, gatewayWith, verdict, writePartner } from './setup.js';

/**
 * Partners follow PARTNERS_DIR by themselves (issue 20): a changed file, or a changed ConfigMap
 * (the kubelet swaps the mount's `..data` link), is read again on every replica without an HTTP
 * call or a signal; a directory that does not load is refused and the partners in force stay.
 */
let beijing: PartnerCity;
let shanghai: PartnerCity;
const gateways: TestGateway[] = [];
const dirs: string[] = [];
const document = { type: 'resident_id' as const, number: '110101199001010028' };

beforeAll(async () => {
  beijing = await PartnerCity.start(BEIJING);
  shanghai = await PartnerCity.start(SHANGHAI);
});
afterAll(async () => {
  await Promise.all([beijing.close(), shanghai.close()]);
});
afterEach(async () => {
  for (const gw of gateways.splice(0)) await gw.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function logLines(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function start(options: Parameters<typeof gatewayWith>[1] = {}, partners = [beijing.partner()]): Promise<TestGateway> {
  const gw = await gatewayWith(partners, { watchPartners: true, ...options });
  gateways.push(gw);
  return gw;
}
const listed = async (gw: TestGateway): Promise<string[]> => ((await request(gw.app).get('/v1/partners')).body.partners as Array<{ id: string }>).map((p) => p.id);
const shanghaiGreen = (gw: TestGateway): Promise<string> => shanghai.code({ color: '绿码', now: gw.clock.now(), document });

describe('partners reloaded when PARTNERS_DIR changes', () => {
  test('a partner file added to the directory is recognised within seconds, with no reload call', async () => {
    const gw = await start();
    expect(await verdict(gw, await shanghaiGreen(gw))).toBe('ERR_ISSUER_UNKNOWN');
    writePartner(gw.dir, shanghai.partner());
    await eventually(async () => (await listed(gw)).includes('shanghai'), 5_000);
    expect(await verdict(gw, await shanghaiGreen(gw))).toBe('valid');
  });

  test('a ConfigMap update (the ..data link swapped) adds and removes partners on its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcg-partner-mount-'));
    dirs.push(dir);
    const mount = new SecretMount(join(dir, 'partners'));
    mount.publish(new Map([['beijing.json', JSON.stringify(beijing.partner())]]));
    const gw = await start({ dir }, []);
    expect(await listed(gw)).toEqual(['xinji', 'beijing']);

    mount.publish(new Map([['beijing.json', JSON.stringify(beijing.partner())], ['shanghai.json', JSON.stringify(shanghai.partner())]]));
    await eventually(async () => (await listed(gw)).includes('shanghai'), 5_000);
    expect(await verdict(gw, await shanghaiGreen(gw))).toBe('valid');

    mount.publish(new Map([['shanghai.json', JSON.stringify(shanghai.partner())]]));
    await eventually(async () => !(await listed(gw)).includes('beijing'), 5_000);
    expect(await listed(gw)).toEqual(['xinji', 'shanghai']);
  });

  test('a file that does not validate is refused: the partners in force stay and the refusal is logged', async () => {
    const sink = logLines();
    const gw = await start({ logger: sink.logger });
    writeFileSync(join(gw.dir, 'partners', 'broken.json'), '{ "id": "broken" }');
    await eventually(() => sink.lines.some((l) => l['msg'] === 'partner reload refused; the current partners stay'), 5_000);
    expect(await listed(gw)).toEqual(['xinji', 'beijing']);
  });
});
