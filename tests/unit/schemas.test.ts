import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { fromRoot } from '../../gateway/paths.js';
import { loadedSchemaIds, SCHEMA_BASE, validator } from '../../gateway/schemas/registry.js';

const run = promisify(execFile);
const FILES = readdirSync(fromRoot('schemas')).filter((f) => f.endsWith('.schema.json')).sort();
const schemaOf = (file: string): Record<string, unknown> => JSON.parse(readFileSync(fromRoot('schemas', file), 'utf8')) as Record<string, unknown>;

/**
 * The documented exception: a JWK in a partner's JWKS may carry members this gateway does not know
 * (RFC 7517 §4: they must be ignored); jwks.schema.json says so and forbids the private members
 * instead. Every other object schema that lists properties refuses unknown ones.
 */
const OPEN_OBJECTS = new Set(['jwks.schema.json#/properties/keys/items']);

/** JSON pointers of every object schema that declares `properties` but not additionalProperties: false. */
function openObjects(node: unknown, pointer: string, out: string[]): string[] {
  if (Array.isArray(node)) {
    node.forEach((child, i) => openObjects(child, `${pointer}/${i}`, out));
    return out;
  }
  if (!node || typeof node !== 'object') return out;
  const schema = node as Record<string, unknown>;
  if (schema['properties'] && typeof schema['properties'] === 'object' && schema['additionalProperties'] !== false) out.push(pointer);
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'enum' || key === 'const' || key === 'examples' || key === 'default') continue;
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [name, child] of Object.entries(value)) openObjects(child, `${pointer}/properties/${name}`, out);
    } else {
      openObjects(value, `${pointer}/${key}`, out);
    }
  }
  return out;
}

describe.each(FILES)('schemas/%s', (file) => {
  test('has the $id of its file name under the gateway schema base', () => {
    expect(schemaOf(file)['$id']).toBe(`${SCHEMA_BASE}${file}`);
  });

  test('refuses unknown members in every object schema that declares properties', () => {
    const open = openObjects(schemaOf(file), '#', []).map((p) => `${file}${p}`);
    expect(open.filter((p) => !OPEN_OBJECTS.has(p))).toEqual([]);
  });

  test('is loaded and compiled by the one ajv registry', () => {
    const id = schemaOf(file)['$id'] as string;
    expect(loadedSchemaIds()).toContain(id);
    expect(typeof validator(file.replace(/\.schema\.json$/, ''))).toBe('function');
  });
});

test('the documented exception really is the open JWK object, and it forbids private members', () => {
  const jwks = schemaOf('jwks.schema.json') as { properties: { keys: { items: { title: string; not: unknown } } } };
  expect(jwks.properties.keys.items.title).toBe('PublicJwk');
  const validate = validator('jwks');
  expect(validate({ keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', ext: true }] })).toBe(true);
  expect(validate({ keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'secret' }] })).toBe(false);
});

test('the generated TypeScript types are current (node scripts/gen-types.mjs --check exits 0)', async () => {
  await expect(run(process.execPath, [fromRoot('scripts', 'gen-types.mjs'), '--check'], { cwd: fromRoot(), timeout: 30_000 })).resolves.toBeDefined();
}, 40_000);
