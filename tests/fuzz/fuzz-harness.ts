import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import fc from 'fast-check';
import { ADMIN_TOKEN, personDeclaration, RISK_FEED_TOKEN, type TestGateway } from '../helpers/test-gateway.js';
import { openApiDocument, takeViolations } from '../helpers/contract.js';
import { isErrorCode } from '../../gateway/errors/catalogue.js';
import type { LoadedKey } from '../../gateway/issuer/keystore.js';

/**
 * Property-based fuzzing of the HTTP surface with fast-check, over a real loopback socket (so
 * odd methods, raw bytes and headers reach the gateway as a client would send them).
 *
 * Reproduce a failure with the seed fast-check prints: `FUZZ_SEED=<seed> npm test -- tests/fuzz`.
 * The default seed is fixed: the suite is deterministic like every other test.
 */
export const FUZZ_SEED = process.env['FUZZ_SEED'] === undefined ? 20261127 : Number(process.env['FUZZ_SEED']);

/** FUZZ_RUNS=<factor> multiplies the number of runs, for a longer campaign by hand (default 1). */
export const FUZZ_RUNS = process.env['FUZZ_RUNS'] === undefined ? 1 : Number(process.env['FUZZ_RUNS']);

/** Status counts per operation, printed with FUZZ_STATS=1 to see what the runs reached. */
export const stats = new Map<string, number>();
export const FUZZ_STATS = process.env['FUZZ_STATS'] === '1';

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface FuzzResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One documented operation with a request that it accepts. */
export interface Seed {
  operation: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
  /**
   * A fresh valid body for the n-th request (a new person, a new event id), so requests reach
   * issuance and event storage instead of stopping at "already registered" or "duplicate".
   */
  fresh?: (n: number) => unknown;
}

let requestCount = 0;
function bodyOf(seed: Seed): unknown {
  return seed.fresh ? seed.fresh(++requestCount) : seed.body;
}

export interface FuzzTarget {
  gw: TestGateway;
  server: Server;
  port: number;
  holder: { subjectId: string; holderToken: string; declaration: Record<string, unknown> };
  jws: string;
}

/** Sends one request; a request unanswered within 5 s is a hang and fails the property. */
export function send(port: number, r: FuzzRequest): Promise<FuzzResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    // Framing is explicit: node sends a GET body without Content-Length, and the server would read it as the next request.
    const headers = r.body ? { ...r.headers, 'content-length': String(r.body.length) } : r.headers;
    const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers, agent: false, timeout: 5000 }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`hang: ${r.method} ${r.path.slice(0, 80)} not answered within 5 s`)));
    // The gateway may answer (413, 415) before reading a large body and close: not a failure.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(r.body);
  });
}

/**
 * What every answer must be: below 500; an error carries a catalogue code; and the contract
 * recorder (tests/helpers/contract.ts) found the status, content type and body documented.
 */
export async function expectWellFormed(r: FuzzRequest, res: FuzzResponse): Promise<void> {
  // The recorder checks on the server's 'finish', which can trail the client's 'end' by a tick.
  await new Promise((resolve) => setImmediate(resolve));
  const what = `${r.method} ${r.path.slice(0, 100)} (content-type ${r.headers['content-type'] ?? 'none'}) → ${res.status}`;
  if (FUZZ_STATS) {
    let outcome = '';
    try {
      const b = JSON.parse(res.body.toString('utf8')) as { error?: { code?: string }; valid?: boolean; decision?: string; reasons?: string[] };
      outcome = [b.decision, b.valid === true ? 'valid' : undefined, b.error?.code, ...(b.reasons ?? [])].filter(Boolean).join(' ');
    } catch {
      outcome = '';
    }
    const key = `${(r as Partial<Mutated>).operation ?? ''} ${r.method} → ${res.status} ${outcome}`;
    stats.set(key, (stats.get(key) ?? 0) + 1);
  }
  const violations = takeViolations();
  if (violations.length > 0) throw new Error(`${what}: contract violated: ${violations.join('; ')}`);
  if (res.status >= 500 || res.status < 200) throw new Error(`${what}: server error ${res.body.toString('utf8').slice(0, 200)}`);
  // No personal data in any answer: codes and results carry masked forms only, errors name fields, never values.
  const text = res.body.toString('utf8');
  for (const secret of (r as Partial<Mutated>).secrets ?? []) {
    if (text.includes(secret) || text.includes(JSON.stringify(secret).slice(1, -1))) throw new Error(`${what}: the answer contains personal data of the request (${secret.length} chars)`);
  }
  if (res.status >= 400 && r.method !== 'HEAD') {
    let code: unknown;
    try {
      code = (JSON.parse(res.body.toString('utf8')) as { error?: { code?: unknown } }).error?.code;
    } catch {
      code = undefined;
    }
    if (!isErrorCode(code)) throw new Error(`${what}: no catalogue error code in ${res.body.toString('utf8').slice(0, 200)}`);
  }
}

export async function expectStillAnswering(port: number): Promise<void> {
  const res = await send(port, { method: 'GET', path: '/healthz', headers: {} });
  expect({ status: res.status, body: res.body.toString('utf8') }).toEqual({ status: 200, body: '{"status":"ok"}' });
  takeViolations().forEach((v) => {
    throw new Error(v);
  });
}

/** Every documented operation, as `METHOD /path`. */
export function documentedOperations(): string[] {
  const methods = ['get', 'put', 'post', 'delete', 'patch'];
  return Object.entries(openApiDocument().paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => methods.includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/**
 * A valid request for every documented operation. Operations without a body, parameters or
 * credentials need no entry (a new GET route is fuzzed as it is); the others must have one, or
 * the suite fails and says which.
 */
export function seeds(t: FuzzTarget): Seed[] {
  const { subjectId, holderToken, declaration } = t.holder;
  const document = (declaration['applicant'] as { document: unknown }).document;
  const known: Record<string, Omit<Seed, 'operation' | 'method'>> = {
    'POST /v1/declarations': { path: '/v1/declarations', headers: {}, body: personDeclaration(5000), fresh: (n) => personDeclaration(5000 + n) },
    'PUT /v1/subjects/{subjectId}/declaration': {
      path: `/v1/subjects/${subjectId}/declaration`,
      headers: { authorization: `Bearer ${holderToken}` },
      body: declaration,
    },
    'GET /v1/subjects/{subjectId}/code': { path: `/v1/subjects/${subjectId}/code?format=json`, headers: { authorization: `Bearer ${holderToken}` } },
    'POST /v1/risk-events': {
      path: '/v1/risk-events',
      headers: { authorization: `Bearer ${RISK_FEED_TOKEN}` },
      body: { events: [{ id: 'fuzz-0', type: 'clearance', document, occurredAt: new Date(t.gw.clock.ms).toISOString() }] },
      fresh: (n) => ({ events: [{ id: `fuzz-${n}`, type: 'clearance', document, occurredAt: new Date(t.gw.clock.ms).toISOString() }] }),
    },
    'POST /v1/verify': { path: '/v1/verify', headers: {}, body: { code: t.jws } },
    'POST /v1/checkpoint/scans': { path: '/v1/checkpoint/scans', headers: {}, body: { code: t.jws, temperatureC: 36.5, document } },
    'POST /v1/admin/partners/reload': { path: '/v1/admin/partners/reload', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
  };
  // A second way into an operation: a green holder declaring for someone else (代人申请).
  const proxied: Seed = {
    operation: 'POST /v1/declarations',
    method: 'POST',
    path: '/v1/declarations',
    headers: { authorization: `Bearer ${holderToken}` },
    body: personDeclaration(7000),
    fresh: (n) => personDeclaration(7000 + n),
  };
  return [proxied, ...documentedOperations().map((operation) => {
    const [method, path] = operation.split(' ') as [string, string];
    const seed = known[operation];
    if (seed) return { operation, method, ...seed };
    const op = openApiDocument().paths[path]?.[method.toLowerCase()] as { requestBody?: unknown; security?: unknown[] } | undefined;
    const needsSeed = path.includes('{') || op?.requestBody !== undefined || (op?.security ?? []).some((s) => Object.keys(s as object).length > 0);
    if (needsSeed) throw new Error(`no fuzz seed for ${operation}: add a valid request to seeds() in tests/fuzz/fuzz-harness.ts`);
    return { operation, method, path, headers: {} };
  })];
}

// ---------------------------------------------------------------------------------------------
// Mutations

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

/** Every place in a body (down to a depth of 12: a nesting mutation may have made it thousands deep). */
function pathsOf(value: Json, prefix: Path = []): Path[] {
  const here = [prefix];
  if (prefix.length >= 12) return here;
  if (Array.isArray(value)) return here.concat(value.flatMap((v, i) => pathsOf(v, [...prefix, i])));
  if (value && typeof value === 'object') return here.concat(Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k])));
  return here;
}

/** A copy of `root` with the node at `path` replaced by `f(node)` (`undefined` removes it). */
function update(root: Json, path: Path, f: (node: Json) => Json | undefined): Json | undefined {
  if (path.length === 0) return f(root);
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    const next = update(copy[head as number]!, rest, f);
    if (next === undefined) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const copy: { [key: string]: Json } = { ...(root as { [key: string]: Json }) };
  const next = update(copy[head as string]!, rest, f);
  if (next === undefined) delete copy[head as string];
  else copy[head as string] = next;
  return copy;
}

/** A placeholder for JSON text spliced in after serialisation (see serialise). */
function rawJson(raws: string[], text: string): Json {
  raws.push(text);
  return `@@raw${raws.length - 1}@@`;
}

function serialise(value: Json | undefined, raws: string[]): string {
  let text = value === undefined ? '' : JSON.stringify(value);
  // Placeholders may sit inside spliced text: resolve until none is left.
  for (let round = 0; round < 8 && text.includes('"@@raw'); round++) {
    text = text.replace(/"@@raw(\d+)@@"/g, (_m, i: string) => raws[Number(i)]!);
  }
  return text;
}

const strings = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', '\u0000', 'a\u0000b', '\ud800', '\udfff\ud800', '\ufeff', '张\u0000猛', '%00', '../../etc/passwd', '<script>', "' OR 1=1 --", '${jndi:x}', '𠀀'.repeat(50)),
  fc.integer({ min: 1_000, max: 40_000 }).map((n) => 'x'.repeat(n)),
);

const scalars: fc.Arbitrary<Json> = fc.oneof(
  strings,
  fc.constantFrom<Json>(null, true, false, 0, -0, -1, 1e308, -1e308, 4.5e-324, 2 ** 53 + 1, 36.5, 37.3, 24.99, 45.01, [], {}),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

const anyJson: fc.Arbitrary<Json> = fc.oneof({ weight: 3, arbitrary: scalars }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> });

const keys = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', 'color', 'valid', '\u0000'), fc.string({ maxLength: 12 }));

type BodyMutation = (value: Json, raws: string[]) => Json | undefined;

/**
 * Edge values per field name: shaped to pass the schema (or nearly) so that they reach the rules
 * behind it — dates the format allows but Date may not parse, check characters, full-width
 * digits, phone spellings, temperatures at the bounds, JWS-like codes.
 */
const FIELD_EDGES: Record<string, Json[]> = {
  occurredAt: [
    '2026-12-31T23:59:60Z', '2026-11-27T23:59:60+08:00', '2026-11-27T15:59:60Z', '1970-01-01T00:00:00Z', '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z', '2026-11-27t08:00:00z', '2026-11-27T08:00:00.123456789Z', '2026-11-27T08:00:00+23:59',
    '2026-11-27T08:00:00-23:59', '2026-02-29T00:00:00Z', '2024-02-29T00:00:00Z', '2026-11-27 08:00:00Z', '2126-11-27T08:00:00Z',
  ],
  number: [
    '130181199003071239', '13018119900307123x', '13018119900307123X', '130181199002301234', '000000000000000000', '１３０１８１１９９００３０７１２３９',
    '130181 199003071239', 'E12345678', 'e12345678', 'H12345678', 'C1234567', '830000199001010019', 'ABC123456789012', '\u0000', 'X', ' ',
  ],
  phone: ['13012340604', '+8613012340604', '008613012340604', '86 130 1234 0604', '130-1234-0604', '１３０１２３４０６０４', '+85291234567', '+1 202 555 0100', '1301234060', '130123406044', '+', '\u0000'],
  name: ['张永猛', '张', ' 张 ', '\u200b', 'A'.repeat(64), '张'.repeat(64), '𠀀𠀁', 'Zhang Yongmeng', '张\u0301', '\u202e猛永张', '·'],
  type: ['resident_id', 'hmt_residence_permit', 'hk_macau_permit', 'taiwan_permit', 'passport', 'foreign_permanent_resident_id', 'confirmed_case', 'close_contact', 'false_report', 'clearance', 'high_risk_regions'],
  temperatureC: [25, 45, 37.3, 37.29999999, 37.300000001, 24.999, 45.0001, 36, -0, 1e-300],
  residence: ['permanent', 'temporary', 'arriving'],
  code: ['', '.', '..', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.', 'eyJ9.eyJ9.x', 'HC1:xyz', 'shc:/1234', 'eyJhbGciOiJFUzI1NiJ9.' + 'A'.repeat(3000) + '.x', ' '.repeat(10)],
  id: ['x', '~'.repeat(128), '!', 'fuzz-0'],
  travel14d: [['overseas'], ['000000'], ['999999'], ['130181', '130181'], Array.from({ length: 30 }, (_, i) => String(110000 + i))],
  regions: [['130181'], ['000000'], [], ['overseas'], Array.from({ length: 500 }, (_, i) => String(110000 + i))],
  symptoms: [['fever'], ['fever', 'fever'], ['cough', 'fatigue'], []],
  contactWithCase: [true, false],
  attestTruthful: [true, false],
};

/** One field of the body, chosen among those FIELD_EDGES knows, set to one of its edge values. */
const edgeMutation: fc.Arbitrary<BodyMutation> = fc.tuple(fc.nat(), fc.nat()).map(([i, j]) => (v: Json) => {
  const ps = pathsOf(v).filter((p) => typeof p[p.length - 1] === 'string' && Object.hasOwn(FIELD_EDGES, p[p.length - 1] as string));
  if (ps.length === 0) return v;
  const path = ps[i % ps.length]!;
  const edges = FIELD_EDGES[path[path.length - 1] as string]!;
  return update(v, path, () => edges[j % edges.length]!);
});

/** Mutations of a parsed body at a random place of it: drop, retype, grow, nest, add, duplicate, edge values. */
const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  edgeMutation,
  fc.nat().map((i) => (v: Json) => {
    const ps = pathsOf(v).filter((p) => p.length > 0);
    return ps.length === 0 ? v : update(v, ps[i % ps.length]!, () => undefined);
  }),
  fc.tuple(fc.nat(), anyJson).map(([i, x]) => (v: Json) => {
    const ps = pathsOf(v);
    return update(v, ps[i % ps.length]!, () => x);
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 50, max: 6000 })).map(([i, depth]) => (v: Json, raws: string[]) => {
    const ps = pathsOf(v);
    // Thousands of levels are spliced in as text: JSON.stringify would overflow the stack first.
    return update(v, ps[i % ps.length]!, (node) => rawJson(raws, '['.repeat(depth) + JSON.stringify(node) + ']'.repeat(depth)));
  }),
  fc.tuple(fc.nat(), keys, anyJson).map(([i, k, x]) => (v: Json) => {
    const objects = pathsOf(v).filter((p) => {
      let node: Json | undefined = v;
      for (const seg of p) node = (node as Record<string | number, Json>)[seg];
      return node !== null && typeof node === 'object' && !Array.isArray(node);
    });
    if (objects.length === 0) return v;
    return update(v, objects[i % objects.length]!, (node) => ({ ...(node as object), [k]: x }) as Json);
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 2, max: 600 })).map(([i, times]) => (v: Json) => {
    const ps = pathsOf(v);
    return update(v, ps[i % ps.length]!, (node) => (Array.isArray(node) ? Array.from({ length: times }, () => node).flat() : Array.from({ length: times }, () => node)));
  }),
);

type TextMutation = (text: string) => Buffer;

/** Mutations of the serialised body: duplicate keys, truncation, odd bytes and encodings. */
const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.constant((t: string) => Buffer.from(t)),
  fc.tuple(keys, anyJson).map(([k, x]) => (t: string) => Buffer.from(t.replace('{', `{${JSON.stringify(k)}:${JSON.stringify(x)},`))),
  fc.constant((t: string) => {
    // The first key again at the end, with its value retyped: a duplicate key JSON.parse resolves last-wins.
    const m = /^\{"([^"]*)":/.exec(t);
    return Buffer.from(m ? `${t.slice(0, -1)},"${m[1]}":[[{}]]}` : t);
  }),
  fc.nat().map((n) => (t: string) => Buffer.from(t.slice(0, n % (t.length + 1)))),
  fc.constant((t: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t)])),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => (t: string) => Buffer.concat([Buffer.from(t.slice(0, t.length >> 1)), Buffer.from(bytes), Buffer.from(t.slice(t.length >> 1))])),
  fc.constant((t: string) => Buffer.from(t, 'utf16le')),
  fc.constant(() => Buffer.alloc(0)),
  fc.integer({ min: 1, max: 40_000 }).map((n) => (t: string) => Buffer.from(t + ' '.repeat(n))),
);

export const contentTypes = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'application/json; charset=nonsense',
    'application/health+json',
    'APPLICATION/JSON',
    'text/plain',
    'text/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'application/',
    ';;;',
    '',
  ),
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz/+;=- '.split('')), maxLength: 40 }),
);

/** Header values a client can send (visible ASCII and space; node refuses control characters). */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
  fc.integer({ min: 1000, max: 6000 }).map((n) => 'A'.repeat(n)),
);

export const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.constantFrom('authorization', 'accept', 'accept-charset', 'accept-encoding', 'content-encoding', 'x-forwarded-for', 'x-request-id', 'if-none-match', 'range', 'expect-ct', 'origin', 'cookie'),
  fc.oneof(
    headerValue,
    fc.constantFrom('Bearer', 'Bearer ', 'Basic YTpi', 'bearer hct_x', 'Bearer hct_' + 'a'.repeat(43), 'image/png', 'image/svg+xml', '*/*;q=0', 'gzip', 'deflate', 'br', 'identity', 'x-unknown'),
  ),
  { maxKeys: 3 },
);

/** Methods node's HTTP parser knows (others never reach the gateway); CONNECT is a tunnel, not a request. */
export const methods = fc.constantFrom(...http.METHODS.filter((m) => m !== 'CONNECT'));

const pathSegment = fc.oneof(
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 10 }).map(encodeURIComponent),
  fc.constantFrom('%ZZ', '%', '%00', '%C0%80', '%FF', '%E4%B8', '..', '.', '%2e%2e', '%2F', '', 'sub_' + 'A'.repeat(22), 'sub_' + 'A'.repeat(300), '%F0%9F%98%80'),
  fc.integer({ min: 500, max: 4000 }).map((n) => 'a'.repeat(n)),
);

/** Mutations of the path: the subject id or a segment replaced, suffixes, odd queries. */
const pathMutation: fc.Arbitrary<(path: string) => string> = fc.oneof(
  fc.constant((p: string) => p),
  fc.tuple(fc.nat(), pathSegment).map(([i, seg]) => (p: string) => {
    const [pathname, query] = p.split('?');
    const parts = pathname!.split('/');
    parts[1 + (i % (parts.length - 1))] = seg;
    return parts.join('/') + (query ? `?${query}` : '');
  }),
  pathSegment.map((seg) => (p: string) => `${p.split('?')[0]}/${seg}`),
  fc.constantFrom('/', '//', '/.', '?', '#x', '?format=png', '?format=svg', '?format=xml', '?format=json&format=png', '?format[]=png', '?format=%ZZ', '?a=%', '?' + 'q=1&'.repeat(300)).map((suffix) => (p: string) => p + suffix),
  fc.constant((p: string) => p.toUpperCase()),
);

export interface Mutated extends FuzzRequest {
  operation: string;
  /** Personal data the request carried (full name, document number, phone): no answer may echo it. */
  secrets?: string[];
}

const PERSONAL_FIELDS = new Set(['name', 'number', 'phone']);

/** The full names, document numbers and phones in a body (the README's privacy rules). */
export function secretsOf(value: unknown, key = ''): string[] {
  if (typeof value === 'string') return PERSONAL_FIELDS.has(key) && value.length >= 3 ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => secretsOf(v));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => secretsOf(v, k));
  return [];
}

/** How fast-check prints a counterexample: the body as text (bytes only when it is not UTF-8). */
function printable(r: Mutated): Mutated {
  return Object.assign(r, {
    [fc.toStringMethod]: () => {
      const text = r.body?.toString('utf8');
      const body = r.body === undefined ? 'no body' : text !== undefined && Buffer.from(text, 'utf8').equals(r.body) ? JSON.stringify(text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length} chars)` : text) : `bytes ${r.body.toString('base64')}`;
      return `${r.method} ${JSON.stringify(r.path.length > 300 ? `${r.path.slice(0, 300)}…` : r.path)} headers ${JSON.stringify(r.headers)} body ${body}`;
    },
  });
}

/** A valid request for an operation, then changed by a few mutations. */
export function mutatedRequest(all: Seed[]): fc.Arbitrary<Mutated> {
  return fc
    .record({
      // Endpoints with a body have the most to get wrong: they are picked three times as often.
      seed: fc.constantFrom(...all.flatMap((s) => (s.body === undefined ? [s] : [s, s, s]))),
      body: fc.array(bodyMutation, { maxLength: 3 }),
      text: textMutation,
      contentType: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: contentTypes }),
      method: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: methods }),
      path: fc.oneof({ weight: 3, arbitrary: fc.constant((p: string) => p) }, { weight: 1, arbitrary: pathMutation }),
      headers: fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraHeaders }),
      dropAuth: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    })
    .map(({ seed, body, text, contentType, method, path, headers, dropAuth }) => {
      let value: Json | undefined = (bodyOf(seed) ?? null) as Json;
      const secrets = secretsOf(value);
      const raws: string[] = [];
      for (const m of body) value = value === undefined ? undefined : m(value, raws);
      const raw = seed.body === undefined && body.length === 0 ? undefined : text(serialise(value, raws));
      const h: Record<string, string> = { ...seed.headers, ...headers };
      if (dropAuth) delete h['authorization'];
      if (raw !== undefined) h['content-type'] = contentType ?? 'application/json';
      return printable({ operation: seed.operation, method: method ?? seed.method, path: path(seed.path), headers: h, secrets, ...(raw ? { body: raw } : {}) });
    });
}

/** Anything at all at any documented path (and some undocumented ones). */
export function randomRequest(all: Seed[]): fc.Arbitrary<Mutated> {
  return fc
    .record({
      seed: fc.constantFrom(...all),
      method: methods,
      path: pathMutation,
      body: fc.oneof(
        fc.constant(undefined),
        fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
        fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
        fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
      ),
      contentType: fc.option(contentTypes),
      headers: extraHeaders,
    })
    .map(({ seed, method, path, body, contentType, headers }) =>
      printable({
        operation: seed.operation,
        method,
        path: path(seed.path),
        headers: { ...headers, ...(contentType !== null ? { 'content-type': contentType } : {}) },
        ...(body ? { body } : {}),
      }),
    );
}

/**
 * A valid request whose fields are set to edge values and nothing else changed: these pass the
 * schema far more often than blind mutations and so reach the rules behind it.
 */
export function edgeRequest(all: Seed[]): fc.Arbitrary<Mutated> {
  const withBody = all.filter((s) => s.body !== undefined);
  return fc.record({ seed: fc.constantFrom(...withBody), edits: fc.array(edgeMutation, { minLength: 1, maxLength: 4 }) }).map(({ seed, edits }) => {
    let value = bodyOf(seed) as Json;
    for (const edit of edits) value = edit(value, []) ?? value;
    return printable({
      operation: seed.operation,
      method: seed.method,
      path: seed.path,
      headers: { ...seed.headers, 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(value)),
      secrets: secretsOf(value),
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Codes signed with the gateway's own key, with mutated header and claims

const CLAIM_EDGES: Record<string, Json[]> = {
  iat: [0, -1, 1.5, 1e308, -1e308, 2 ** 53, '1795766400', null, 1795766400, 1795766400 + 86_400],
  nbf: [0, 1.5, 1e308, '0', null, 1795766400 + 86_400],
  exp: [0, -1, 1.5, 1e308, 2 ** 53, '1795767300', null, 1795766400 - 1],
  iss: ['', ' ', '__proto__', 'constructor', 'https://gateway.xinji.example', 'A'.repeat(513), 0, null, ['x']],
  sub: ['', 'sub_' + 'A'.repeat(22), 0, null, '__proto__'],
  jti: ['', 'x', 0, null, 'A'.repeat(10_000), '__proto__'],
  color: ['green', 'yellow', 'red', 'GREEN', 'Green', '绿', '绿码', 'unknown', 0, 1, 2, null, true, '', ['green'], { '': 'green' }],
  region: ['130181', '', '000000', 0, null],
  name: ['张*猛', '', 0, null, '张'.repeat(1000)],
  doc: ['', '1301**********1239', 0, null],
  docType: ['resident_id', 'passport', 'unknown', '', 0, null],
  bind: ['', 'x', 0, null, 'A'.repeat(5000), '$scrypt$'],
  v: [1, 2, 0, -1, '1', null],
  hc: [null, {}, [], 'green', 0],
  alg: ['ES256', 'EdDSA', 'none', 'None', 'HS256', 'RS256', 'ES384', 'ES256K', '', 0, null, '__proto__'],
  kid: ['', 'x', '__proto__', 'A'.repeat(1000), 0, null, '../../etc/passwd'],
  typ: ['health-code+jwt', 'JWT', 'application/health-code+jwt', '', 0, null],
  crit: [[], ['exp'], ['b64'], ['x-unknown'], 'b64', null],
  b64: [false, true, 'false'],
  jku: ['http://127.0.0.1:1/jwks', 'https://example.org/jwks'],
  jwk: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }, {}],
  x5u: ['http://127.0.0.1:1/x5u'],
};

const claimEdit: fc.Arbitrary<(value: Json) => Json | undefined> = fc.oneof(
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]) => (v: Json) => {
    const ps = pathsOf(v).filter((p) => typeof p[p.length - 1] === 'string' && Object.hasOwn(CLAIM_EDGES, p[p.length - 1] as string));
    if (ps.length === 0) return v;
    const path = ps[i % ps.length]!;
    const edges = CLAIM_EDGES[path[path.length - 1] as string]!;
    return update(v, path, () => edges[j % edges.length]!);
  }),
  fc.tuple(fc.constantFrom(...Object.keys(CLAIM_EDGES)), fc.nat()).map(([key, j]) => (v: Json) =>
    v && typeof v === 'object' && !Array.isArray(v) ? { ...v, [key]: CLAIM_EDGES[key]![j % CLAIM_EDGES[key]!.length]! } : v,
  ),
  fc.nat().map((i) => (v: Json) => {
    const ps = pathsOf(v).filter((p) => p.length > 0);
    return ps.length === 0 ? v : update(v, ps[i % ps.length]!, () => undefined);
  }),
  anyJson.map((x) => () => x),
);

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** Signs `header.payload` (any bytes) with the gateway's active key, whatever the header claims. */
async function signRaw(key: LoadedKey, header: string, payload: string): Promise<string> {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const algorithm = key.alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' };
  const signature = Buffer.from(await crypto.subtle.sign(algorithm, key.privateKey, Buffer.from(input)));
  return `${input}.${b64url(signature)}`;
}

export interface SignedCodeCase {
  header: string;
  payload: string;
  where: 'verify' | 'checkpoint';
}

/**
 * A real code of the holder, its header and claims mutated, then signed again with the gateway's
 * own key: the signature holds, so the request reaches the header, claims and colour rules.
 */
export function signedCodeCase(jws: string): fc.Arbitrary<SignedCodeCase> {
  const [h, p] = jws.split('.') as [string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Json;
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Json;
  return fc
    .record({
      headerEdits: fc.array(claimEdit, { maxLength: 2 }),
      payloadEdits: fc.array(claimEdit, { minLength: 1, maxLength: 3 }),
      text: fc.oneof({ weight: 5, arbitrary: fc.constant((t: string) => t) }, { weight: 1, arbitrary: textMutation.map((m) => (t: string) => m(t).toString('utf8')) }),
      where: fc.constantFrom<'verify' | 'checkpoint'>('verify', 'checkpoint'),
    })
    .map(({ headerEdits, payloadEdits, text, where }) => {
      let hv: Json | undefined = header;
      for (const e of headerEdits) hv = hv === undefined ? undefined : e(hv);
      let pv: Json | undefined = payload;
      for (const e of payloadEdits) pv = pv === undefined ? undefined : e(pv);
      return { header: JSON.stringify(hv ?? null), payload: text(JSON.stringify(pv ?? null)), where };
    });
}

export async function signedCodeRequest(t: FuzzTarget, c: SignedCodeCase): Promise<Mutated> {
  const code = await signRaw(t.gw.deps.keystore.activeKey(), c.header, c.payload);
  const document = (t.holder.declaration['applicant'] as { document: unknown }).document;
  const body = c.where === 'verify' ? { code } : { code, temperatureC: 36.5, document };
  return printable({
    operation: c.where === 'verify' ? 'POST /v1/verify' : 'POST /v1/checkpoint/scans',
    method: 'POST',
    path: c.where === 'verify' ? '/v1/verify' : '/v1/checkpoint/scans',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
    secrets: secretsOf(body),
  });
}

/**
 * Several requests at once: the same fresh valid request repeated (two people racing for one
 * document, a batch of events delivered twice) mixed with mutated ones.
 */
export function concurrentRequests(all: Seed[]): fc.Arbitrary<Mutated[]> {
  const withBody = all.filter((s) => s.fresh !== undefined || s.body !== undefined);
  return fc
    .record({
      seed: fc.constantFrom(...withBody),
      copies: fc.integer({ min: 2, max: 8 }),
      edits: fc.array(edgeMutation, { maxLength: 1 }),
      others: fc.array(mutatedRequest(all), { maxLength: 4 }),
    })
    .map(({ seed, copies, edits, others }) => {
      let value = bodyOf(seed) as Json;
      for (const edit of edits) value = edit(value, []) ?? value;
      const same = printable({
        operation: seed.operation,
        method: seed.method,
        path: seed.path,
        headers: { ...seed.headers, 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(value)),
        secrets: secretsOf(value),
      });
      return [...Array.from({ length: copies }, () => same), ...others];
    });
}
