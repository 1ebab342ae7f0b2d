import http from 'node:http';
import fc from 'fast-check';

/**
 * Mutations for the fuzzer (tests/fuzz/endpoints.test.ts): of a parsed JSON body at a random place,
 * of its serialised text, of content types, headers, methods and paths.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Path = Array<string | number>;

/** Every place in a body (down to a depth of 12: a nesting mutation may have made it thousands deep). */
export function pathsOf(value: Json, prefix: Path = []): Path[] {
  const here = [prefix];
  if (prefix.length >= 12) return here;
  if (Array.isArray(value)) return here.concat(value.flatMap((v, i) => pathsOf(v, [...prefix, i])));
  if (value && typeof value === 'object') return here.concat(Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k])));
  return here;
}

/** A copy of `root` with the node at `path` replaced by `f(node)` (`undefined` removes it). */
export function update(root: Json, path: Path, f: (node: Json) => Json | undefined): Json | undefined {
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

export function serialise(value: Json | undefined, raws: string[]): string {
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

export const anyJson: fc.Arbitrary<Json> = fc.oneof({ weight: 3, arbitrary: scalars }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> });

const keys = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', 'color', 'valid', '\u0000'), fc.string({ maxLength: 12 }));

export type BodyMutation = (value: Json, raws: string[]) => Json | undefined;

/**
 * Edge values per field name: shaped to pass the schema (or nearly) so that they reach the rules
 * behind it — dates the format allows but Date may not parse, check characters, full-width
 * digits, phone spellings, temperatures at the bounds, JWS-like codes.
 */
export const FIELD_EDGES: Record<string, Json[]> = {
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
export const edgeMutation: fc.Arbitrary<BodyMutation> = fc.tuple(fc.nat(), fc.nat()).map(([i, j]) => (v: Json) => {
  const ps = pathsOf(v).filter((p) => typeof p[p.length - 1] === 'string' && Object.hasOwn(FIELD_EDGES, p[p.length - 1] as string));
  if (ps.length === 0) return v;
  const path = ps[i % ps.length]!;
  const edges = FIELD_EDGES[path[path.length - 1] as string]!;
  return update(v, path, () => edges[j % edges.length]!);
});

/** Mutations of a parsed body at a random place of it: drop, retype, grow, nest, add, duplicate, edge values. */
export const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
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

export type TextMutation = (text: string) => Buffer;

/** Mutations of the serialised body: duplicate keys, truncation, odd bytes and encodings. */
export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
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
export const pathMutation: fc.Arbitrary<(path: string) => string> = fc.oneof(
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

