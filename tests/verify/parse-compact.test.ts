import { checkHeader, type HeaderRules } from '../../gateway/verify/jws-header.js';
import { decodePayload, parseCompact } from '../../gateway/verify/parse-compact.js';
import { makeKey, signToken, type TestKey } from './fixtures.js';

const RULES: HeaderRules = { algorithms: ['ES256'] };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

let key: TestKey;
let good: string;
beforeAll(async () => {
  key = await makeKey('ES256');
  good = await signToken({ key, payload: { iss: 'https://a.example', n: 1 } });
});

// The refusals (segments, encoding, size, duplicates, nesting, zip, alg, jwk/jku/x5u, crit, kid,
// b64) are fixtures of the hostile corpus, run end to end: tests/hostile/corpus.ts.
describe('parseCompact: structure and encoding', () => {
  it('reads the header and payload of a well-formed compact JWS', () => {
    const parsed = parseCompact(good);
    expect(parsed.header).toEqual({ alg: 'ES256', kid: key.kid });
    expect(decodePayload(parsed)).toEqual({ iss: 'https://a.example', n: 1 });
    expect(parsed.signature).toHaveLength(64);
  });

  it('accepts the same name in sibling objects, which is not a duplicate', async () => {
    const token = await signToken({ key, payload: '{"a":{"x":1},"b":{"x":2},"c":[{"x":3},{"x":4}]}' });
    expect(decodePayload(parseCompact(token))).toEqual({ a: { x: 1 }, b: { x: 2 }, c: [{ x: 3 }, { x: 4 }] });
  });

  it('inflates a zip "DEF" payload', async () => {
    const small = await signToken({ key, header: { zip: 'DEF' }, payload: { iss: 'https://a.example' }, deflate: true });
    expect(decodePayload(parseCompact(small))).toEqual({ iss: 'https://a.example' });
  });
});

describe('checkHeader: the issuer rules of RFC 8725', () => {
  const base = { alg: 'ES256', kid: 'key-1' };

  it('returns alg and kid of an acceptable header', () => {
    expect(checkHeader(base, RULES)).toEqual({ alg: 'ES256', kid: 'key-1' });
  });

  it('checks typ only when the issuer registered one', () => {
    expect(checkHeader({ ...base, typ: 'anything' }, RULES).kid).toBe('key-1');
    expect(codeOf(() => checkHeader(base, { ...RULES, typ: 'health-code+jwt' }))).toBe('ERR_JWS_HEADER_INVALID');
    expect(codeOf(() => checkHeader({ ...base, typ: 'JWT' }, { ...RULES, typ: 'health-code+jwt' }))).toBe('ERR_JWS_HEADER_INVALID');
    expect(checkHeader({ ...base, typ: 'health-code+jwt' }, { ...RULES, typ: 'health-code+jwt' }).alg).toBe('ES256');
  });

  it('accepts a typ alias the issuer registered (a newer layout\'s shorter typ) and nothing else', () => {
    const rules = { ...RULES, typ: 'health-code+jwt', typAliases: ['hc+jwt'] };
    expect(checkHeader({ ...base, typ: 'hc+jwt' }, rules).alg).toBe('ES256');
    expect(checkHeader({ ...base, typ: 'health-code+jwt' }, rules).alg).toBe('ES256');
    expect(codeOf(() => checkHeader({ ...base, typ: 'JWT' }, rules))).toBe('ERR_JWS_HEADER_INVALID');
    expect(codeOf(() => checkHeader(base, rules))).toBe('ERR_JWS_HEADER_INVALID');
    expect(codeOf(() => checkHeader({ ...base, typ: ['hc+jwt'] }, rules))).toBe('ERR_JWS_HEADER_INVALID');
    // Without it, the shorter typ is refused: a partner entry from before layout 3.
    expect(codeOf(() => checkHeader({ ...base, typ: 'hc+jwt' }, { ...RULES, typ: 'health-code+jwt' }))).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('requires zip "DEF" from an issuer that compresses and refuses it from one that does not', () => {
    expect(codeOf(() => checkHeader(base, { ...RULES, zip: 'DEF' }))).toBe('ERR_JWS_HEADER_INVALID');
    expect(codeOf(() => checkHeader({ ...base, zip: 'DEF' }, RULES))).toBe('ERR_JWS_HEADER_INVALID');
    expect(checkHeader({ ...base, zip: 'DEF' }, { ...RULES, zip: 'DEF' }).kid).toBe('key-1');
  });
});
