import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { checkPartner, type PartnerCheckResult } from '../../gateway/federation/partner-check.js';
import { renderReport } from '../../gateway/federation/partner-check-report.js';
import { createSafeDispatcher } from '../../gateway/partners/safe-dispatcher.js';
import type { IdentityDocument, Partner } from '../../gateway/types/schemas.js';
import { TestClock } from '../helpers/test-gateway.js';
import { lstOf, signList } from '../hostile/status-list-corpus.js';
import { StatusListServer } from '../partners/status-list-server.js';
import { TokenStatusListServer } from '../partners/token-status-list-server.js';
import { newKey, PartnerCity, type CodeOptions } from '../recognition/partner-city.js';
import { BEIJING } from '../recognition/profiles.js';

/**
 * The self-test a joining city runs (npm run partner-check), against simulated partner cities
 * over real loopback HTTP: one that is ready, and one broken city per problem the check must
 * name. Each broken city differs from the good one in that one respect.
 */
const clock = new TestClock();
const dispatcher = createSafeDispatcher({ timeoutMs: 2000, allowInsecureLoopback: true });
const document: IdentityDocument = { type: 'resident_id', number: '11010519491231002X' };
let dir: string;

afterAll(async () => {
  await dispatcher.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hcg-partner-check-'));
});

async function run(partner: Partner | Record<string, unknown>, codes: string[]): Promise<PartnerCheckResult> {
  const path = join(dir, `${String(partner['id' as keyof typeof partner])}.json`);
  writeFileSync(path, JSON.stringify(partner));
  return checkPartner(path, codes, { dispatcher, timeoutMs: 2000, maxBytes: 65536, maxKeys: 20, allowInsecureLoopback: true, clockToleranceSeconds: 60, now: clock.now });
}

const checksFailed = (r: PartnerCheckResult): string[] => [...new Set(r.findings.filter((f) => f.severity === 'fail').map((f) => f.check))];

/** A Beijing-like city with a status list, and fresh sample codes (two colours). */
async function city(): Promise<{ city: PartnerCity; status: StatusListServer; close(): Promise<void> }> {
  const c = await PartnerCity.start(BEIJING);
  const status = await new StatusListServer(c.issuer, clock.now).start();
  return { city: c, status, close: async () => { await c.close(); await status.close(); } };
}

async function samples(c: PartnerCity, extra: Partial<CodeOptions> = {}): Promise<string[]> {
  return [await c.code({ color: '未见异常', now: clock.now(), document, ...extra }), await c.code({ color: '居家观察', now: clock.now(), document, ...extra })];
}

function rsaJwk(bits: number, kid: string): JWK {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' };
}

describe('partner-check: a city that is ready', () => {
  it('reports READY when the file, keys, status list and every sample pass, and says what each sample became', async () => {
    const { city: c, status, close } = await city();
    try {
      const result = await run(c.partner({ statusUri: status.url }), await samples(c));
      expect(checksFailed(result)).toEqual([]);
      expect(result.ready).toBe(true);
      const report = renderReport(result, 'beijing.json');
      expect(report).toMatch(/^Partner check for 北京市 \(beijing, region 110000\)/);
      expect(report).toContain('READY: the gateway will accept this city\'s codes');
      expect(report).toContain('✓ Accepted by the gateway\'s verifier: green.');
      expect(report).toContain('✓ Accepted by the gateway\'s verifier: yellow.');
    } finally {
      await close();
    }
  });
});

describe('partner-check: one broken city per problem', () => {
  type Broken = (c: PartnerCity, status: StatusListServer) => Promise<{ partner: Partner | Record<string, unknown>; codes: string[] }>;
  const cases: Array<[string, string, Broken]> = [
    ['its key server is down', 'jwks_unreachable', async (c, s) => { c.mode = 'unavailable'; return { partner: c.partner({ statusUri: s.url }), codes: await samples(c) }; }],
    ['its key set is served over plain http on a public host', 'uri_unsafe', async (c, s) => ({ partner: c.partner({ statusUri: s.url, jwksUri: 'http://jkb.beijing.example/.well-known/jwks.json' }), codes: await samples(c) })],
    ['its key set sits on a private address', 'uri_unsafe', async (c, s) => ({ partner: c.partner({ statusUri: s.url, jwksUri: 'https://10.20.30.40/.well-known/jwks.json' }), codes: await samples(c) })],
    ['its key set redirects', 'uri_unsafe', async (c, s) => { c.mode = 'redirect'; return { partner: c.partner({ statusUri: s.url }), codes: await samples(c) }; }],
    ['it publishes a weak RSA key beside its good one', 'key_unusable', async (c, s) => {
      c.published = [...c.published, { ...c.signingKey, kid: 'weak-rsa', publicJwk: rsaJwk(1024, 'weak-rsa') }];
      return { partner: c.partner({ statusUri: s.url, algorithms: ['ES256', 'RS256'] }), codes: await samples(c) };
    }],
    ['it publishes an encryption key', 'key_unusable', async (c, s) => {
      const enc = await newKey('ES256');
      c.published = [...c.published, { ...enc, publicJwk: { ...enc.publicJwk, use: 'enc' } }];
      return { partner: c.partner({ statusUri: s.url }), codes: await samples(c) };
    }],
    ['it signs with an algorithm its file does not pin', 'alg_not_pinned', async (c, s) => {
      const ed = await newKey('EdDSA');
      return { partner: c.partner({ statusUri: s.url }), codes: await samples(c, { key: ed, header: { alg: 'EdDSA', kid: ed.kid } }) };
    }],
    ['its codes carry another typ than its file names', 'typ_mismatch', async (c, s) => ({ partner: c.partner({ statusUri: s.url }), codes: await samples(c, { header: { typ: 'JWT' } }) })],
    ['a claim pointer of its file points at nothing', 'claim_missing', async (c, s) => ({ partner: c.partner({ statusUri: s.url, claims: { ...BEIJING.claims, nameMasked: '/hc/fullName' } }), codes: await samples(c) })],
    ['a sample carries a colour its map does not cover', 'color_unmapped', async (c, s) => ({ partner: c.partner({ statusUri: s.url }), codes: [await c.code({ color: '绿码', now: clock.now(), document })] })],
    ['its file names no binding', 'binding_unchecked', async (c, s) => {
      const { binding: _omitted, ...claims } = BEIJING.claims;
      return { partner: c.partner({ statusUri: s.url, claims }), codes: await samples(c) };
    }],
    ['its samples carry a binding the gateway cannot check', 'binding_unchecked', async (c, s) => {
      const payload = await c.payload({ color: '未见异常', now: clock.now(), document });
      (payload['hc'] as Record<string, unknown>)['bind'] = 'sha256:0123abcd';
      return { partner: c.partner({ statusUri: s.url }), codes: [await c.sign(payload)] };
    }],
    ['its issuing servers\' clock runs ten minutes ahead', 'iat_skew', async (c, s) => ({ partner: c.partner({ statusUri: s.url }), codes: [await c.code({ color: '未见异常', now: clock.now() + 600_000, document })] })],
    ['its codes live eight days', 'lifetime_too_long', async (c, s) => ({ partner: c.partner({ statusUri: s.url }), codes: await samples(c, { ttlSeconds: 8 * 86_400 }) })],
    ['its status list is down', 'status_list_unreachable', async (c, s) => { s.mode = 'unavailable'; return { partner: c.partner({ statusUri: s.url }), codes: await samples(c) }; }],
    ['its status list is not a status list', 'status_list_invalid', async (c, s) => { s.mode = 'invalid'; return { partner: c.partner({ statusUri: s.url }), codes: await samples(c) }; }],
    ['it signs with a key it does not publish', 'kid_unknown', async (c, s) => ({ partner: c.partner({ statusUri: s.url }), codes: await samples(c, { key: await newKey('ES256') }) })],
    ['its codes name another issuer', 'issuer_mismatch', async (c, s) => ({ partner: c.partner({ statusUri: s.url }), codes: await samples(c, { iss: 'https://jkb.other.example' }) })],
    ['its samples have expired', 'sample_expired', async (c, s) => ({ partner: c.partner({ statusUri: s.url }), codes: await samples(c, { now: clock.now() - 7_200_000, ttlSeconds: 900 }) })],
    ['it gives no samples', 'no_samples', async (c, s) => ({ partner: c.partner({ statusUri: s.url }), codes: [] })],
    ['its file breaks the schema', 'partner_file_invalid', async (c, s) => ({ partner: { ...c.partner({ statusUri: s.url }), colorMap: { version: '1', valueType: 'string', values: { 绿: 'blue' } } }, codes: await samples(c) })],
  ];

  it.each(cases)('NOT READY when %s (%s), with what to do', async (_what, check, broken) => {
    const { city: c, status, close } = await city();
    try {
      const { partner, codes } = await broken(c, status);
      const result = await run(partner, codes);
      expect(result.ready).toBe(false);
      // Only the problem this city has: the check tells one problem from another.
      expect(checksFailed(result)).toEqual([check]);
      const report = renderReport(result, 'beijing.json');
      expect(report).toContain('NOT READY');
      const finding = result.findings.find((f) => f.check === check)!;
      expect(report).toContain(`✗ ${finding.message}`);
      expect(report).toMatch(/What to do: \S/);
    } finally {
      await close();
    }
  });

});

describe('partner-check: a city that publishes an IETF Token Status List (statusListUri)', () => {
  const LIST_PATH = '/statuslists/1';
  /** The city, its list server with a list of 1,024 statuses (7 INVALID), and the list's URI. */
  async function withList(): Promise<{ c: PartnerCity; lists: TokenStatusListServer; uri: string; close(): Promise<void> }> {
    const c = await PartnerCity.start(BEIJING);
    const lists = await new TokenStatusListServer().start();
    const uri = lists.url(LIST_PATH);
    lists.bodies.set(LIST_PATH, await signList({ city: c, uri, now: clock.now() }, { status_list: { bits: 1, lst: lstOf(1024, 1, { 7: 1 }) } }));
    return { c, lists, uri, close: async () => { await c.close(); await lists.close(); } };
  }
  const withStatus = async (c: PartnerCity, status: unknown): Promise<string> => c.sign({ ...(await c.payload({ color: '未见异常', now: clock.now(), document })), ...(status === undefined ? {} : { status }) });

  it('reports READY when the list is signed by the city\'s key and each sample names a VALID index of it', async () => {
    const { c, uri, close } = await withList();
    try {
      const result = await run(c.partner({ statusListUri: uri }), [await withStatus(c, { status_list: { idx: 3, uri } })]);
      expect(checksFailed(result)).toEqual([]);
      expect(result.findings.find((f) => f.check === 'token_status_list')).toMatchObject({ severity: 'ok', message: expect.stringContaining('1024 statuses of 1 bit(s), 1 not VALID') });
      expect(result.ready).toBe(true);
    } finally {
      await close();
    }
  });

  const cases: Array<[string, string, (w: Awaited<ReturnType<typeof withList>>) => Promise<string[]>]> = [
    ['its list server is down', 'token_status_list_unreachable', async ({ c, lists, uri }) => { lists.down = true; return [await withStatus(c, { status_list: { idx: 3, uri } })]; }],
    ['its list is signed by a key it does not publish', 'token_status_list_invalid', async ({ c, lists, uri }) => {
      const stranger = await newKey('ES256');
      const iat = Math.floor(clock.now() / 1000);
      lists.bodies.set(LIST_PATH, await c.sign({ sub: uri, iat, exp: iat + 3600, status_list: { bits: 1, lst: lstOf(1024) } }, { key: stranger, kid: c.signingKey.kid, header: { typ: 'statuslist+jwt' } }));
      return [await withStatus(c, { status_list: { idx: 3, uri } })];
    }],
    ['its list names another URI in sub', 'token_status_list_invalid', async ({ c, lists, uri }) => {
      lists.bodies.set(LIST_PATH, await signList({ city: c, uri: `${uri}/other`, now: clock.now() }));
      return [await withStatus(c, { status_list: { idx: 3, uri } })];
    }],
    ['a sample has no status claim', 'status_reference_invalid', async ({ c }) => [await withStatus(c, undefined)]],
    ['a sample names another list', 'status_reference_invalid', async ({ c, uri }) => [await withStatus(c, { status_list: { idx: 3, uri: `${uri}x` } })]],
    ['a sample\'s index is outside the list', 'status_reference_invalid', async ({ c, uri }) => [await withStatus(c, { status_list: { idx: 5000, uri } })]],
    ['a sample\'s index is INVALID in the list', 'sample_withdrawn', async ({ c, uri }) => [await withStatus(c, { status_list: { idx: 7, uri } })]],
  ];

  it.each(cases)('NOT READY when %s (%s), with what to do', async (_what, check, broken) => {
    const w = await withList();
    try {
      const codes = await broken(w);
      const result = await run(w.c.partner({ statusListUri: w.uri }), codes);
      expect(result.ready).toBe(false);
      expect(checksFailed(result)).toEqual([check]);
      expect(renderReport(result, 'beijing.json')).toMatch(/What to do: \S/);
    } finally {
      await w.close();
    }
  });
});
