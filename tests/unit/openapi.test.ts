import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fromRoot } from '../../gateway/paths.js';
import request from 'supertest';
import { createTestGateway, type TestGateway } from '../helpers/test-gateway.js';
import { checkResponse, type RecordedResponse } from '../helpers/contract.js';
import { compileInline } from '../../gateway/schemas/registry.js';
import { ERROR_CATALOGUE } from '../../gateway/errors/catalogue.js';

/**
 * openapi.yaml is the contract: every route the app serves is in it with the same method, every
 * path in it is served, and every schema it references is a file of schemas/ (the single source).
 */
interface OpenApi {
  paths: Record<string, Record<string, unknown>>;
}

const spec = parse(readFileSync(fromRoot('openapi.yaml'), 'utf8')) as OpenApi;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function documented(): string[] {
  return Object.entries(spec.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

/**
 * Express 5 keeps routes on app.router.stack; `:param` becomes `{param}` as in OpenAPI. A mounted
 * router (`app.use(path, router)`) would hide its routes from this list, so there must be none.
 */
function served(gw: TestGateway): string[] {
  const stack = (gw.app as unknown as { router: { stack: Array<{ name?: string; handle?: { stack?: unknown }; route?: { path: string; methods: Record<string, boolean> } }> } }).router.stack;
  const mounted = stack.filter((layer) => !layer.route && Array.isArray(layer.handle?.stack)).map((layer) => layer.name);
  expect({ mountedRouters: mounted }).toEqual({ mountedRouters: [] });
  return stack
    .filter((layer) => layer.route)
    .flatMap((layer) =>
      Object.keys(layer.route!.methods).map((m) => `${m.toUpperCase()} ${layer.route!.path.replace(/:([A-Za-z]+)/g, '{$1}')}`),
    )
    .sort();
}

function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else refs(value, out);
    }
  }
  return out;
}

describe('openapi.yaml', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await createTestGateway();
  });
  afterAll(async () => {
    await gw.close();
  });

  test('documents exactly the routes the gateway serves, with their methods', () => {
    expect(documented()).toEqual(served(gw));
  });

  test('is an OpenAPI 3.1 document', () => {
    expect((spec as unknown as { openapi: string }).openapi).toMatch(/^3\.1\.\d+$/);
  });

  // What OpenAPI 3.1 requires of the parts this document uses (§4.8): a description on every
  // response, unique operationIds, each path template parameter declared as a path parameter.
  test('keeps the OpenAPI 3.1 rules for responses, operationIds and path parameters', () => {
    const doc = spec as unknown as {
      paths: Record<string, Record<string, { operationId?: string; parameters?: Array<{ $ref?: string; name?: string; in?: string }>; responses?: Record<string, { $ref?: string; description?: string }> }>>;
      components: { parameters: Record<string, { name: string; in: string }> };
    };
    const problems: string[] = [];
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (!op.operationId || ids.has(op.operationId)) problems.push(`${where}: missing or repeated operationId`);
        ids.add(op.operationId ?? '');
        if (!op.responses || Object.keys(op.responses).length === 0) problems.push(`${where}: no responses`);
        for (const [status, response] of Object.entries(op.responses ?? {})) {
          if (!/^[1-5](\d\d|XX)$/.test(status)) problems.push(`${where}: status ${status}`);
          if (!response.$ref && !response.description) problems.push(`${where} ${status}: no description`);
        }
        const params = (op.parameters ?? []).map((p) => (p.$ref ? doc.components.parameters[p.$ref.split('/').pop()!]! : p));
        const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        for (const name of templated) if (!params.some((p) => p.in === 'path' && p.name === name)) problems.push(`${where}: path parameter ${name} not declared`);
        for (const p of params) if (p.in === 'path' && !templated.includes(p.name)) problems.push(`${where}: path parameter ${p.name} not in the path`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('is served at GET /openapi.yaml as YAML: the file of the repository, its servers naming ISSUER_URL', async () => {
    const res = await request(gw.app).get('/openapi.yaml').buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/yaml; charset=utf-8');
    const served = parse((res.body as Buffer).toString('utf8')) as Record<string, unknown>;
    const file = parse(readFileSync(fromRoot('openapi.yaml'), 'utf8')) as Record<string, unknown>;
    expect(served).toEqual({ ...file, servers: [{ url: gw.config.issuer.url.replace(/\/+$/, '') }] });
  });

  // A description with a comma inside a YAML flow mapping once became a bogus schema keyword.
  test('has only inline schemas the gateway\'s ajv compiles in strict mode', () => {
    const inline: object[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'schema' && value && typeof value === 'object' && !('$ref' in value)) inline.push(value);
        else walk(value);
      }
    };
    walk(spec.paths);
    expect(inline.length).toBeGreaterThan(3);
    for (const schema of inline) expect(() => compileInline(schema)).not.toThrow();
  });

  // The contract recorder accepts an error code only if its response's description names it.
  test('names, in each 4xx response, the catalogue codes it carries, with their own status', () => {
    const components = (spec as unknown as { components: { responses: Record<string, { description: string }> } }).components.responses;
    const problems: string[] = [];
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries((op as { responses: Record<string, { $ref?: string; description?: string }> }).responses)) {
          if (!status.startsWith('4')) continue;
          const description = response.$ref ? components[response.$ref.split('/').pop()!]!.description : (response.description ?? '');
          const names = description.match(/ERR_[A-Z0-9_]*\*?/g) ?? [];
          const codes = Object.entries(ERROR_CATALOGUE).filter(([code]) => names.some((n) => (n.endsWith('*') ? code.startsWith(n.slice(0, -1)) : code === n)));
          if (codes.length === 0) problems.push(`${method.toUpperCase()} ${path} ${status}: names no catalogue code`);
          for (const name of names) {
            if (!codes.some(([code]) => (name.endsWith('*') ? code.startsWith(name.slice(0, -1)) : code === name))) problems.push(`${method.toUpperCase()} ${path} ${status}: ${name} is not in the catalogue`);
          }
          for (const [code, entry] of codes) if (String(entry.status) !== status) problems.push(`${method.toUpperCase()} ${path} ${status}: ${code} has status ${entry.status}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('documents 413 and 415 for every operation with a JSON request body', () => {
    const missing = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => (op as { requestBody?: unknown }).requestBody !== undefined)
        .filter(([, op]) => !['413', '415'].every((s) => s in (op as { responses: object }).responses))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(missing).toEqual([]);
  });

  test('references only schema files that exist in schemas/ and components it defines', () => {
    const all = refs(spec);
    expect(all.length).toBeGreaterThan(20);
    for (const ref of all) {
      if (ref.startsWith('#/')) {
        const target = ref.slice(2).split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], spec);
        expect({ ref, found: target !== undefined }).toEqual({ ref, found: true });
      } else {
        const file = ref.replace(/^\.\//, '').split('#')[0]!;
        expect({ ref, exists: existsSync(join(fromRoot(), file)) }).toEqual({ ref, exists: true });
        expect(file.startsWith('schemas/')).toBe(true);
      }
    }
  });
});

describe('the contract recorder every test gateway carries', () => {
  const ok: RecordedResponse = {
    method: 'GET',
    route: '/healthz',
    url: '/healthz',
    status: 200,
    contentType: 'application/json; charset=utf-8',
    body: Buffer.from('{"status":"ok"}'),
  };
  const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

  test('accepts a response that keeps the contract', () => {
    expect(checkResponse(ok)).toEqual([]);
  });

  test('flags a route the document does not list', () => {
    expect(checkResponse({ ...ok, route: '/v1/secret' })).toEqual([expect.stringContaining('not documented')]);
  });

  test('flags a status the operation does not document', () => {
    expect(checkResponse({ ...ok, status: 418 })).toEqual([expect.stringContaining('status not documented')]);
  });

  test('flags a content type the operation does not document', () => {
    expect(checkResponse({ ...ok, contentType: 'text/html' })).toEqual([expect.stringContaining('content-type text/html')]);
  });

  test('flags a body that does not match the referenced schema', () => {
    expect(checkResponse({ ...ok, body: json({ status: 'ok', extra: 1 }) })).toEqual([expect.stringContaining('does not match')]);
    const verify = { ...ok, method: 'POST', route: '/v1/verify', url: '/v1/verify' };
    expect(checkResponse({ ...verify, body: json({ valid: 'yes' }) })).toEqual([expect.stringContaining('does not match')]);
  });

  test('flags an error code outside the catalogue or with another status than its own', () => {
    const declare = { ...ok, method: 'POST', route: '/v1/declarations', url: '/v1/declarations' };
    const error = (code: string): Buffer => json({ error: { code, message: 'x' } });
    expect(checkResponse({ ...declare, status: 400, body: error('ERR_VALIDATION') })).toEqual([]);
    expect(checkResponse({ ...declare, status: 400, body: error('ERR_MADE_UP') })).toEqual([expect.stringContaining('not in the catalogue')]);
    expect(checkResponse({ ...declare, status: 409, body: error('ERR_VALIDATION') })).toEqual([expect.stringContaining('belongs to status 400')]);
  });

  test('flags a documented response header with a value the document does not allow', () => {
    const png = { ...ok, route: '/v1/subjects/:subjectId/code', url: '/v1/subjects/x/code', contentType: 'image/png', body: Buffer.from([0x89]) };
    expect(checkResponse({ ...png, headers: { 'cache-control': 'no-store', 'x-health-code-color': 'green' } })).toEqual([]);
    expect(checkResponse({ ...png, headers: { 'cache-control': 'public, max-age=60' } })).toEqual([expect.stringContaining('header cache-control')]);
    expect(checkResponse({ ...png, headers: { 'x-health-code-color': 'blue' } })).toEqual([expect.stringContaining('header x-health-code-color')]);
  });

  test('flags a request body the gateway accepted although its schema refuses it', () => {
    const verify = { ...ok, method: 'POST', route: '/v1/verify', url: '/v1/verify', body: json({ valid: false, error: { code: 'ERR_CODE_MALFORMED', message: 'x' } }) };
    expect(checkResponse({ ...verify, requestBody: { code: 'x' } })).toEqual([]);
    expect(checkResponse({ ...verify, requestBody: { code: 'x', extra: true } })).toEqual([expect.stringContaining('accepted a request body')]);
  });

  test('requires 404 ERR_NOT_FOUND for a request no route matched', () => {
    const unmatched = { ...ok, route: undefined, url: '/nowhere', status: 404, body: json({ error: { code: 'ERR_NOT_FOUND', message: 'x' } }) };
    expect(checkResponse(unmatched)).toEqual([]);
    expect(checkResponse({ ...unmatched, status: 200 })).toEqual([expect.stringContaining('must answer 404')]);
    expect(checkResponse({ ...unmatched, method: 'DELETE', url: '/v1/verify', status: 429 })).toEqual(expect.arrayContaining([expect.stringContaining('must answer 404')]));
  });

  test('holds an answer given before routing (a middleware, an undecodable parameter) to the operation its path and method name', () => {
    const early = { ...ok, route: undefined, url: '/v1/subjects/%ZZ/code?format=png', body: json({ error: { code: 'ERR_NOT_FOUND', message: 'x' } }) };
    expect(checkResponse({ ...early, status: 404 })).toEqual([]);
    expect(checkResponse({ ...early, status: 409 })).toEqual([expect.stringContaining('status not documented')]);
    expect(checkResponse({ ...early, method: 'HEAD', url: '/V1/DECLARATIONS/', status: 404 })).toEqual([]);
  });
});
