import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import request from 'supertest';
import { fromRoot } from '../../gateway/paths.js';
import { validator } from '../../gateway/schemas/registry.js';
import type { PublicJwk, TrustBundle } from '../../gateway/types/schemas.js';
import { TrustStore } from '../../verifier/index.js';
import { TestClock, type TestGateway } from '../helpers/test-gateway.js';
import { DOCUMENT } from '../hostile/corpus.js';
import { PartnerCity } from '../recognition/partner-city.js';
import { BEIJING, SHANGHAI } from '../recognition/profiles.js';
import { gatewayWith, JWKS } from '../recognition/setup.js';
import { buildBundle } from './browser.js';

/**
 * GET /.well-known/health-code-trust and the library's rules for taking a bundle: signed by a
 * pinned key, newer than the one held, not expired — and past expiresAt, every code refused.
 */
let beijing: PartnerCity;
let gw: TestGateway;
let pinned: PublicJwk[];
const clock = new TestClock();

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const payloadOf = (jws: string): TrustBundle => JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as TrustBundle;

async function fetchBundle(): Promise<string> {
  const res = await request(gw.app).get('/.well-known/health-code-trust').buffer(true).parse((r, done) => {
    let text = '';
    r.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    r.on('end', () => done(null, text));
  });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/jwt/);
  return res.body as string;
}

const greenBeijing = (): Promise<string> => beijing.code({ color: '未见异常', now: clock.now(), document: DOCUMENT });

beforeAll(async () => {
  beijing = await PartnerCity.start(BEIJING);
  const wuhan = await PartnerCity.start({ ...SHANGHAI, id: 'wuhan', name: '武汉市', region: '420100' });
  await wuhan.close();
  gw = await gatewayWith([beijing.partner(), wuhan.partner({ status: 'suspended' })], { clock });
  pinned = (await request(gw.app).get('/.well-known/jwks.json')).body.keys as PublicJwk[];
  expect((await request(gw.app).post('/v1/verify').send({ code: await greenBeijing() })).body.valid).toBe(true);
});

afterAll(async () => {
  await gw.close();
  await beijing.close();
});

describe('GET /.well-known/health-code-trust', () => {
  it('serves a health-code-trust+jwt signed by a published key, with every partner, Xinji first, and an expiry JWKS_STALE_MAX_SECONDS after its making', async () => {
    const jws = await fetchBundle();
    const header = decodeProtectedHeader(jws);
    expect(header.typ).toBe('health-code-trust+jwt');
    expect(pinned.map((k) => k.kid)).toContain(header.kid);
    const bundle = payloadOf(jws);
    expect(validator('trust-bundle')(bundle)).toBe(true);
    expect(bundle.partners.map((p) => [p.descriptor.id, p.descriptor.status, p.keys === null ? null : p.keys.length])).toEqual([
      ['xinji', 'active', 1], ['beijing', 'active', 1], ['wuhan', 'suspended', null],
    ]);
    // Xinji's own codes are checked offline against its Token Status List, not a list of jti.
    expect(bundle.partners[0]!.statusList).toBeUndefined();
    expect(bundle.partners[0]!.tokenStatusList).toMatchObject({ uri: `${gw.config.issuer.url}/sl/1`, bits: 1 });
    expect(Date.parse(bundle.expiresAt) - Date.parse(bundle.generatedAt)).toBe(JWKS.staleMaxSeconds * 1000);
    expect(bundle.generatedAt).toBe(new Date(clock.now()).toISOString());
  });
});

describe('the trust bundle, built when it changes (issue 18, item 4)', () => {
  const get = (etag?: string): Promise<request.Response> => {
    const req = request(gw.app).get('/.well-known/health-code-trust').buffer(true).parse((r, done) => {
      let text = '';
      r.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      r.on('end', () => done(null, text));
    });
    return etag ? req.set('if-none-match', etag) : req;
  };

  it('is served from memory: the same JWS and ETag twice, 304 for that ETag, and a new bundle at once when a Xinji code is withdrawn, which the library then refuses', async () => {
    const first = await get();
    const second = await get();
    expect(second.body).toBe(first.body);
    expect(second.headers['etag']).toBe(first.headers['etag']);
    expect((await get(first.headers['etag'] as string)).status).toBe(304);

    const declaration = { applicant: { name: '张永猛', document: { type: 'resident_id', number: '130181199003071239' }, phone: '13012340604', residence: 'permanent' }, travel14d: [], symptoms: [], contactWithCase: false, attestTruthful: true };
    const declared = await request(gw.app).post('/v1/declarations').send(declaration);
    expect(declared.status).toBe(201);
    const old = declared.body.credential.jws as string;
    clock.advance(1_000);
    const modified = await request(gw.app).put(`/v1/subjects/${declared.body.subjectId as string}/declaration`)
      .set('authorization', `Bearer ${declared.body.holderToken as string}`)
      .send({ ...declaration, applicant: { ...declaration.applicant, name: '张永刚' } });
    expect(modified.status).toBe(200);

    const after = await get(first.headers['etag'] as string);
    expect(after.status).toBe(200);
    expect(after.headers['etag']).not.toBe(first.headers['etag']);
    const store = await TrustStore.create({ pinnedKeys: pinned });
    expect(await store.take(after.body as string, clock.now())).toMatchObject({ accepted: true });
    expect(await store.verify(old, clock.now())).toMatchObject({ valid: false, error: { code: 'ERR_CREDENTIAL_REVOKED' } });
    expect(await store.verify(modified.body.credential.jws as string, clock.now())).toMatchObject({ valid: true });
  });
});

describe('TrustStore', () => {
  it('refuses every code before it holds a bundle, with ERR_TRUST_BUNDLE_MISSING', async () => {
    const store = await TrustStore.create({ pinnedKeys: pinned });
    expect(await store.verify(await greenBeijing(), clock.now())).toMatchObject({ valid: false, error: { code: 'ERR_TRUST_BUNDLE_MISSING' } });
    expect(store.held()).toBeUndefined();
  });

  it('takes the served bundle and verifies as the gateway does; a suspended partner is refused as suspended', async () => {
    const store = await TrustStore.create({ pinnedKeys: pinned });
    expect(await store.take(await fetchBundle(), clock.now())).toMatchObject({ accepted: true });
    const code = await greenBeijing();
    const online = (await request(gw.app).post('/v1/verify').send({ code })).body;
    expect(await store.verify(code, clock.now())).toEqual(online);
    const wuhanCode = await beijing.code({ color: '未见异常', now: clock.now(), document: DOCUMENT, iss: gw.deps.registry.list().find((p) => p.id === 'wuhan')!.issuer });
    expect(await store.verify(wuhanCode, clock.now())).toMatchObject({ valid: false, error: { code: 'ERR_ISSUER_SUSPENDED' } });
    expect((await request(gw.app).post('/v1/verify').send({ code: wuhanCode })).body.error.code).toBe('ERR_ISSUER_SUSPENDED');
  });

  it('refuses a bundle signed by a key it did not pin, a tampered one and a health code offered as a bundle, keeping the bundle it holds', async () => {
    const store = await TrustStore.create({ pinnedKeys: pinned });
    const genuine = await fetchBundle();
    expect((await store.take(genuine, clock.now())).accepted).toBe(true);
    const { privateKey } = await generateKeyPair('ES256');
    const later = { ...payloadOf(genuine), generatedAt: new Date(clock.now() + 1000).toISOString() };
    const foreign = await new CompactSign(new TextEncoder().encode(JSON.stringify(later))).setProtectedHeader({ alg: 'ES256', kid: pinned[0]!.kid!, typ: 'health-code-trust+jwt' }).sign(privateKey);
    const [h, , s] = genuine.split('.');
    const tampered = `${h}.${b64(later)}.${s}`;
    for (const offered of [foreign, tampered, await greenBeijing(), 'not a jws']) {
      expect(await store.take(offered, clock.now())).toMatchObject({ accepted: false, error: { code: 'ERR_TRUST_BUNDLE_INVALID' } });
    }
    expect(store.held(clock.now())?.jws).toBe(genuine);
  });

  it('takes a bundle longer than any health code (a status list of 500 withdrawn codes) and refuses the codes it lists', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const store = await TrustStore.create({ pinnedKeys: [{ ...(await exportJWK(publicKey)), kid: 'bundle-key', alg: 'ES256' } as PublicJwk] });
    const revoked = await greenBeijing();
    const revokedJti = (JSON.parse(Buffer.from(revoked.split('.')[1]!, 'base64url').toString('utf8')) as { jti: string }).jti;
    const served = payloadOf(await fetchBundle());
    const entries = [...Array.from({ length: 499 }, (_, i) => ({ jti: `withdrawn-${i}`, status: 'revoked' as const })), { jti: revokedJti, status: 'revoked' as const }];
    const bundle = { ...served, partners: served.partners.map((p) => (p.descriptor.id === 'beijing' ? { ...p, statusList: { entries } } : p)) };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(bundle))).setProtectedHeader({ alg: 'ES256', kid: 'bundle-key', typ: 'health-code-trust+jwt' }).sign(privateKey);
    expect(jws.length).toBeGreaterThan(4096);
    expect(await store.take(jws, clock.now())).toMatchObject({ accepted: true });
    expect(await store.verify(revoked, clock.now())).toMatchObject({ valid: false, error: { code: 'ERR_CREDENTIAL_REVOKED' } });
    expect((await store.verify(await greenBeijing(), clock.now())).valid).toBe(true);
  });

  it('takes only a newer bundle: the same or an older one is ERR_TRUST_BUNDLE_NOT_NEWER', async () => {
    const store = await TrustStore.create({ pinnedKeys: pinned });
    const older = await fetchBundle();
    clock.advance(60_000);
    const newer = await fetchBundle();
    expect((await store.take(newer, clock.now())).accepted).toBe(true);
    expect(await store.take(newer, clock.now())).toMatchObject({ accepted: false, error: { code: 'ERR_TRUST_BUNDLE_NOT_NEWER' } });
    expect(await store.take(older, clock.now())).toMatchObject({ accepted: false, error: { code: 'ERR_TRUST_BUNDLE_NOT_NEWER' } });
    expect(store.held(clock.now() + 90_000)).toMatchObject({ jws: newer, ageSeconds: 90 });
  });

  /** The served bundle's payload made at `at`, signed with a key of its own: a gateway whose clock says `at`. */
  async function bundleMadeAt(at: number): Promise<{ sign: (at: number) => Promise<string>; pinnedKeys: PublicJwk[] }> {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const base = payloadOf(await fetchBundle());
    const life = Date.parse(base.expiresAt) - Date.parse(base.generatedAt);
    const sign = (when: number) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify({ ...base, generatedAt: new Date(when).toISOString(), expiresAt: new Date(when + life).toISOString() })))
        .setProtectedHeader({ alg: 'ES256', kid: 'clock-key', typ: 'health-code-trust+jwt' })
        .sign(privateKey);
    void at;
    return { sign, pinnedKeys: [{ ...(await exportJWK(publicKey)), kid: 'clock-key', alg: 'ES256' } as PublicJwk] };
  }

  it('refuses a bundle made in the future beyond the clock tolerance with ERR_TRUST_BUNDLE_FROM_FUTURE, and keeps the one held', async () => {
    const now = clock.now();
    const gateway = await bundleMadeAt(now);
    const store = await TrustStore.create({ pinnedKeys: gateway.pinnedKeys });
    const honest = await gateway.sign(now);
    expect((await store.take(honest, now)).accepted).toBe(true);
    expect(await store.take(await gateway.sign(now + 10 * 86_400_000), now)).toMatchObject({ accepted: false, error: { code: 'ERR_TRUST_BUNDLE_FROM_FUTURE' } });
    expect(store.held(now)?.jws).toBe(honest);
    // Within the tolerance (60 s) a bundle slightly ahead is taken.
    expect((await store.take(await gateway.sign(now + 50_000), now)).accepted).toBe(true);
  });

  it('a device holding a bundle from the future recovers with the next honest bundle instead of refusing it as not newer', async () => {
    const now = clock.now();
    const gateway = await bundleMadeAt(now);
    const store = await TrustStore.create({ pinnedKeys: gateway.pinnedKeys });
    // The gateway's clock ran ten days ahead, and the device took its bundle then (its own clock
    // agreeing, or before the rule above existed).
    expect((await store.take(await gateway.sign(now + 10 * 86_400_000), now + 10 * 86_400_000)).accepted).toBe(true);
    // Both clocks are corrected: the next honest bundle is older than the one held, yet taken.
    const honest = await gateway.sign(now + 60_000);
    expect(await store.take(honest, now + 60_000)).toMatchObject({ accepted: true });
    expect(store.held(now + 60_000)?.jws).toBe(honest);
  });

  it('fails closed past expiresAt: every code refused with ERR_TRUST_BUNDLE_EXPIRED, and an expired bundle is not taken', async () => {
    const store = await TrustStore.create({ pinnedKeys: pinned });
    const jws = await fetchBundle();
    const expiresAt = Date.parse(payloadOf(jws).expiresAt);
    await store.take(jws, clock.now());
    const code = await greenBeijing();
    expect((await store.verify(code, clock.now())).valid).toBe(true);
    expect(await store.verify(code, expiresAt)).toMatchObject({ valid: false, error: { code: 'ERR_TRUST_BUNDLE_EXPIRED' } });
    const decision = await store.decide({ code, document: DOCUMENT, temperatureC: 36.5 }, expiresAt);
    expect(decision).toMatchObject({ decision: 'deny', reasons: ['code_invalid'], error: { code: 'ERR_TRUST_BUNDLE_EXPIRED' } });
    const fresh = await TrustStore.create({ pinnedKeys: pinned });
    expect(await fresh.take(jws, expiresAt)).toMatchObject({ accepted: false, error: { code: 'ERR_TRUST_BUNDLE_EXPIRED' } });
  });
});

describe('npm run verify (the command line)', () => {
  let dir: string;
  let cli: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcg-verify-cli-'));
    cli = join(dir, 'cli.mjs');
    writeFileSync(cli, buildBundle(fromRoot('verifier', 'cli.ts'), 'node'));
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [cli, ...args], (error, stdout, stderr) => resolve({ status: error ? Number(error.code) : 0, stdout, stderr }));
    });
  }

  it('prints the JSON of POST /v1/verify, exit 0 for a valid code and 1 for a refused one, from a bundle file and a pinned JWKS file', async () => {
    writeFileSync(join(dir, 'bundle.jws'), `${await fetchBundle()}\n`);
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: pinned }));
    const now = new Date(clock.now()).toISOString();
    const green = await greenBeijing();
    const forged = `${green.slice(0, -4)}AAAA`;
    for (const [code, status] of [[green, 0], [forged, 1]] as const) {
      const out = await run(['--trust', join(dir, 'bundle.jws'), '--pin', join(dir, 'jwks.json'), '--now', now, code]);
      expect([out.status, JSON.parse(out.stdout)]).toEqual([status, (await request(gw.app).post('/v1/verify').send({ code })).body]);
    }
  });

  it('refuses every code when the bundle cannot be taken (exit 1), and says how to call it on a wrong command line (exit 2)', async () => {
    writeFileSync(join(dir, 'bundle.jws'), await fetchBundle());
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ keys: [{ ...pinned[0], kid: 'someone-else' }] }));
    const out = await run(['--trust', join(dir, 'bundle.jws'), '--pin', join(dir, 'other.json'), await greenBeijing()]);
    expect([out.status, JSON.parse(out.stdout).error.code]).toEqual([1, 'ERR_TRUST_BUNDLE_INVALID']);
    const usage = await run(['--trust', join(dir, 'bundle.jws')]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/usage: npm run --silent verify -- --trust/);
    const noPin = await run(['--trust', join(dir, 'bundle.jws'), 'eyJ']);
    expect([noPin.status, noPin.stderr]).toEqual([2, expect.stringMatching(/needs --pin/)]);
  });

  it('refuses --trust http://… without --pin, and a --pin over plain http, saying why, before fetching anything', async () => {
    // A server that signs its own bundle with its own keys would pass an unpinned check: the
    // URLs name a port where nothing listens, so the refusal cannot come from a fetch.
    const plain = await run(['--trust', 'http://127.0.0.1:9/.well-known/health-code-trust', await greenBeijing()]);
    expect([plain.status, plain.stderr]).toEqual([2, expect.stringMatching(/plain http needs --pin .*without TLS anyone on the path/)]);
    writeFileSync(join(dir, 'bundle.jws'), await fetchBundle());
    const httpPin = await run(['--trust', join(dir, 'bundle.jws'), '--pin', 'http://127.0.0.1:9/.well-known/jwks.json', await greenBeijing()]);
    expect([httpPin.status, httpPin.stderr]).toEqual([2, expect.stringMatching(/--pin over plain http proves nothing/)]);
  });

  it('refuses a misspelt option with exit 2 and answers --help with the usage (exit 0)', async () => {
    const misspelt = await run(['--trust', 'bundle.jws', '--pinn', 'keys.json', 'eyJ']);
    expect([misspelt.status, misspelt.stderr]).toEqual([2, expect.stringContaining("Unknown option '--pinn'")]);
    const help = await run(['--help']);
    expect([help.status, help.stdout]).toEqual([0, expect.stringMatching(/^usage: npm run --silent verify/)]);
  });
});
