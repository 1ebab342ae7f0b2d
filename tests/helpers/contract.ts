import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { fromRoot } from '../../gateway/paths.js';
import { compileInline, schemaId, validator } from '../../gateway/schemas/registry.js';
import { ERROR_CATALOGUE, isErrorCode } from '../../gateway/errors/catalogue.js';

/**
 * The contract recorder: every response a test gateway sends (through supertest or a real
 * listening socket) is checked against openapi.yaml — the route and method are documented, the
 * status is documented for that operation, the content type is one it documents, and a JSON body
 * validates against the referenced schema of schemas/ (the same ajv instance as the gateway).
 * Error bodies carry a catalogue code whose status is the HTTP status. Requests no route matched
 * must answer the documented 404 ERR_NOT_FOUND.
 *
 * Violations are collected here; tests/helpers/test-gateway.ts fails the test that produced them.
 */

type Node = Record<string, unknown>;
interface MediaType { schema?: Node }
interface ResponseObject { description?: string; content?: Record<string, MediaType>; headers?: Record<string, { schema?: Node }>; $ref?: string }
interface Operation { responses: Record<string, ResponseObject>; requestBody?: { content?: Record<string, MediaType> } }

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, ResponseObject> };
}

export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

let spec: OpenApiDocument | undefined;
export function openApiDocument(): OpenApiDocument {
  spec ??= parse(readFileSync(fromRoot('openapi.yaml'), 'utf8')) as OpenApiDocument;
  return spec;
}

const violations: string[] = [];

/** Violations recorded since the last call (and forgets them). */
export function takeViolations(): string[] {
  return violations.splice(0, violations.length);
}

function resolveResponse(response: ResponseObject): ResponseObject {
  if (!response.$ref) return response;
  const name = response.$ref.replace('#/components/responses/', '');
  const target = openApiDocument().components.responses[name];
  if (!target) throw new Error(`openapi.yaml: no response ${response.$ref}`);
  return target;
}

/** `./schemas/x.schema.json` becomes the `$id` of that file, recursively, so inline schemas share the instance. */
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('./schemas/') ? fileId(value) : rewriteRefs(value),
    ]),
  );
}

function fileId(ref: string): string {
  return schemaId(ref.replace('./schemas/', '').replace('.schema.json', ''));
}

const compiled = new Map<object, ValidateFunction>();
function schemaValidator(schema: Node): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    const ref = schema['$ref'];
    validate =
      typeof ref === 'string' && Object.keys(schema).length === 1 && ref.startsWith('./schemas/')
        ? validator(ref.replace('./schemas/', '').replace('.schema.json', ''))
        : compileInline(rewriteRefs(schema) as object);
    compiled.set(schema, validate);
  }
  return validate;
}

/** `:subjectId` (express) becomes `{subjectId}` (OpenAPI). */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_]+)/g, '{$1}');
}

/** The documented path template a raw URL and method fall under, as express would match them (case-insensitive, optional trailing slash). */
function documentedTemplate(url: string, method: string): string | undefined {
  const path = url.split('?')[0] ?? '';
  const m = method === 'HEAD' ? 'get' : method.toLowerCase();
  return Object.keys(openApiDocument().paths).find((template) => {
    if (!openApiDocument().paths[template]?.[m]) return false;
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
    return new RegExp(`^${pattern}/?$`, 'i').test(path);
  });
}

export interface RecordedResponse {
  method: string;
  /** The express route pattern, or undefined when no route matched. */
  route: string | undefined;
  url: string;
  status: number;
  contentType: string | undefined;
  body: Buffer;
  /** Response headers (lower-case names), checked against the documented ones. */
  headers?: Record<string, string>;
  /** The parsed request body (req.body), checked when the operation accepted it. */
  requestBody?: unknown;
}

/**
 * The error codes a response's description names: `ERR_X` exactly, `ERR_X_*` as a prefix. An
 * error response documents which codes it carries; a code it does not name breaks the contract.
 */
function documentsCode(description: string, code: string): boolean {
  const names = description.match(/ERR_[A-Z0-9_]*\*?/g) ?? [];
  return names.some((name) => (name.endsWith('*') ? code.startsWith(name.slice(0, -1)) : code === name));
}

/** The problems of one response, empty when it keeps the contract. */
export function checkResponse(r: RecordedResponse): string[] {
  const where = `${r.method} ${r.route ? openApiPath(r.route) : `${r.url.slice(0, 120)} (no route)`} → ${r.status}`;
  const problems: string[] = [];
  const media = r.contentType?.split(';')[0]?.trim().toLowerCase();
  let response: ResponseObject | undefined;
  let operation: Operation | undefined;
  // A request no route handler answered may still belong to a documented operation (a middleware
  // in front of the routes answered, or the router could not decode a parameter): that
  // operation's responses apply. Otherwise the one documented answer is 404 ERR_NOT_FOUND.
  const template = r.route === undefined ? documentedTemplate(r.url, r.method) : openApiPath(r.route);
  if (template === undefined) {
    if (r.status !== 404) problems.push(`${where}: a request no route matched must answer 404`);
    response = openApiDocument().components.responses['NotFound'];
  } else {
    const item = openApiDocument().paths[template];
    const method = r.method === 'HEAD' ? 'get' : r.method.toLowerCase();
    operation = item?.[method];
    if (!operation) return [`${where}: route and method not documented in openapi.yaml`];
    const documented = operation.responses[String(r.status)];
    if (!documented) return [`${where}: status not documented (documented: ${Object.keys(operation.responses).join(', ')})`];
    response = resolveResponse(documented);
  }
  if (!response) return problems;
  // The gateway accepted the request: the contract must say that request was valid.
  const requestSchema = operation?.requestBody?.content?.['application/json']?.schema;
  if (requestSchema && r.status < 300 && r.requestBody !== undefined) {
    const validate = schemaValidator(requestSchema);
    if (!validate(r.requestBody)) problems.push(`${where}: accepted a request body its schema refuses: ${JSON.stringify(validate.errors?.slice(0, 2))}`);
  }
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const value = r.headers?.[name.toLowerCase()];
    // Header values are text; a header documented as a number is checked as the number it spells.
    const numeric = ['integer', 'number'].includes(String((header.schema as { type?: unknown } | undefined)?.type)) && value !== undefined && /^-?\d+(\.\d+)?$/.test(value);
    if (value !== undefined && header.schema && !schemaValidator(header.schema)(numeric ? Number(value) : value)) problems.push(`${where}: header ${name}: ${value} is not as documented`);
  }
  const content = response.content ?? {};
  if (r.method === 'HEAD' || (r.body.length === 0 && Object.keys(content).length === 0)) return problems;
  if (!media) return [...problems, `${where}: no content-type`];
  const mediaType = content[media];
  if (!mediaType) return [...problems, `${where}: content-type ${media} not documented (documented: ${Object.keys(content).join(', ') || 'none'})`];
  if (media !== 'application/json') return problems;
  let body: unknown;
  try {
    body = JSON.parse(r.body.toString('utf8'));
  } catch {
    return [...problems, `${where}: body is not JSON`];
  }
  if (mediaType.schema) {
    const validate = schemaValidator(mediaType.schema);
    if (!validate(body)) problems.push(`${where}: body does not match its schema: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
  }
  // Error bodies carry a catalogue code; other 4xx/5xx bodies (/readyz's 503) only their schema.
  const errorBody = typeof body === 'object' && body !== null && 'error' in body;
  if (r.status >= 400 && (errorBody || /error\.schema\.json$/.test(String((mediaType.schema as { $ref?: unknown } | undefined)?.$ref)))) {
    const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
    if (!isErrorCode(code)) problems.push(`${where}: error code ${String(code)} is not in the catalogue`);
    // A 5xx says ERR_INTERNAL, or a code the catalogue gives that very status (503 ERR_OVERLOADED).
    else if (r.status >= 500 ? code !== 'ERR_INTERNAL' && ERROR_CATALOGUE[code].status !== r.status : ERROR_CATALOGUE[code].status !== r.status) {
      problems.push(`${where}: ${code} belongs to status ${ERROR_CATALOGUE[code].status}`);
    } else if (!documentsCode(response.description ?? '', code)) {
      problems.push(`${where}: ${code} is not among the codes this response documents (${response.description ?? 'no description'})`);
    }
  }
  return problems;
}

const MAX_RECORDED_BYTES = 4 * 1024 * 1024;

type RoutedRequest = IncomingMessage & { route?: { path: unknown; methods: Record<string, boolean> } };

/**
 * The route that answered, if any. Express's router lets a HEAD request into a route of any
 * method and leaves `req.route` set when that route had no handler for it: that request was not
 * routed.
 */
function handledRoute(req: RoutedRequest): string | undefined {
  if (!req.route) return undefined;
  const method = (req.method ?? '').toLowerCase();
  const handles = req.route.methods[method] === true || (method === 'head' && req.route.methods['get'] === true);
  return handles ? String(req.route.path) : undefined;
}

function capture(req: RoutedRequest, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const keep = (chunk: unknown, encoding: unknown): void => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function' || size > MAX_RECORDED_BYTES) return;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    size += buf.length;
    chunks.push(buf);
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    return end(chunk, ...rest);
  }) as ServerResponse['end'];
  res.once('finish', () => {
    const contentType = res.getHeader('content-type');
    const recorded: RecordedResponse = {
      method: req.method ?? 'GET',
      route: handledRoute(req),
      url: req.url ?? '',
      status: res.statusCode,
      contentType: contentType === undefined ? undefined : String(contentType),
      body: Buffer.concat(chunks),
      headers: Object.fromEntries(Object.entries(res.getHeaders()).map(([k, v]) => [k, String(v)])),
      requestBody: (req as { body?: unknown }).body,
    };
    try {
      violations.push(...checkResponse(recorded));
    } catch (error) {
      // A broken openapi.yaml (e.g. a schema ajv refuses) is a violation too, not a crash of the socket.
      violations.push(`${recorded.method} ${recorded.url.slice(0, 120)}: cannot check: ${(error as Error).message}`);
    }
  });
}

/**
 * Installs the recorder in front of the app: express calls `app.handle` for every request, from
 * supertest and from `app.listen` alike, so one wrapper sees all of them.
 */
export function recordContract(app: Express): void {
  const target = app as unknown as { handle: (req: IncomingMessage, res: ServerResponse, next?: unknown) => void };
  const handle = target.handle.bind(app);
  target.handle = (req, res, next) => {
    capture(req, res);
    handle(req, res, next);
  };
}
