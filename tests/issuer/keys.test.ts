import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { calculateJwkThumbprint, createLocalJWKSet, type JWK } from 'jose';
import { generateKeyFile, readKeyFiles, writeKeyFile } from '../../gateway/issuer/keystore.js';
import { fromRoot } from '../../gateway/paths.js';
import { loadConfig } from '../../gateway/config/load-config.js';
import { createTestGateway, exampleDeclaration, personDeclaration, TestClock, type TestGateway } from '../helpers/test-gateway.js';
import { declared, factsOf, getCode, headerOf, jwks, verify, verifyWithJose, type Body } from './issuer-helpers.js';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

describe('published keys and issuer metadata', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await createTestGateway();
  });
  afterAll(async () => {
    await gw.close();
  });

  test('GET /.well-known/jwks.json serves public members only, with Cache-Control', async () => {
    const res = await request(gw.app).get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(res.body.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of res.body.keys as Array<Record<string, unknown>>) {
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect((await calculateJwkThumbprint(key as JWK, 'sha256')).startsWith(key['kid'] as string)).toBe(true);
    }
  });

  test('GET /.well-known/health-code-issuer names the issuer, region 130181, the JWKS, algorithms and the credential schema', async () => {
    const res = await request(gw.app).get('/.well-known/health-code-issuer');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBeDefined();
    // Served by the gateway itself, so the URL resolves (tests/ops/served-contract.test.ts fetches it).
    const schemaId = `${gw.config.issuer.url.replace(/\/+$/, '')}/schemas/normalized-credential.schema.json`;
    expect(res.body).toMatchObject({
      issuer: gw.config.issuer.url,
      name: gw.config.issuer.name,
      region: '130181',
      jwks_uri: `${gw.config.issuer.url.replace(/\/+$/, '')}/.well-known/jwks.json`,
      algorithms_supported: ['ES256'],
      credential_schema: schemaId,
      typ: 'health-code+jwt',
      typ_aliases: ['hc+jwt'],
      zip: 'optional',
      code_layouts: [1, 2, 3],
    });
    expect(Object.values(res.body.color_map.values as Record<string, string>).sort()).toEqual(['green', 'red', 'yellow']);
  });

  test('the metadata lets jose verify a code with the pointers it publishes', async () => {
    const meta = (await request(gw.app).get('/.well-known/health-code-issuer')).body as Body;
    const { jws } = await declared(gw, exampleDeclaration());
    const { payload, protectedHeader } = await verifyWithJose(jws, createLocalJWKSet((await jwks(gw)) as { keys: JWK[] }), { algorithms: meta['algorithms_supported'] as string[] });
    expect(payload['iss']).toBe(meta['issuer']);
    // A new code has layout 3's typ, one of those the metadata names.
    expect([meta['typ'], ...(meta['typ_aliases'] as string[])]).toContain(protectedHeader['typ']);
    // Its layout number at claim_layouts.pointer picks the pointers to read it with.
    const at = (pointer: string): unknown => pointer.split('/').slice(1).reduce<unknown>((node, key) => (node as Body)[key], payload);
    const layouts = meta['claim_layouts'] as { pointer: string; layouts: Record<string, Body> };
    expect(at(layouts.pointer)).toBe(3);
    const pointers = layouts.layouts[String(at(layouts.pointer))]!;
    expect(at(pointers['color'] as string)).toBe('green');
    expect(at(pointers['nameMasked'] as string)).toMatch(/\*/);
    // The pointers every partner registered before layout 3 (claims) find nothing in it: why partners move.
    expect(at((meta['claims'] as Body)['color'] as string)).toBeUndefined();
  });
});

describe('key rotation, walked through as docs/partners-and-keys.md describes it', () => {
  let dir: string;
  const clock = new TestClock();
  const gateways: TestGateway[] = [];
  async function start(): Promise<TestGateway> {
    // Printed passes (issue 25) of an hour: a retired key stays published until they expire too,
    // and the walk-through stays within the holder token's idle expiry (issue 17).
    const gw = await createTestGateway({ dir, clock, overrides: { passTtlSeconds: 3600 } });
    gateways.push(gw);
    return gw;
  }
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcg-rotation-'));
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a next key is published before it signs, then signs after activation while the retired key verifies until its codes expire', async () => {
    const certs = join(dir, 'certs');

    // 1. First start: a development key is generated and signs.
    let gw = await start();
    const first = await declared(gw, exampleDeclaration());
    const oldKid = headerOf(first.jws)['kid'] as string;
    expect((await jwks(gw)).keys.map((k) => k['kid'])).toEqual([oldKid]);
    await gw.close();

    // 2. Add a next key and restart: both are published, the old one still signs.
    const next = await generateKeyFile('ES256', 'next', clock.ms);
    writeKeyFile(certs, next.kid, next.file);
    gw = await start();
    expect((await jwks(gw)).keys.map((k) => k['kid']).sort()).toEqual([oldKid, next.kid].sort());
    const stillOld = await getCode(gw, first.subjectId, first.holderToken);
    expect(headerOf(stillOld.body.credential.jws)['kid']).toBe(oldKid);
    await gw.close();

    // 3. Activate the next key (the active one retires now) and restart.
    clock.advance(60_000);
    const retiredAt = clock.ms;
    for (const { path, file } of readKeyFiles(certs)) {
      const kid = path.slice(path.lastIndexOf('/') + 1).replace(/\.key\.json$/, '');
      if (kid === next.kid) writeKeyFile(certs, kid, { ...file, status: 'active' });
      else writeKeyFile(certs, kid, { ...file, status: 'retired', retiredAt: new Date(retiredAt).toISOString() });
    }
    gw = await start();
    const fresh = await getCode(gw, first.subjectId, first.holderToken);
    expect(headerOf(fresh.body.credential.jws)['kid']).toBe(next.kid);
    expect((await jwks(gw)).keys.map((k) => k['kid']).sort()).toEqual([oldKid, next.kid].sort());

    // The last code of the old key still verifies within its lifetime.
    const oldCode = stillOld.body.credential.jws as string;
    const before = await verify(gw, oldCode);
    expect(before).toMatchObject({ valid: true });
    expect((await verify(gw, fresh.body.credential.jws))['valid']).toBe(true);

    // 4. After the longest lifetime it signed (codes, or printed passes) + clock tolerance, the retired key leaves the JWKS.
    const longest = Math.max(gw.config.credentialTtlSeconds, gw.config.passTtlSeconds);
    clock.ms = retiredAt + (longest + gw.config.clockToleranceSeconds) * 1000 - 1000;
    expect((await jwks(gw)).keys.map((k) => k['kid'])).toContain(oldKid);
    clock.ms = retiredAt + (longest + gw.config.clockToleranceSeconds) * 1000 + 1000;
    expect((await jwks(gw)).keys.map((k) => k['kid'])).toEqual([next.kid]);
    expect((await verify(gw, oldCode))['valid']).toBe(false);
    const newest = await getCode(gw, first.subjectId, first.holderToken);
    expect((await verify(gw, newest.body.credential.jws))['valid']).toBe(true);
  });

  test('a keys directory with two active keys stops the start with a message naming the directory', async () => {
    const other = mkdtempSync(join(tmpdir(), 'hcg-two-active-'));
    try {
      for (let i = 0; i < 2; i++) {
        const key = await generateKeyFile('ES256', 'active', clock.ms);
        writeKeyFile(join(other, 'certs'), key.kid, key.file);
      }
      await expect(createTestGateway({ dir: other, clock })).rejects.toThrow(join(other, 'certs'));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

test('an EdDSA signing key (SIGNING_ALG=EdDSA) issues EdDSA codes that verify', async () => {
  const issuer = { ...loadConfig({ SIGNING_ALG: 'EdDSA' }).issuer };
  expect(issuer.signingAlg).toBe('EdDSA');
  const gw = await createTestGateway({ overrides: { issuer } });
  try {
    const { jws } = await declared(gw, personDeclaration(1));
    expect(headerOf(jws)['alg']).toBe('EdDSA');
    const keys = await jwks(gw);
    expect(keys.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect(keys.keys[0]).not.toHaveProperty('d');
    const { payload } = await verifyWithJose(jws, createLocalJWKSet(keys as { keys: JWK[] }), { algorithms: ['EdDSA'] });
    expect(payload['iss']).toBe(gw.config.issuer.url);
    expect(factsOf(jws).color).toBe('green');
    expect(await verify(gw, jws)).toMatchObject({ valid: true });
    const meta = await request(gw.app).get('/.well-known/health-code-issuer');
    expect(meta.body.algorithms_supported).toEqual(['EdDSA']);
  } finally {
    await gw.close();
  }
});
