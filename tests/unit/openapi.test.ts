import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fromRoot } from '../../gateway/paths.js';
import { createTestGateway, type TestGateway } from '../helpers/test-gateway.js';

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

/** Express 5 keeps routes on app.router.stack; `:param` becomes `{param}` as in OpenAPI. */
function served(gw: TestGateway): string[] {
  const stack = (gw.app as unknown as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } }).router.stack;
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
