import { inflateRawSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { sampleValue } from '../helpers/metric-labels.js';
import { createTestGateway, ADMIN_TOKEN, type TestGateway, type TestGatewayOptions } from '../helpers/test-gateway.js';
import type { GatewayConfig, IssuerMetadata, Partner, PartnerStatus } from '../../gateway/types/schemas.js';
import { partnerFromIssuerMetadata } from '../../gateway/issuer/issuer-metadata.js';
import { freePort } from '../../demo/processes.js';

/**
 * A whole gateway for recognition tests: partner files written into its partners directory before
 * it starts, http JWKS allowed on loopback only, key timeouts small so a hanging partner costs a
 * fraction of a second. Everything goes through HTTP (supertest on the app).
 */
export const JWKS: GatewayConfig['jwks'] = {
  timeoutMs: 1000, // small enough that a hanging partner costs a second; large enough for a loaded CI machine (300 ms timed out there)
  maxBytes: 65536,
  maxKeys: 20,
  refreshSeconds: 600,
  kidCooldownSeconds: 30,
  staleMaxSeconds: 3600,
};

export type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function writePartner(dir: string, partner: Partner | Record<string, unknown>, file = `${String(partner['id' as keyof typeof partner])}.json`): void {
  writeFileSync(join(dir, 'partners', file), JSON.stringify(partner, null, 2));
}

export async function gatewayWith(partners: Partner[], options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'hcg-recognition-'));
  mkdirSync(join(dir, 'partners'), { recursive: true });
  for (const p of partners) writePartner(dir, p);
  const gw = await createTestGateway({
    ...options,
    dir,
    overrides: { allowInsecureLoopbackJwks: true, jwks: JWKS, ...options.overrides },
  });
  const close = gw.close;
  // createTestGateway leaves a directory it was given in place; this one is ours to remove.
  return { ...gw, close: async () => { await close(); if (!options.dir) rmSync(dir, { recursive: true, force: true }); } };
}

export async function verify(gw: TestGateway, code: string): Promise<Body> {
  const res = await request(gw.app).post('/v1/verify').send({ code });
  expect(res.status).toBe(200);
  return res.body as Body;
}

/** The error code of a refused code (or "valid"). */
export async function verdict(gw: TestGateway, code: string): Promise<string> {
  const body = await verify(gw, code);
  return body['valid'] === true ? 'valid' : String(body['error']?.code);
}

export async function partnerStatus(gw: TestGateway, id: string): Promise<PartnerStatus> {
  const res = await request(gw.app).get('/v1/partners');
  expect(res.status).toBe(200);
  const found = (res.body.partners as PartnerStatus[]).find((p) => p.id === id);
  if (!found) throw new Error(`partner ${id} not listed`);
  return found;
}

export function reload(gw: TestGateway, token: string | null = ADMIN_TOKEN): request.Test {
  const req = request(gw.app).post('/v1/admin/partners/reload');
  if (token !== null) req.set('authorization', `Bearer ${token}`);
  return req.send();
}

/**
 * One sample of GET /metrics: the value of `name` with exactly these label values among its labels
 * (other labels must not differ from what is given), summed over matching series; undefined when
 * no series matches (a gauge the gateway does not report, a counter never incremented).
 */
export async function metric(gw: TestGateway, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const res = await request(gw.app).get('/metrics');
  expect(res.status).toBe(200);
  return sampleValue(res.text as string, name, labels);
}

/** Polls `check` (real time) until it holds: for background key fetches nobody awaits. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Decodes the payload of a compact JWS without verifying it (test inspection only). */
export function payloadOf(jws: string): Body {
  const header = JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8')) as Body;
  const bytes = Buffer.from(jws.split('.')[1] ?? '', 'base64url');
  // Xinji codes are compressed (zip "DEF", docs/credential.md); partner codes may not be.
  return JSON.parse((header['zip'] === 'DEF' ? inflateRawSync(bytes) : bytes).toString('utf8')) as Body;
}

export interface XinjiAndPartner {
  /** Xinji's gateway, listening on loopback: its issuer URL is that address. */
  xinji: TestGateway;
  xinjiBase: string;
  /** Xinji's issuer metadata as served, and the partner entry Hengshui built from it. */
  metadata: IssuerMetadata;
  registered: Partner;
  /** Another city's gateway (衡水) that registered Xinji from nothing but that metadata. */
  hengshui: TestGateway;
  close(): Promise<void>;
}

/**
 * Two gateways on one clock: Xinji listening on 127.0.0.1 (the issuer URL must be known before it
 * starts: it is the iss of every Xinji code), and Hengshui, which fetches Xinji's metadata over
 * HTTP, as an operator of another city would, and registers Xinji with partnerFromIssuerMetadata.
 */
export async function xinjiAndPartnerGateway(): Promise<XinjiAndPartner> {
  const port = await freePort();
  const xinjiBase = `http://127.0.0.1:${port}`;
  const xinji = await gatewayWith([], {
    overrides: { port, host: '127.0.0.1', issuer: { url: xinjiBase, id: 'xinji', name: '辛集市', region: '130181', signingAlg: 'ES256' } },
  });
  await xinji.listen();
  const metadata = (await (await fetch(`${xinjiBase}/.well-known/health-code-issuer`)).json()) as IssuerMetadata;
  const registered = partnerFromIssuerMetadata(metadata);
  const hengshui = await gatewayWith([registered], {
    clock: xinji.clock,
    overrides: { issuer: { url: 'https://jkm.hengshui.example', id: 'hengshui', name: '衡水市', region: '131100', signingAlg: 'ES256' } },
  });
  return {
    xinji, xinjiBase, metadata, registered, hengshui,
    async close() {
      await hengshui.close();
      await xinji.close();
    },
  };
}
