import { readFileSync, readdirSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fromRoot } from '../paths.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { ErrorCode } from '../errors/catalogue.js';
import { errorField } from './error-field.js';

export { errorField };

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export const SCHEMA_BASE = 'https://gateway.xinji.example/schemas/';

/**
 * The one ajv instance of the process. It loads every file of schemas/ once, on first use (never
 * at import), so every validation, the generated types and openapi.yaml share the same `$id`s.
 *
 * `allErrors` stays off: with hostile input, collecting every error costs time for nothing; the
 * first error names the field.
 */
let ajv: Ajv | undefined;
/** Each file of schemas/ as parsed, by file name (ajv does not modify the schemas it is given). */
const documents = new Map<string, Readonly<Record<string, unknown>>>();

function instance(): Ajv {
  if (ajv) return ajv;
  const created = new Ajv({ strict: true, allErrors: false, useDefaults: false, allowUnionTypes: true });
  addFormats(created);
  const dir = fromRoot('schemas');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort()) {
    const schema = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as Record<string, unknown>;
    documents.set(file, schema);
    created.addSchema(schema);
  }
  ajv = created;
  return created;
}

/** schemas/<file> as read once with the others (schemas/published.ts serves it); never modify it. */
export function schemaDocument(file: string): Readonly<Record<string, unknown>> {
  instance();
  const schema = documents.get(file);
  if (!schema) throw new Error(`no schema file schemas/${file}`);
  return schema;
}

export function schemaId(name: string): string {
  return `${SCHEMA_BASE}${name}.schema.json`;
}

/**
 * Compiled validators by schema name: ajv's getSchema normalises and resolves the `$id` on every
 * call, which costs more than validating a small object (it is on every verification's path).
 */
const compiled = new Map<string, ValidateFunction>();

/** The compiled validator of schemas/<name>.schema.json. */
export function validator<T>(name: string): ValidateFunction<T> {
  const known = compiled.get(name);
  if (known) return known as ValidateFunction<T>;
  const validate = instance().getSchema<T>(schemaId(name));
  if (!validate) throw new Error(`no schema ${name}`);
  compiled.set(name, validate);
  return validate;
}

/**
 * A validator for a schema that is not a file of schemas/ (inline schemas of openapi.yaml, for the
 * contract test), compiled by the same instance so its `$ref`s reach the files' `$id`s.
 */
export function compileInline<T>(schema: object): ValidateFunction<T> {
  return instance().compile<T>(schema);
}

/** Every loaded schema, by `$id` (for tests and docs). */
export function loadedSchemaIds(): string[] {
  return Object.keys(instance().schemas).filter((id) => id.startsWith(SCHEMA_BASE));
}


/** A message a person understands, built only from the schema and the path, never the value. */
export function errorMessage(error: ErrorObject, field: string): string {
  const where = field || 'the body';
  switch (error.keyword) {
    case 'required':
      return `${where} is required.`;
    case 'additionalProperties':
      return `${where} is not a known field.`;
    case 'enum':
      return `${where} must be one of: ${(error.params['allowedValues'] as unknown[]).join(', ')}.`;
    case 'type':
      return `${where} must be of type ${String(error.params['type'])}.`;
    default:
      return `${where} ${error.message ?? 'is invalid'}.`;
  }
}

/**
 * Validates `value` against schemas/<name>.schema.json and returns it typed, or throws a
 * GatewayError naming the first field at fault.
 */
export function assertValid<T>(name: string, value: unknown, code: ErrorCode = 'ERR_VALIDATION'): T {
  const validate = validator<T>(name);
  if (validate(value)) return value;
  const first = validate.errors?.[0];
  if (!first) throw new GatewayError(code);
  const field = errorField(first);
  throw new GatewayError(code, errorMessage(first, field), field ? { field } : {});
}
