import { randomBytes, randomUUID } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { compactVerify, type CompactVerifyGetKey } from 'jose';
import pg from 'pg';
import request from 'supertest';
import { XINJI_CLAIM_POINTERS } from '../../gateway/issuer/code-layouts.js';
import { claimPointersFor } from '../../gateway/verify/claim-layout.js';
import { resolvePointer } from '../../gateway/verify/json-pointer.js';
import { createTestGateway, RISK_FEED_TOKEN, type TestGateway } from '../helpers/test-gateway.js';
import { decodeStatusListClaim, getStatus } from '../../gateway/verify/token-status-list.js';

/** Shortcuts over the issuer's HTTP API; every call goes through gateway.app with supertest. */

export type Body = Record<string, unknown>;

export function declare(gw: TestGateway, body: unknown, token?: string): request.Test {
  const req = request(gw.app).post('/v1/declarations');
  if (token !== undefined) req.set('authorization', `Bearer ${token}`);
  return req.send(body as object);
}

export function modify(gw: TestGateway, subjectId: string, body: unknown, token?: string): request.Test {
  const req = request(gw.app).put(`/v1/subjects/${encodeURIComponent(subjectId)}/declaration`);
  if (token !== undefined) req.set('authorization', `Bearer ${token}`);
  return req.send(body as object);
}

export function getCode(gw: TestGateway, subjectId: string, token?: string, format?: string): request.Test {
  const req = request(gw.app).get(`/v1/subjects/${encodeURIComponent(subjectId)}/code${format ? `?format=${format}` : ''}`);
  if (token !== undefined) req.set('authorization', `Bearer ${token}`);
  return req;
}

/** A call of the person's own consent routes (proxy requests and proxies), with a bearer token. */
export function asOwner(gw: TestGateway, method: 'get' | 'post' | 'delete', path: string, token?: string): request.Test {
  const req = request(gw.app)[method](path);
  if (token !== undefined) req.set('authorization', `Bearer ${token}`);
  return req;
}

export function approve(gw: TestGateway, subjectId: string, requestId: string, token?: string): request.Test {
  return asOwner(gw, 'post', `/v1/subjects/${encodeURIComponent(subjectId)}/proxy-requests/${encodeURIComponent(requestId)}/approve`, token);
}

export async function verify(gw: TestGateway, code: string): Promise<Body> {
  const res = await request(gw.app).post('/v1/verify').send({ code });
  expect(res.status).toBe(200);
  return res.body as Body;
}

export async function jwks(gw: TestGateway): Promise<{ keys: Array<Record<string, unknown>> }> {
  const res = await request(gw.app).get('/.well-known/jwks.json');
  expect(res.status).toBe(200);
  return res.body as { keys: Array<Record<string, unknown>> };
}

export type PersonEventType = 'confirmed_case' | 'close_contact' | 'false_report' | 'clearance';

/** A person event about the applicant of `declaration`, happening now on the gateway's clock. */
export function personEvent(gw: TestGateway, type: PersonEventType, declaration: Body, id: string = randomUUID()): Body {
  const applicant = declaration['applicant'] as { document: unknown };
  return { id, type, document: applicant.document, occurredAt: new Date(gw.clock.ms).toISOString() };
}

export function regionListEvent(gw: TestGateway, regions: string[], id: string = randomUUID()): Body {
  return { id, type: 'high_risk_regions', regions, occurredAt: new Date(gw.clock.ms).toISOString() };
}

export function postEvents(gw: TestGateway, events: Body[], token: string | null = RISK_FEED_TOKEN): request.Test {
  const req = request(gw.app).post('/v1/risk-events');
  if (token !== null) req.set('authorization', `Bearer ${token}`);
  return req.send({ events });
}

function decodePart(part: string | undefined): Body {
  return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Body;
}

export function headerOf(jws: string): Body {
  return decodePart(jws.split('.')[0]);
}

/** The payload bytes as anyone holding the code reads them: inflated when the header says zip "DEF". */
function payloadBytes(jws: string): Buffer {
  const bytes = Buffer.from(jws.split('.')[1] ?? '', 'base64url');
  return headerOf(jws)['zip'] === 'DEF' ? inflateRawSync(bytes) : bytes;
}

export function payloadOf(jws: string): Body {
  return JSON.parse(payloadBytes(jws).toString('utf8')) as Body;
}

/**
 * The facts of a Xinji code (or pass), read as a partner reads them: with the claim pointers the
 * issuer metadata publishes for the code's layout (hc.v; claim_layouts), so one test reads layouts
 * 1, 2 and 3 alike.
 */
export function factsOf(jws: string): { layout: unknown; color: unknown; name: unknown; doc: unknown; docType: unknown; bind: unknown } {
  const payload = payloadOf(jws);
  const pointers = claimPointersFor(XINJI_CLAIM_POINTERS, payload);
  const at = (pointer: string | undefined): unknown => (pointer === undefined ? undefined : resolvePointer(payload, pointer));
  return {
    layout: at(XINJI_CLAIM_POINTERS.claimLayouts!.pointer),
    color: at(pointers.color),
    name: at(pointers.nameMasked),
    doc: at(pointers.documentMasked),
    docType: at(pointers.documentType),
    bind: at(pointers.binding),
  };
}

/** The raw payload JSON text, as anyone holding the code can read it. */
export function rawPayload(jws: string): string {
  return payloadBytes(jws).toString('utf8');
}

/**
 * What a partner's plain JOSE stack does with a Xinji code (docs/credential.md, "Verifying with
 * jose"): jose checks the signature (compactVerify), the payload is inflated when the header says
 * zip "DEF" (RFC 1951 raw DEFLATE, as SMART Health Cards), then read as JSON claims.
 */
export async function verifyWithJose(jws: string, keys: CompactVerifyGetKey, options: { algorithms?: string[] } = {}): Promise<{ payload: Body; protectedHeader: Body }> {
  const { payload, protectedHeader } = await compactVerify(jws, keys, options);
  const bytes = protectedHeader.zip === 'DEF' ? inflateRawSync(payload) : Buffer.from(payload);
  return { payload: JSON.parse(bytes.toString('utf8')) as Body, protectedHeader: protectedHeader as Body };
}

export function jwsOf(res: { body: unknown }): string {
  return ((res.body as Body)['credential'] as { jws: string }).jws;
}

/** supertest parser that keeps any body as raw bytes (images). */
export function binaryParser(response: request.Response, callback: (err: Error | null, body: Buffer) => void): void {
  // superagent hands parsers the raw IncomingMessage, typed as its Response.
  const res = response as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
  res.on('error', (err: Error) => callback(err, Buffer.alloc(0)));
}

/** Declares `body` and expects a 201; returns subjectId, holderToken and the code. */
export async function declared(gw: TestGateway, body: Body, token?: string): Promise<{ subjectId: string; holderToken: string; jws: string; color: string }> {
  const res = await declare(gw, body, token);
  expect(res.status).toBe(201);
  return { subjectId: res.body.subjectId, holderToken: res.body.holderToken, jws: jwsOf(res), color: res.body.color };
}

/** Whether TEST_DATABASE_URL names a PostgreSQL server for the tests that need one. */
export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'];

export function warnPostgresSkipped(what: string): void {
  if (!TEST_DATABASE_URL) console.warn(`TEST_DATABASE_URL is not set: ${what} against PostgreSQL are SKIPPED (e.g. postgres://postgres@127.0.0.1:5432/test)`);
}

/**
 * A test gateway on SQLite, or on PostgreSQL in a schema of its own that is dropped on close
 * (the harness would leave its random schema behind).
 */
async function storeGateway(kind: 'sqlite' | 'postgres'): Promise<TestGateway> {
  if (kind === 'sqlite') return createTestGateway();
  const schema = `iss_${randomBytes(6).toString('hex')}`;
  const gw = await createTestGateway({ postgres: true, pgSchema: schema });
  const close = gw.close;
  return {
    ...gw,
    async close() {
      await close();
      const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

/**
 * The store gateway of the enclosing describe, on `kind`: a fresh one per test (`each`) or one
 * shared by its tests (`all`), closed after. Handed over through `set`, as it exists only once
 * the hook ran.
 */
export function useStoreGateway(kind: 'sqlite' | 'postgres', scope: 'each' | 'all', set: (gw: TestGateway) => void): void {
  const [before, after] = scope === 'each' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  let gw: TestGateway | undefined;
  before(async () => {
    gw = await storeGateway(kind);
    set(gw);
  });
  after(async () => {
    await gw?.close();
  });
}

/** The bit of GET /sl/1 (Xinji's IETF Token Status List, issue 18) at the index a code or pass names. */
export async function tokenStatusOf(gw: TestGateway, jws: string): Promise<number> {
  const { status_list: ref } = payloadOf(jws)['status'] as { status_list: { idx: number; uri: string } };
  expect(ref.uri).toBe(`${gw.config.issuer.url}/sl/1`);
  const res = await request(gw.app).get('/sl/1').buffer(true).parse((r, done) => {
    let text = '';
    r.on('data', (c: Buffer) => (text += c.toString('utf8')));
    r.on('end', () => done(null, text));
  });
  expect(res.status).toBe(200);
  return getStatus(decodeStatusListClaim(payloadOf(res.body as string)['status_list']), ref.idx);
}
