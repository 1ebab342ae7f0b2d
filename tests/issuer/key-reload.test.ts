import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { PEPPER_FILE, newPepperText } from '../../gateway/issuer/bootstrap-secrets.js';
import { generateKeyFile, keyFileName, keyFileText, writeKeyFile } from '../../gateway/issuer/keystore.js';
import { planActivate, planAdd, type Plan } from '../../gateway/cli/key-commands.js';
import { createTestGateway, exampleDeclaration, personDeclaration, TestClock, type TestGateway } from '../helpers/test-gateway.js';
import { metric, eventually } from '../recognition/setup.js';
import { SecretMount } from '../helpers/projected-mount.js';
import { declare, declared, getCode, headerOf, jwks } from './issuer-helpers.js';

/**
 * Keys without restarts (issue 11): a running gateway picks up new key files — by watching
 * CERTS_DIR, or on SIGHUP (gateway.reloadKeys) — and refuses a rotated pepper loudly.
 */
const kids = async (gw: TestGateway): Promise<string[]> => (await jwks(gw)).keys.map((k) => k['kid'] as string).sort();

function logSink(): { logger: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines: () => lines };
}

function applyPlan(files: Map<string, string>, plan: Plan): Map<string, string> {
  const next = new Map(files);
  for (const [name, text] of plan.writes) next.set(name, text);
  for (const name of plan.deletes) next.delete(name);
  return next;
}

describe('signing keys reloaded without a restart', () => {
  let dir: string;
  const gateways: TestGateway[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcg-key-reload-'));
  });
  afterEach(async () => {
    for (const gw of gateways.splice(0)) await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (options: Parameters<typeof createTestGateway>[0] = {}): Promise<TestGateway> => {
    const gw = await createTestGateway({ dir, watchCerts: true, ...options });
    gateways.push(gw);
    return gw;
  };

  test('a next key written into CERTS_DIR is published within seconds, and the active key keeps signing', async () => {
    const gw = await start();
    const [oldKid] = await kids(gw);
    const next = await generateKeyFile('ES256', 'next', gw.clock.ms);
    writeKeyFile(join(dir, 'certs'), next.kid, next.file);
    await eventually(async () => (await kids(gw)).length === 2, 5_000);
    expect(await kids(gw)).toEqual([oldKid, next.kid].sort());
    const person = await declared(gw, exampleDeclaration());
    expect(headerOf(person.jws)['kid']).toBe(oldKid);
    expect(await metric(gw, 'gateway_signing_keys_reloads_total', { outcome: 'applied' })).toBeGreaterThanOrEqual(1);
  });

  test('an activation arriving as a Kubernetes Secret update (the ..data link swapped) signs the next code with the new key', async () => {
    const clock = new TestClock();
    const mount = new SecretMount(join(dir, 'certs'));
    const first = await generateKeyFile('ES256', 'active', clock.ms);
    let files = new Map([[keyFileName(first.kid), keyFileText(first.file)], [PEPPER_FILE, newPepperText()]]);
    mount.publish(files);
    const gw = await start({ clock });
    const person = await declared(gw, exampleDeclaration());
    expect(headerOf(person.jws)['kid']).toBe(first.kid);

    // The operator's two steps, each a new Secret: add a next key, then activate it.
    const add = await planAdd(mount.dir, 'ES256', 'next', clock.ms);
    files = applyPlan(files, add);
    mount.publish(files);
    const nextKid = [...add.writes.keys()][0]!.replace(/\.key\.json$/, '');
    await eventually(async () => (await kids(gw)).includes(nextKid), 5_000);
    files = applyPlan(files, await planActivate(mount.dir, nextKid, clock.ms));
    mount.publish(files);

    await eventually(async () => headerOf((await getCode(gw, person.subjectId, person.holderToken)).body.credential.jws)['kid'] === nextKid, 5_000);
    // The retired key stays published while codes it signed may still be presented.
    expect(await kids(gw)).toEqual([first.kid, nextKid].sort());
  });

  test('a key set that does not load (two active keys) is refused on SIGHUP: the keys in use stay, and the refusal is counted and logged', async () => {
    const sink = logSink();
    const gw = await start({ watchCerts: false, logger: sink.logger });
    const before = await kids(gw);
    const other = await generateKeyFile('ES256', 'active', gw.clock.ms);
    writeKeyFile(join(dir, 'certs'), other.kid, other.file);

    expect(await gw.reloadKeys()).toBe('refused');
    expect(await kids(gw)).toEqual(before);
    expect(headerOf((await declared(gw, exampleDeclaration())).jws)['kid']).toBe(before[0]);
    expect(await metric(gw, 'gateway_signing_keys_reloads_total', { outcome: 'refused' })).toBe(1);
    expect(sink.lines().some((l) => l['level'] === 50 && /signing keys reload refused/.test(String(l['msg'])))).toBe(true);
  });

  test('a key of an algorithm the gateway did not start with is refused until a restart, so it never signs codes the gateway itself refuses', async () => {
    const gw = await start({ watchCerts: false });
    const before = await kids(gw);
    const eddsa = await generateKeyFile('EdDSA', 'next', gw.clock.ms);
    writeKeyFile(join(dir, 'certs'), eddsa.kid, eddsa.file);
    expect(await gw.reloadKeys()).toBe('refused');
    expect(await kids(gw)).toEqual(before);
  });

  test('a rotated pepper is refused loudly: the gateway keeps its pepper until the file is put back', async () => {
    const sink = logSink();
    const gw = await start({ watchCerts: false, logger: sink.logger });
    await declared(gw, personDeclaration(1));
    const pepperPath = join(dir, 'certs', PEPPER_FILE);
    const original = readFileSync(pepperPath, 'utf8');
    expect(await metric(gw, 'gateway_pepper_rotation_refused')).toBe(0);

    writeFileSync(pepperPath, newPepperText());
    await gw.reloadKeys();
    expect(await metric(gw, 'gateway_pepper_rotation_refused')).toBe(1);
    expect(sink.lines().some((l) => l['level'] === 50 && /document pepper .* refused/.test(String(l['msg'])))).toBe(true);
    // The old pepper still keys the documents: the person registered before is still found.
    expect((await declare(gw, personDeclaration(1))).body.error.code).toBe('ERR_DOCUMENT_ALREADY_REGISTERED');

    writeFileSync(pepperPath, original);
    await gw.reloadKeys();
    expect(await metric(gw, 'gateway_pepper_rotation_refused')).toBe(0);
  });
});
