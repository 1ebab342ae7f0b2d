import { deflateRawSync } from 'node:zlib';
import { checkHeader, type HeaderRules } from '../../gateway/verify/jws-header.js';
import { decodePayload, MAX_JWS_CHARS, parseCompact } from '../../gateway/verify/parse-compact.js';
import { makeKey, signToken, type TestKey } from './fixtures.js';

const b64u = (text: string | Buffer) => Buffer.from(text).toString('base64url');
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

describe('parseCompact: structure and encoding', () => {
  it('reads the header and payload of a well-formed compact JWS', () => {
    const parsed = parseCompact(good);
    expect(parsed.header).toEqual({ alg: 'ES256', kid: key.kid });
    expect(decodePayload(parsed)).toEqual({ iss: 'https://a.example', n: 1 });
    expect(parsed.signature).toHaveLength(64);
  });

  it('refuses a JWS with two segments or with four', () => {
    const [h, p] = good.split('.');
    expect(codeOf(() => parseCompact(`${h}.${p}`))).toBe('ERR_CODE_MALFORMED');
    expect(codeOf(() => parseCompact(`${good}.AAAA`))).toBe('ERR_CODE_MALFORMED');
  });

  it('refuses base64url whose unused trailing bits are not zero', () => {
    const [h, p, s] = good.split('.') as [string, string, string];
    // 64 signature bytes → 86 chars: the last char carries 4 unused bits; flip one of them.
    const last = s[s.length - 1]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const tweaked = alphabet[alphabet.indexOf(last) ^ 1]!;
    expect(Buffer.from(s.slice(0, -1) + tweaked, 'base64url')).toEqual(Buffer.from(s, 'base64url'));
    expect(codeOf(() => parseCompact(`${h}.${p}.${s.slice(0, -1)}${tweaked}`))).toBe('ERR_CODE_MALFORMED');
  });

  it('refuses base64 padding and characters outside the base64url alphabet', () => {
    const [h, p, s] = good.split('.') as [string, string, string];
    expect(codeOf(() => parseCompact(`${h}.${p}.${s}==`))).toBe('ERR_CODE_MALFORMED');
    expect(codeOf(() => parseCompact(`${h}.${p.replace(/[_-]/g, '+')}/.${s}`))).toBe('ERR_CODE_MALFORMED');
    expect(codeOf(() => parseCompact(`${h}.${p}.${s.slice(0, 10)} ${s.slice(10)}`))).toBe('ERR_CODE_MALFORMED');
  });

  it('refuses a JWS longer than the size cap before looking inside it', () => {
    const [h, , s] = good.split('.');
    const big = `${h}.${b64u('x'.repeat(MAX_JWS_CHARS))}.${s}`;
    expect(codeOf(() => parseCompact(big))).toBe('ERR_CODE_TOO_LARGE');
  });

  it('refuses a header with a duplicate member name, at the top and nested', () => {
    const [, p, s] = good.split('.');
    const dup = b64u(`{"alg":"ES256","kid":"a","alg":"ES256"}`);
    const escapedDup = b64u(`{"alg":"ES256","kid":"a","\\u0061lg":"ES256"}`);
    const nestedDup = b64u(`{"alg":"ES256","kid":"a","x":{"y":1,"y":2}}`);
    expect(codeOf(() => parseCompact(`${dup}.${p}.${s}`))).toBe('ERR_JWS_HEADER_INVALID');
    expect(codeOf(() => parseCompact(`${escapedDup}.${p}.${s}`))).toBe('ERR_JWS_HEADER_INVALID');
    expect(codeOf(() => parseCompact(`${nestedDup}.${p}.${s}`))).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('refuses a header that is not a JSON object', () => {
    const [, p, s] = good.split('.');
    for (const header of ['["ES256"]', 'null', '{"alg":"ES256",}', '\ufeff{"alg":"ES256"}']) {
      expect(codeOf(() => parseCompact(`${b64u(header)}.${p}.${s}`))).toBe('ERR_JWS_HEADER_INVALID');
    }
  });

  it('refuses a payload with a duplicate claim, at the top and nested inside an array', async () => {
    const top = await signToken({ key, payload: '{"iss":"https://a.example","exp":1,"exp":9999999999}' });
    const nested = await signToken({ key, payload: '{"iss":"x","hc":[{"status":"red","status":"green"}]}' });
    expect(codeOf(() => decodePayload(parseCompact(top)))).toBe('ERR_CODE_MALFORMED');
    expect(codeOf(() => decodePayload(parseCompact(nested)))).toBe('ERR_CODE_MALFORMED');
  });

  it('accepts the same name in sibling objects, which is not a duplicate', async () => {
    const token = await signToken({ key, payload: '{"a":{"x":1},"b":{"x":2},"c":[{"x":3},{"x":4}]}' });
    expect(decodePayload(parseCompact(token))).toEqual({ a: { x: 1 }, b: { x: 2 }, c: [{ x: 3 }, { x: 4 }] });
  });

  it('refuses a payload nested deeper than any health code', async () => {
    const token = await signToken({ key, payload: `{"a":${'['.repeat(100)}${']'.repeat(100)}}` });
    expect(codeOf(() => decodePayload(parseCompact(token)))).toBe('ERR_CODE_MALFORMED');
  });

  it('inflates a zip "DEF" payload and refuses a decompression bomb', async () => {
    const small = await signToken({ key, header: { zip: 'DEF' }, payload: { iss: 'https://a.example' }, deflate: true });
    expect(decodePayload(parseCompact(small))).toEqual({ iss: 'https://a.example' });
    const bomb = await signToken({ key, header: { zip: 'DEF' }, payload: `{"a":"${' '.repeat(1_000_000)}"}`, deflate: true });
    expect(bomb.length).toBeLessThan(MAX_JWS_CHARS);
    expect(codeOf(() => decodePayload(parseCompact(bomb)))).toBe('ERR_CODE_TOO_LARGE');
  });

  it('refuses a zip value other than DEF and a zip "DEF" payload that is not DEFLATE data', async () => {
    const gzip = await signToken({ key, header: { zip: 'GZIP' }, payload: { a: 1 } });
    expect(codeOf(() => decodePayload(parseCompact(gzip)))).toBe('ERR_JWS_HEADER_INVALID');
    const header = b64u(JSON.stringify({ alg: 'ES256', kid: 'k', zip: 'DEF' }));
    const garbage = `${header}.${b64u(Buffer.from([0xff, 0xff, 0xff, 0xff]))}.${good.split('.')[2]}`;
    expect(codeOf(() => decodePayload(parseCompact(garbage)))).toBe('ERR_CODE_MALFORMED');
    expect(deflateRawSync(Buffer.from('x')).length).toBeGreaterThan(0);
  });
});

describe('checkHeader: the issuer rules of RFC 8725', () => {
  const base = { alg: 'ES256', kid: 'key-1' };

  it('returns alg and kid of an acceptable header', () => {
    expect(checkHeader(base, RULES)).toEqual({ alg: 'ES256', kid: 'key-1' });
  });

  it('refuses alg none, HS256 and an algorithm outside the issuer allowlist', () => {
    expect(codeOf(() => checkHeader({ ...base, alg: 'none' }, { algorithms: ['none'] }))).toBe('ERR_JWS_ALG_NOT_ALLOWED');
    expect(codeOf(() => checkHeader({ ...base, alg: 'HS256' }, { algorithms: ['HS256'] }))).toBe('ERR_JWS_ALG_NOT_ALLOWED');
    expect(codeOf(() => checkHeader({ ...base, alg: 'EdDSA' }, RULES))).toBe('ERR_JWS_ALG_NOT_ALLOWED');
    expect(codeOf(() => checkHeader({ ...base, alg: 'RS256' }, RULES))).toBe('ERR_JWS_ALG_NOT_ALLOWED');
  });

  it('refuses a header that offers its own key through jwk, jku or x5u', () => {
    expect(codeOf(() => checkHeader({ ...base, jwk: { kty: 'EC' } }, RULES))).toBe('ERR_JWS_HEADER_INVALID');
    expect(codeOf(() => checkHeader({ ...base, jku: 'https://evil.example/jwks' }, RULES))).toBe('ERR_JWS_HEADER_INVALID');
    expect(codeOf(() => checkHeader({ ...base, x5u: 'https://evil.example/cert' }, RULES))).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('refuses any crit header, even an empty one', () => {
    expect(codeOf(() => checkHeader({ ...base, crit: ['exp'] }, RULES))).toBe('ERR_JWS_CRIT_UNSUPPORTED');
    expect(codeOf(() => checkHeader({ ...base, crit: [] }, RULES))).toBe('ERR_JWS_CRIT_UNSUPPORTED');
  });

  it('refuses a missing, non-string, empty or overlong kid', () => {
    expect(codeOf(() => checkHeader({ alg: 'ES256' }, RULES))).toBe('ERR_JWS_HEADER_INVALID');
    expect(codeOf(() => checkHeader({ alg: 'ES256', kid: 7 }, RULES))).toBe('ERR_JWS_HEADER_INVALID');
    expect(codeOf(() => checkHeader({ alg: 'ES256', kid: '' }, RULES))).toBe('ERR_JWS_HEADER_INVALID');
    expect(codeOf(() => checkHeader({ alg: 'ES256', kid: 'k'.repeat(129) }, RULES))).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('refuses unencoded payloads (b64: false)', () => {
    expect(codeOf(() => checkHeader({ ...base, b64: false }, RULES))).toBe('ERR_JWS_HEADER_INVALID');
  });

  it('checks typ only when the issuer registered one', () => {
    expect(checkHeader({ ...base, typ: 'anything' }, RULES).kid).toBe('key-1');
    expect(codeOf(() => checkHeader(base, { ...RULES, typ: 'health-code+jwt' }))).toBe('ERR_JWS_HEADER_INVALID');
    expect(codeOf(() => checkHeader({ ...base, typ: 'JWT' }, { ...RULES, typ: 'health-code+jwt' }))).toBe('ERR_JWS_HEADER_INVALID');
    expect(checkHeader({ ...base, typ: 'health-code+jwt' }, { ...RULES, typ: 'health-code+jwt' }).alg).toBe('ES256');
  });

  it('requires zip "DEF" from an issuer that compresses and refuses it from one that does not', () => {
    expect(codeOf(() => checkHeader(base, { ...RULES, zip: 'DEF' }))).toBe('ERR_JWS_HEADER_INVALID');
    expect(codeOf(() => checkHeader({ ...base, zip: 'DEF' }, RULES))).toBe('ERR_JWS_HEADER_INVALID');
    expect(checkHeader({ ...base, zip: 'DEF' }, { ...RULES, zip: 'DEF' }).kid).toBe('key-1');
  });
});
