import { createServer } from 'node:net';
import type { Server } from 'node:http';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fromRoot } from '../../gateway/paths.js';
import { parse } from 'yaml';
import { createTestGateway, exampleDeclaration, type TestGateway } from '../helpers/test-gateway.js';

/**
 * The contract as a partner gets it: fetched over a real socket from GET /openapi.yaml and checked
 * by an independent OpenAPI 3.1 parser (@apidevtools/swagger-parser, not the gateway's ajv), which
 * resolves every `$ref` over HTTP against the served URL. The issuer metadata's credential_schema
 * is fetched the same way and checks a normalised credential the gateway produced.
 */
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The parser refuses loopback URLs by default (an SSRF guard); this test serves on loopback. */
/** swagger-parser in a child process (tests/ops/openapi-validate.mjs says why); throws with its first problem. */
async function validateServed(url: string): Promise<{ openapi: string; fetched: string[]; resolved: unknown }> {
  const { stdout } = await promisify(execFile)(process.execPath, [fromRoot('tests', 'ops', 'openapi-validate.mjs'), url], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as { openapi: string; fetched: string[]; resolved: unknown };
}

/** A free loopback port; ISSUER_URL must name the port before the gateway starts. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

let gw: TestGateway;
let server: Server;
let base: string;

beforeAll(async () => {
  // Another process on a shared machine may take the port between the probe and the listen.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    gw = await createTestGateway({ overrides: { port, host: '127.0.0.1', issuer: { url: base, id: 'xinji', name: '辛集市', region: '130181', signingAlg: 'ES256' } } });
    try {
      server = await gw.listen();
      return;
    } catch (error) {
      await gw.close();
      if (attempt === 3) throw error;
    }
  }
});
afterAll(async () => {
  await gw?.close();
});

const get = async (path: string): Promise<Response> => fetch(`${base}${path}`);

describe('the served contract', () => {
  it('is a valid OpenAPI 3.1 document, every $ref resolved over HTTP from the served URL', async () => {
    // Fails with the first problem when the document is not valid OpenAPI 3.1.
    const { openapi, fetched, resolved } = await validateServed(`${base}/openapi.yaml`);
    expect(openapi).toBe('3.1.0');

    expect(JSON.stringify(resolved)).not.toContain('"$ref"');
    expect(fetched.some((ref) => ref.startsWith('./schemas/declaration.schema.json'))).toBe(true);
    const declare = (resolved as { paths: Record<string, { post: { requestBody: { content: Record<string, { schema: { properties: object } }> } } }> }).paths['/v1/declarations']!.post;
    expect(Object.keys(declare.requestBody.content['application/json']!.schema.properties)).toContain('applicant');
  }, 30_000);

  it('names ISSUER_URL as its server, and every schema URL it references answers 200', async () => {
    const text = await (await get('/openapi.yaml')).text();
    const doc = parse(text) as { servers: Array<{ url: string }> };
    expect(doc.servers).toEqual([{ url: base }]);
    const files = [...new Set([...text.matchAll(/\.\/schemas\/([a-z0-9-]+\.schema\.json)/g)].map((m) => m[1]!))];
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const res = await get(`/schemas/${file}`);
      expect({ file, status: res.status, type: res.headers.get('content-type') }).toEqual({ file, status: 200, type: 'application/schema+json; charset=utf-8' });
      expect(((await res.json()) as { $id: string }).$id).toBe(`${base}/schemas/${file}`);
    }
  });

  it('declares security: [] on every public operation, and a token scheme on the others', async () => {
    const doc = parse(await (await get('/openapi.yaml')).text()) as { paths: Record<string, Record<string, { operationId: string; security?: unknown[] }>> };
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    expect(operations.filter((op) => op.security === undefined).map((op) => op.operationId)).toEqual([]);
    const open = operations.filter((op) => op.security!.length === 0).map((op) => op.operationId).sort();
    expect(open).toEqual(['checkpointPage', 'finishSignIn', 'getCredentialStatus', 'getIssuerMetadata', 'getJwks', 'getSchema', 'getTokenStatusList', 'getTrustBundle', 'health', 'help', 'listPartners', 'metrics', 'openapi', 'pageAsset', 'passPage', 'ready', 'residentPage', 'startRecovery', 'startSignIn', 'verifyCode', 'verifyRecovery']);
  });

  it('serves the credential_schema of the issuer metadata, and a credential the gateway verified conforms to it', async () => {
    const metadata = (await (await get('/.well-known/health-code-issuer')).json()) as { credential_schema: string };
    expect(metadata.credential_schema).toBe(`${base}/schemas/normalized-credential.schema.json`);

    // A fresh ajv that knows no schema: every $ref is fetched from the gateway by its URL.
    const loaded: string[] = [];
    const ajv = new Ajv({
      strict: false,
      loadSchema: async (uri) => {
        loaded.push(uri);
        const res = await fetch(uri);
        if (res.status !== 200) throw new Error(`${uri} answered ${res.status}`);
        return (await res.json()) as object;
      },
    });
    addFormats(ajv);
    const check = await ajv.compileAsync(await ajv.opts.loadSchema!(metadata.credential_schema));
    expect(loaded.length).toBeGreaterThan(1);

    const declared = await fetch(`${base}/v1/declarations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(exampleDeclaration()) });
    expect(declared.status).toBe(201);
    const { jws } = ((await declared.json()) as { credential: { jws: string } }).credential;
    const verified = (await (await fetch(`${base}/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: jws }) })).json()) as { valid: boolean; credential: unknown };
    expect(verified.valid).toBe(true);
    expect(check(verified.credential) ? [] : check.errors).toEqual([]);
  });

  it('answers 404 ERR_NOT_FOUND for a schema that is not part of the contract', async () => {
    for (const file of ['config.schema.json', '..%2Fpackage.json', 'nope.schema.json']) {
      const res = await get(`/schemas/${file}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ERR_NOT_FOUND');
    }
  });
});
