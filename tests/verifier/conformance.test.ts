import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import request from 'supertest';
import { isGatewayError } from '../../gateway/errors/gateway-error.js';
import type { LoadedKey } from '../../gateway/issuer/keystore.js';
import { toVerificationKeys, type PartnerAlg } from '../../gateway/partners/jwk-filter.js';
import type { KeySource, KeyStatus, VerificationKey } from '../../gateway/partners/key-source.js';
import { LocalKeySource } from '../../gateway/partners/local-key-source.js';
import { fromRoot } from '../../gateway/paths.js';
import { buildTrustBundle, signTrustBundle } from '../../gateway/trust/trust-bundle.js';
import type { IdentityDocument, Partner, PublicJwk, VerifyResult } from '../../gateway/types/schemas.js';
import { verifyCompactWithKey } from '../../gateway/verify/verify-compact.js';
import { createVerifier } from '../../gateway/verify/verify-code.js';
import { TrustStore } from '../../verifier/index.js';
import { libraryCore } from './browser-entry.js';
import { describeBrowser, openVerifierPage, type BrowserPage } from './browser.js';
import { asDevice, registerDevice } from '../helpers/devices.js';
import { sharedPath } from '../helpers/environment.js';
import { TestClock, type TestGateway } from '../helpers/test-gateway.js';
import { CODE_FIXTURES, DOCUMENT, KEY_SET_FIXTURES, type CorpusContext } from '../hostile/corpus.js';
import { entry, StatusListServer } from '../partners/status-list-server.js';
import { PartnerCity, type CityKey } from '../recognition/partner-city.js';
import { BEIJING, SHANGHAI } from '../recognition/profiles.js';
import { gatewayWith, payloadOf } from '../recognition/setup.js';
import { makePartner } from '../verify/fixtures.js';

/**
 * One behaviour, proven: every fixture of the hostile corpus, the SMART Health Cards examples and
 * negative cases, and the Wycheproof JWS vectors go through the gateway (POST /v1/verify of a real
 * gateway, or its verify pipeline with its real key filter) and through the verifier library with
 * the gateway's signed trust bundle — in Node, and in Chromium from the library's browser bundle —
 * and the answers must be the same: valid or not, with the same error code, and the same
 * normalised credential.
 */

type Answer = { valid: true; credential: unknown } | { valid: false; code: string };

interface CodeCase {
  suite: string;
  name: string;
  code: string;
  now: number;
  /** Index into `bundles`. */
  bundle: number;
  gateway: Answer;
}

interface CoreCase {
  name: string;
  jws: string;
  algorithms: string[];
  jwk: Record<string, unknown> | null;
  gateway: string;
}

const bundles: Array<{ jws: string; pinned: PublicJwk[] }> = [];
const codeCases: CodeCase[] = [];
const coreCases: CoreCase[] = [];
/** Checkpoint scans (亮码 + 身份证 + 测温) and the gateway's decision. */
const scans: Array<{ name: string; code: string; document: IdentityDocument; now: number; bundle: number; decision: string; reasons: string[] }> = [];

const answerOf = (body: VerifyResult): Answer => (body.valid ? { valid: true, credential: body.credential } : { valid: false, code: body.error.code });

async function libraryAnswer(c: CodeCase): Promise<Answer> {
  const { jws, pinned } = bundles[c.bundle]!;
  const store = await TrustStore.create({ pinnedKeys: pinned });
  const taken = await store.take(jws, c.now);
  if (!taken.accepted) throw new Error(`bundle ${c.bundle} refused: ${taken.error.code}`);
  return answerOf(await store.verify(c.code, c.now));
}

/** The bundle a gateway serves, pinned to the keys it publishes. */
async function bundleOf(gw: TestGateway): Promise<number> {
  const jws = (await request(gw.app).get('/.well-known/health-code-trust').buffer(true).parse((res, done) => {
    let text = '';
    res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    res.on('end', () => done(null, text));
  })).body as string;
  const pinned = (await request(gw.app).get('/.well-known/jwks.json')).body.keys as PublicJwk[];
  bundles.push({ jws, pinned });
  return bundles.length - 1;
}

async function gatewayAnswer(gw: TestGateway, code: string): Promise<Answer> {
  const res = await request(gw.app).post('/v1/verify').send({ code });
  expect(res.status).toBe(200);
  return answerOf(res.body as VerifyResult);
}

/** The hostile corpus at a real gateway with two partner cities, one of them with a status list. */
async function collectCorpus(): Promise<void> {
  const beijing = await PartnerCity.start(BEIJING);
  const shanghai = await PartnerCity.start(SHANGHAI);
  const internal = await PartnerCity.start({ ...BEIJING, id: 'internal' });
  const clock = new TestClock();
  const status = await new StatusListServer(beijing.issuer, clock.now).start();
  const gw = await gatewayWith([beijing.partner({ statusUri: status.url }), shanghai.partner()], { clock });
  try {
    const now = gw.clock.now();
    const revoked = await beijing.code({ color: '未见异常', now, document: DOCUMENT });
    status.entries = [entry(payloadOf(revoked)['jti'] as string, 'revoked', now)];
    const green = await beijing.code({ color: '未见异常', now, document: DOCUMENT });
    const shanghaiGreen = await shanghai.code({ color: '绿码', now, document: DOCUMENT });
    const genuine: Array<[string, string]> = [['a genuine green Beijing code', green], ['a genuine green Shanghai code', shanghaiGreen], ['a Beijing code its status list revokes', revoked]];
    // The gateway fetches keys and Beijing's list on these codes; the bundle is taken afterwards.
    const answers: Answer[] = [];
    for (const [, code] of genuine) answers.push(await gatewayAnswer(gw, code));
    expect(answers.map((a) => (a.valid ? 'valid' : a.code))).toEqual(['valid', 'valid', 'ERR_CREDENTIAL_REVOKED']);

    // A Xinji code, verified offline like any partner's (its binding checked with the library's scrypt).
    const declared = await request(gw.app).post('/v1/declarations').send({
      applicant: { name: '张永猛', document: { type: 'resident_id', number: '130181199003071239' }, phone: '13012340604', residence: 'permanent' },
      travel14d: ['130100'], symptoms: [], contactWithCase: false, attestTruthful: true,
    });
    expect(declared.status).toBe(201);
    const xinji = declared.body.credential.jws as string;
    genuine.push(['a genuine Xinji code', xinji]);
    answers.push(await gatewayAnswer(gw, xinji));

    const bundle = await bundleOf(gw);
    genuine.forEach(([name, code], i) => codeCases.push({ suite: 'genuine', name, code, now, bundle, gateway: answers[i]! }));
    const xinjiDocument = { type: 'resident_id' as const, number: '130181199003071239' };
    const device = asDevice(await registerDevice(gw));
    for (const [name, code, document] of [['a green Beijing code with its document', green, DOCUMENT], ['a revoked Beijing code with its document', revoked, DOCUMENT], ['a Xinji code with its document', xinji, xinjiDocument], ['a Xinji code with another document', xinji, DOCUMENT]] as const) {
      const scan = await request(gw.app).post('/v1/checkpoint/scans').set(device).send({ code, document, temperatureC: 36.5 });
      expect(scan.status).toBe(200);
      scans.push({ name, code, document, now, bundle, decision: scan.body.decision, reasons: scan.body.reasons });
    }

    const ctx: CorpusContext = { beijing, shanghai, internal, now, toleranceSeconds: gw.config.clockToleranceSeconds };
    for (const fixture of CODE_FIXTURES) {
      const code = await fixture.code(ctx);
      codeCases.push({ suite: 'hostile codes', name: fixture.name, code, now, bundle, gateway: await gatewayAnswer(gw, code) });
    }
  } finally {
    await gw.close();
    await Promise.all([beijing.close(), shanghai.close(), internal.close(), status.close()]);
  }
}

/** Each hostile key set served by a partner city to its own gateway, and that gateway's bundle. */
async function collectKeySets(): Promise<void> {
  for (const fixture of KEY_SET_FIXTURES) {
    const built = await fixture.build();
    const city = await PartnerCity.start({ ...BEIJING, id: 'keyset' });
    city.published = built.keys.map((publicJwk) => ({ publicJwk }) as unknown as CityKey);
    const gw = await gatewayWith([city.partner({ algorithms: fixture.algorithms ?? ['ES256'] })]);
    try {
      const payload = await city.payload({ color: '未见异常', now: gw.clock.now(), document: DOCUMENT });
      const b64 = (text: string): string => Buffer.from(text).toString('base64url');
      const input = `${b64(JSON.stringify({ alg: built.alg, kid: built.kid, typ: BEIJING.typ }))}.${b64(JSON.stringify(payload))}`;
      const signature = built.sign ? await built.sign(input) : Buffer.alloc(64, 1);
      const code = `${input}.${Buffer.from(signature).toString('base64url')}`;
      const gateway = await gatewayAnswer(gw, code);
      codeCases.push({ suite: 'hostile key sets', name: fixture.name, code, now: gw.clock.now(), bundle: await bundleOf(gw), gateway });
    } finally {
      await gw.close();
      await city.close();
    }
  }
}

/** A bundle signing key for pipelines run without a gateway process (SHC). */
async function testSigningKey(): Promise<LoadedKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'conformance', alg: 'ES256', use: 'sig' } as PublicJwk;
  return { kid: 'conformance', alg: 'ES256', status: 'active', retiredAt: null, publicJwk, privateKey: privateKey as CryptoKey };
}

/** Each partner's own published keys through the gateway's key filter (LocalKeySource per partner). */
class PartnerKeys implements KeySource {
  private readonly sources: Map<string, LocalKeySource>;
  constructor(sets: Record<string, PublicJwk[]>) {
    this.sources = new Map(Object.entries(sets).map(([id, keys]) => [id, new LocalKeySource(() => keys)]));
  }
  getKey(partner: Partner, kid: string | undefined, alg: string): Promise<VerificationKey> {
    return this.sources.get(partner.id)!.getKey(partner, kid, alg);
  }
  snapshot(partner: Partner): Promise<readonly VerificationKey[]> {
    return this.sources.get(partner.id)!.snapshot(partner);
  }
  status(): KeyStatus {
    return { keyCount: 0, lastFetchAt: 0, lastErrorCode: null };
  }
  async close(): Promise<void> {}
}

const SHC_DIR = sharedPath('interop', 'shc');
const WYCHEPROOF_DIR = sharedPath('interop', 'wycheproof');

async function collectShc(): Promise<void> {
  if (!SHC_DIR) return;
  const read = (file: string): string => readFileSync(resolve(SHC_DIR, file), 'utf8').trim();
  const NOW = Date.UTC(2023, 6, 1);
  const shcPartner = (id: string, issuer: string): Partner => makePartner({
    id, name: 'SMART Health Cards spec examples', region: '000000', issuer, jwksUri: `${issuer}/.well-known/jwks.json`,
    algorithms: ['ES256'], zip: 'DEF', claims: { color: '/vc/type/0', credentialId: '/vc/rid' },
    colorMap: { version: 'shc-test-1', valueType: 'string', values: { 'https://smarthealth.cards#health-card': 'green' } },
  });
  const specIss = 'https://spec.smarthealth.cards/examples/issuer';
  const partners = [shcPartner('shc-spec', specIss), shcPartner('shc-foo', 'https://foo.smarthealth.cards/examples/issuer')];
  const specKeys = (JSON.parse(read('spec-examples/issuer/.well-known/jwks.json')) as { keys: PublicJwk[] }).keys;
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const fooKeys = [{ ...(await exportJWK(publicKey)), kid: 'foo-own', alg: 'ES256', use: 'sig' } as PublicJwk];
  const keySource = new PartnerKeys({ 'shc-spec': specKeys, 'shc-foo': fooKeys });
  const registry = { list: () => partners, byIssuer: (iss: string) => partners.find((p) => p.issuer === iss) };
  const verify = createVerifier({ registry, keySource, now: () => NOW, clockToleranceSeconds: 60 });
  const signer = await testSigningKey();
  const payload = await buildTrustBundle({
    issuer: 'https://gateway.xinji.example', registry, keySource, statusLists: { snapshot: async () => 'none' },
    ownStatusList: async () => { throw new Error('no own issuer here'); }, clockToleranceSeconds: 60, lifetimeSeconds: 3600, now: () => NOW,
  });
  bundles.push({ jws: await signTrustBundle(payload, signer), pinned: [signer.publicJwk] });
  const bundle = bundles.length - 1;
  const files = [
    'spec-examples/example-00-d-jws.txt', 'spec-examples/example-00-f-qr-code-numeric-value-0.txt', 'spec-examples/example-01-d-jws.txt', 'spec-examples/example-03-d-jws.txt',
    ...readdirOf(resolve(SHC_DIR, 'devtools-negative')).map((f) => `devtools-negative/${f}`),
  ];
  for (const file of files) {
    const code = read(file);
    const outcome = await verify(code);
    const gateway: Answer = outcome.valid ? { valid: true, credential: outcome.credential } : { valid: false, code: outcome.error.code };
    codeCases.push({ suite: 'SMART Health Cards', name: file, code, now: NOW, bundle, gateway });
  }
}

function readdirOf(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
}

const GATEWAY_ALGS = ['ES256', 'RS256', 'PS256'];

async function collectWycheproof(): Promise<void> {
  if (!WYCHEPROOF_DIR) return;
  const file = JSON.parse(readFileSync(resolve(WYCHEPROOF_DIR, 'json_web_signature_test.json'), 'utf8')) as {
    testGroups: Array<{ comment: string; public?: PublicJwk; private?: PublicJwk; tests: Array<{ tcId: number; comment: string; jws: unknown }> }>;
  };
  for (const group of file.testGroups) {
    const groupKey = (group.public ?? group.private)!;
    for (const test of group.tests) {
      if (typeof test.jws !== 'string') continue;
      const name = `${test.tcId} ${group.comment}/${test.comment}`;
      let alg = '';
      try { alg = String(JSON.parse(Buffer.from(test.jws.split('.')[0]!, 'base64url').toString('utf8')).alg); } catch { /* refused by parsing on both sides */ }
      const gatewayAlg = GATEWAY_ALGS.includes(alg);
      const algorithms = gatewayAlg ? [alg] : GATEWAY_ALGS;
      // The key as a partner publishing it would have it used: through the gateway's key filter.
      const filtered = gatewayAlg ? (await toVerificationKeys([{ ...groupKey, kid: 'vector-key' }], [alg as PartnerAlg])).keys[0] : undefined;
      let gateway: string;
      try {
        await verifyCompactWithKey(test.jws, { algorithms }, filtered?.key ?? new Uint8Array(32));
        gateway = 'valid';
      } catch (error) {
        if (!isGatewayError(error)) throw error;
        gateway = error.code;
      }
      if (gatewayAlg && !filtered && gateway === 'ERR_JWS_SIGNATURE_INVALID') continue; // no usable key: nothing to compare
      coreCases.push({ name, jws: test.jws, algorithms, jwk: filtered ? (filtered.jwk as unknown as Record<string, unknown>) : null, gateway: gateway === 'ERR_JWS_SIGNATURE_INVALID' && !filtered ? 'no key' : gateway });
    }
  }
}

beforeAll(async () => {
  await collectCorpus();
  await collectKeySets();
  await collectShc();
  await collectWycheproof();
}, 180_000);

const summary = (a: Answer): string => (a.valid ? 'valid' : a.code);

describe('the verifier library in Node agrees with the gateway', () => {
  it('on every code: the hostile corpus, its key sets, genuine and revoked codes, the SMART Health Cards examples and negatives', async () => {
    expect(codeCases.length).toBeGreaterThanOrEqual(CODE_FIXTURES.length + KEY_SET_FIXTURES.length + 4);
    const disagreements: string[] = [];
    for (const c of codeCases) {
      const library = await libraryAnswer(c);
      if (JSON.stringify(library) !== JSON.stringify(c.gateway)) disagreements.push(`${c.suite}: ${c.name}: gateway ${summary(c.gateway)}, library ${summary(library)}`);
    }
    expect(disagreements).toEqual([]);
    // The corpus is still hostile through the library: nothing but the genuine codes is valid.
    expect(codeCases.filter((c) => c.gateway.valid).map((c) => c.name).sort()).toEqual(['a genuine Xinji code', 'a genuine green Beijing code', 'a genuine green Shanghai code']);
  });

  it('on every Wycheproof JWS vector, through strict parsing, the header rules and the signature check', async () => {
    if (!WYCHEPROOF_DIR) console.warn('SKIPPED: ../shared/interop/wycheproof is absent');
    const disagreements: string[] = [];
    for (const c of coreCases) {
      const library = await libraryCore(c.jws, c.algorithms, c.jwk);
      if (library !== c.gateway) disagreements.push(`${c.name}: gateway ${c.gateway}, library ${library}`);
    }
    expect(disagreements).toEqual([]);
    if (WYCHEPROOF_DIR) expect(coreCases.filter((c) => c.gateway === 'valid').length).toBeGreaterThanOrEqual(10);
  });

  it('decides at the checkpoint as POST /v1/checkpoint/scans does (通行 for a green code with its document, 禁止通行 for a revoked one)', async () => {
    for (const s of scans) {
      const { jws, pinned } = bundles[s.bundle]!;
      const store = await TrustStore.create({ pinnedKeys: pinned });
      await store.take(jws, s.now);
      const decision = await store.decide({ code: s.code, document: s.document, temperatureC: 36.5 }, s.now);
      expect([s.name, decision.decision, decision.reasons]).toEqual([s.name, s.decision, s.reasons]);
    }
    expect(scans.map((s) => s.decision)).toEqual(['pass', 'deny', 'pass', 'deny']);
  });
});

describeBrowser()('the verifier library in Chromium agrees with the gateway', () => {
  let browser: BrowserPage;

  beforeAll(async () => {
    browser = await openVerifierPage(fromRoot('tests', 'verifier', 'browser-entry.ts'));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('on every code, every Wycheproof vector and every checkpoint scan, from the browser bundle under a CSP without eval', async () => {
    const result = await browser.page.evaluate(async ({ bundles, codeCases, coreCases, scans }) => {
      const lib = await import('/verifier.js' as string);
      const stores = await Promise.all(bundles.map(async (b: { jws: string; pinned: unknown[] }) => lib.TrustStore.create({ pinnedKeys: b.pinned })));
      const answers: unknown[] = [];
      for (const c of codeCases) {
        const store = stores[c.bundle];
        const taken = await store.take(bundles[c.bundle]!.jws, c.now);
        if (!taken.accepted && taken.error.code !== 'ERR_TRUST_BUNDLE_NOT_NEWER') throw new Error(taken.error.code);
        const body = await store.verify(c.code, c.now);
        answers.push(body.valid ? { valid: true, credential: body.credential } : { valid: false, code: body.error.code });
      }
      const core: string[] = [];
      for (const c of coreCases) core.push(await lib.libraryCore(c.jws, c.algorithms, c.jwk));
      const decisions: unknown[] = [];
      const started = performance.now();
      for (const s of scans) {
        const d = await stores[s.bundle].decide({ code: s.code, document: s.document, temperatureC: 36.5 }, s.now);
        decisions.push([d.decision, d.reasons]);
      }
      return { answers, core, decisions, scanMs: (performance.now() - started) / scans.length, userAgent: navigator.userAgent };
    }, { bundles, codeCases, coreCases, scans });
    const disagreements: string[] = [];
    codeCases.forEach((c, i) => {
      if (JSON.stringify(result.answers[i]) !== JSON.stringify(c.gateway)) disagreements.push(`${c.suite}: ${c.name}: gateway ${summary(c.gateway)}, Chromium ${summary(result.answers[i] as Answer)}`);
    });
    coreCases.forEach((c, i) => {
      if (result.core[i] !== c.gateway) disagreements.push(`Wycheproof ${c.name}: gateway ${c.gateway}, Chromium ${result.core[i]}`);
    });
    expect(disagreements).toEqual([]);
    expect(result.decisions).toEqual(scans.map((s) => [s.decision, s.reasons]));
    console.log(`Chromium (${result.userAgent}): ${codeCases.length} codes and ${coreCases.length} Wycheproof vectors agree with the gateway; one offline checkpoint decision (verify + scrypt binding) took ${result.scanMs.toFixed(0)} ms on average`);
  }, 300_000);
});
