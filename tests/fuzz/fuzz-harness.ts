import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import fc from 'fast-check';
import { ADMIN_TOKEN, personDeclaration, RISK_FEED_TOKEN, type TestGateway } from '../helpers/test-gateway.js';
import { openApiDocument, takeViolations } from '../helpers/contract.js';
import { isErrorCode } from '../../gateway/errors/catalogue.js';

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
export function bodyOf(seed: Seed): unknown {
  return seed.fresh ? seed.fresh(++requestCount) : seed.body;
}

export interface FuzzTarget {
  gw: TestGateway;
  server: Server;
  port: number;
  /** The holder, two pending requests to act for it (to approve, to decline) and the first requester's id. */
  holder: { subjectId: string; holderToken: string; declaration: Record<string, unknown>; proxyRequests: [string, string]; proxyId: string };
  jws: string;
  /** Token of a registered checkpoint device (scans need one). */
  deviceToken: string;
  /** 找回健康码: a document with a recovery code sent, and a token nobody else needs (signed out by its seed). */
  recovery?: { document: unknown; code: string; spareToken: string };
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
  const { subjectId, holderToken, declaration, proxyRequests, proxyId } = t.holder;
  const own = { authorization: `Bearer ${holderToken}` };
  const document = (declaration['applicant'] as { document: unknown }).document;
  const known: Record<string, Omit<Seed, 'operation' | 'method'>> = {
    'POST /v1/declarations': { path: '/v1/declarations', headers: {}, body: personDeclaration(5000), fresh: (n) => personDeclaration(5000 + n) },
    'PUT /v1/subjects/{subjectId}/declaration': {
      path: `/v1/subjects/${subjectId}/declaration`,
      headers: { authorization: `Bearer ${holderToken}` },
      body: declaration,
    },
    'GET /v1/subjects/{subjectId}/declaration': { path: `/v1/subjects/${subjectId}/declaration`, headers: own },
    'GET /v1/subjects/{subjectId}/color': { path: `/v1/subjects/${subjectId}/color`, headers: own },
    'POST /v1/subjects/{subjectId}/check-ins': {
      path: `/v1/subjects/${subjectId}/check-ins`,
      headers: own,
      body: { temperatureC: 36.5, symptoms: [] },
    },
    'GET /v1/checkpoint/device': { path: '/v1/checkpoint/device', headers: { authorization: `Bearer ${t.deviceToken}` } },
    'GET /v1/subjects/{subjectId}/code': { path: `/v1/subjects/${subjectId}/code?format=json`, headers: { authorization: `Bearer ${holderToken}` } },
    'GET /v1/subjects/{subjectId}/proxy-requests': { path: `/v1/subjects/${subjectId}/proxy-requests`, headers: own },
    // Approved before the removal below: documented operations come in openapi.yaml's order.
    'POST /v1/subjects/{subjectId}/proxy-requests/{requestId}/approve': { path: `/v1/subjects/${subjectId}/proxy-requests/${proxyRequests[0]}/approve`, headers: own },
    'POST /v1/subjects/{subjectId}/proxy-requests/{requestId}/decline': { path: `/v1/subjects/${subjectId}/proxy-requests/${proxyRequests[1]}/decline`, headers: own },
    'GET /v1/subjects/{subjectId}/proxies': { path: `/v1/subjects/${subjectId}/proxies`, headers: own },
    'DELETE /v1/subjects/{subjectId}/proxies/{proxyId}': { path: `/v1/subjects/${subjectId}/proxies/${proxyId}`, headers: own },
    'POST /v1/risk-events': {
      path: '/v1/risk-events',
      headers: { authorization: `Bearer ${RISK_FEED_TOKEN}` },
      body: { events: [{ id: 'fuzz-0', type: 'clearance', document, occurredAt: new Date(t.gw.clock.ms).toISOString() }] },
      fresh: (n) => ({ events: [{ id: `fuzz-${n}`, type: 'clearance', document, occurredAt: new Date(t.gw.clock.ms).toISOString() }] }),
    },
    'POST /v1/verify': { path: '/v1/verify', headers: {}, body: { code: t.jws } },
    'POST /v1/checkpoint/scans': { path: '/v1/checkpoint/scans', headers: { authorization: `Bearer ${t.deviceToken}` }, body: { code: t.jws, temperatureC: 36.5, document } },
    'POST /v1/admin/partners/reload': { path: '/v1/admin/partners/reload', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    'POST /v1/admin/subjects/{subjectId}/passes': { path: `/v1/admin/subjects/${subjectId}/passes`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    'GET /v1/subjects/{subjectId}/represented': { path: `/v1/subjects/${subjectId}/represented`, headers: own },
    'POST /v1/recovery': { path: '/v1/recovery', headers: {}, body: { document, phone: (declaration['applicant'] as { phone: string }).phone } },
    'POST /v1/recovery/verify': { path: '/v1/recovery/verify', headers: {}, body: t.recovery ? { document: t.recovery.document, code: t.recovery.code } : { document, code: '123456' } },
    // Never the holder's own token: ending it would leave the operations after this one nothing to fuzz.
    'DELETE /v1/holder-token': { path: '/v1/holder-token', headers: { authorization: `Bearer ${t.recovery?.spareToken ?? 'hct_none'}` } },
    // No identity provider in the fuzz gateway: the callback answers 404 ERR_SIGN_IN_UNAVAILABLE after validating the body.
    'POST /v1/sign-in/callback': { path: '/v1/sign-in/callback', headers: {}, body: { code: 'fuzz-code', state: 'fuzz-state' } },
    'GET /schemas/{file}': { path: '/schemas/normalized-credential.schema.json', headers: {} },
    'GET /assets/{name}': { path: '/assets/style.css', headers: {} },
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
export function printable(r: Mutated): Mutated {
  return Object.assign(r, {
    [fc.toStringMethod]: () => {
      const text = r.body?.toString('utf8');
      const body = r.body === undefined ? 'no body' : text !== undefined && Buffer.from(text, 'utf8').equals(r.body) ? JSON.stringify(text.length > 2000 ? `${text.slice(0, 2000)}… (${text.length} chars)` : text) : `bytes ${r.body.toString('base64')}`;
      return `${r.method} ${JSON.stringify(r.path.length > 300 ? `${r.path.slice(0, 300)}…` : r.path)} headers ${JSON.stringify(r.headers)} body ${body}`;
    },
  });
}

