import { createHmac, generateKeyPairSync, sign as nodeSign, webcrypto, KeyObject } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import type { JWK } from 'jose';
import type { ErrorCode } from '../../gateway/errors/catalogue.js';
import { newKey, type CityKey, type PartnerCity } from '../recognition/partner-city.js';

/**
 * The hostile input corpus: crafted codes and key sets, each a named fixture with the error code
 * it must produce when posted to POST /v1/verify of a real gateway (tests/hostile/corpus.test.ts).
 * Sources of the cases: RFC 8725 (JWT BCP), RFC 7515/7518, the "alg: none" and HS/RS confusion
 * attacks, CVE-2022-21449 ("psychic signatures"), SSRF through jku/x5u, and the strict parsing
 * rules of gateway/verify/. A fixture name is a noun phrase; the test sentence is built from it.
 */

/** What a code fixture may use: real partner cities on loopback, and the gateway's clock. */
export interface CorpusContext {
  /** 北京: ES256, typ jkb+jwt, string colour words. Registered. */
  beijing: PartnerCity;
  /** 上海: ES256, no typ. Registered. */
  shanghai: PartnerCity;
  /** A loopback server standing for an internal service: it must never receive a connection. */
  internal: PartnerCity;
  /** The gateway's clock (epoch ms) and its tolerance (seconds). */
  now: number;
  toleranceSeconds: number;
}

export interface CodeFixture {
  name: string;
  expect: ErrorCode;
  /** Refused before the partner's key server is asked anything (true for most). */
  beforeKeyFetch?: boolean;
  code(ctx: CorpusContext): Promise<string>;
}

/** A key set a partner publishes, and a code referring to one of its keys (signed or not). */
export interface KeySetFixture {
  name: string;
  expect: ErrorCode;
  /** For ERR_KEYS_UNAVAILABLE: why the fetched set was refused (JwksFailureReason, in the partner's key status). */
  reason?: 'invalid_jwks' | 'too_many_keys' | 'no_usable_key';
  /** The partner's pinned algorithms (default ES256). */
  algorithms?: Array<'ES256' | 'ES384' | 'EdDSA' | 'RS256' | 'PS256'>;
  /** The JWKS served, and the kid and alg the code names; `sign` makes its signature. */
  build(): Promise<{ keys: Array<Record<string, unknown>>; kid: string; alg: string; sign?: (input: string) => Buffer | Promise<Buffer> }>;
}

/** A valid (GB 11643) but invented resident ID number. */
export const DOCUMENT = { type: 'resident_id' as const, number: '110101199001010023' };
const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64url');
const json = (value: unknown): string => JSON.stringify(value);

async function es256(input: string, key: CityKey): Promise<Buffer> {
  const sig = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey as webcrypto.CryptoKey, new TextEncoder().encode(input));
  return Buffer.from(sig);
}

/** Header and payload as raw JSON text (duplicates survive), signed ES256 by `key` (default: Beijing's). */
async function rawSign(ctx: CorpusContext, headerJson: string, payloadJson: string, key: CityKey = ctx.beijing.signingKey): Promise<string> {
  const input = `${b64(headerJson)}.${b64(payloadJson)}`;
  return `${input}.${b64(await es256(input, key))}`;
}

const header = (ctx: CorpusContext, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ alg: 'ES256', kid: ctx.beijing.signingKey.kid, typ: 'jkb+jwt', ...extra });
const green = (ctx: CorpusContext, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> =>
  ctx.beijing.payload({ color: '未见异常', now: ctx.now, document: DOCUMENT }).then((p) => ({ ...p, ...extra }));
const nowS = (ctx: CorpusContext): number => Math.floor(ctx.now / 1000);

/** A genuine green Beijing code with `extra` claims (undefined removes one). */
async function beijingCode(ctx: CorpusContext, extra: Record<string, unknown> = {}, headerExtra: Record<string, unknown> = {}): Promise<string> {
  const payload = await green(ctx, extra);
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete payload[k];
  return rawSign(ctx, json(header(ctx, headerExtra)), json(payload));
}

/** Unsigned: header and payload with the given signature segment. */
async function unsigned(ctx: CorpusContext, headerExtra: Record<string, unknown>, signature = ''): Promise<string> {
  return `${b64(json(header(ctx, headerExtra)))}.${b64(json(await green(ctx)))}.${signature}`;
}

async function withKid(ctx: CorpusContext, kid: unknown): Promise<string> {
  return rawSign(ctx, json(header(ctx, { kid })), json(await green(ctx)));
}

async function otherKey(): Promise<CityKey> {
  return newKey('ES256');
}

export const CODE_FIXTURES: CodeFixture[] = [
  // --- alg none and MAC confusion (RFC 8725 §2.1, §3.1)
  ...['none', 'None', 'NONE', 'nOnE'].map((alg): CodeFixture => ({
    name: `alg "${alg}" with an empty signature`, expect: 'ERR_JWS_ALG_NOT_ALLOWED', beforeKeyFetch: true,
    code: (ctx) => unsigned(ctx, { alg }),
  })),
  {
    name: 'alg none with a signature segment copied from a genuine code', expect: 'ERR_JWS_ALG_NOT_ALLOWED', beforeKeyFetch: true,
    code: async (ctx) => unsigned(ctx, { alg: 'none' }, (await ctx.beijing.code({ color: '未见异常', now: ctx.now, document: DOCUMENT })).split('.')[2]),
  },
  ...([['the partner public JWK as JSON', (k: JWK) => json(k)], ['the partner public key x coordinate', (k: JWK) => String(k.x)]] as const).map(([what, secret]): CodeFixture => ({
    name: `HS256 signed with ${what} as the HMAC secret`, expect: 'ERR_JWS_ALG_NOT_ALLOWED', beforeKeyFetch: true,
    code: async (ctx) => {
      const input = `${b64(json(header(ctx, { alg: 'HS256' })))}.${b64(json(await green(ctx)))}`;
      return `${input}.${createHmac('sha256', secret(ctx.beijing.signingKey.publicJwk)).update(input).digest('base64url')}`;
    },
  })),
  {
    name: 'HS512 signed with the partner public JWK as the HMAC secret', expect: 'ERR_JWS_ALG_NOT_ALLOWED', beforeKeyFetch: true,
    code: async (ctx) => {
      const input = `${b64(json(header(ctx, { alg: 'HS512' })))}.${b64(json(await green(ctx)))}`;
      return `${input}.${createHmac('sha512', json(ctx.beijing.signingKey.publicJwk)).update(input).digest('base64url')}`;
    },
  },
  ...['ES384', 'RS256', 'PS256', 'EdDSA', 'ES256K'].map((alg): CodeFixture => ({
    name: `alg ${alg} from a partner pinned to ES256`, expect: 'ERR_JWS_ALG_NOT_ALLOWED', beforeKeyFetch: true,
    code: async (ctx) => rawSign(ctx, json(header(ctx, { alg })), json(await green(ctx))),
  })),
  {
    name: 'a header without alg', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => rawSign(ctx, json({ kid: ctx.beijing.signingKey.kid, typ: 'jkb+jwt' }), json(await green(ctx))),
  },
  {
    name: 'an alg that is an array', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => rawSign(ctx, json(header(ctx, { alg: ['ES256'] })), json(await green(ctx))),
  },

  // --- keys offered by the token itself (RFC 8725 §3.10): never used, never fetched
  {
    name: 'an embedded jwk carrying the signer\'s own key', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => {
      const attacker = await otherKey();
      return rawSign(ctx, json(header(ctx, { kid: attacker.kid, jwk: attacker.publicJwk })), json(await green(ctx)), attacker);
    },
  },
  {
    name: 'a jku pointing at an internal key server on loopback', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => {
      const attacker = await otherKey();
      ctx.internal.published = [attacker];
      return rawSign(ctx, json(header(ctx, { kid: attacker.kid, jku: ctx.internal.jwksUri })), json(await green(ctx)), attacker);
    },
  },
  {
    name: 'a jku pointing at the cloud metadata address', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => beijingCode(ctx, {}, { jku: 'http://169.254.169.254/latest/meta-data/' }),
  },
  {
    name: 'a jku pointing at a private address', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => beijingCode(ctx, {}, { jku: 'https://10.0.0.1/.well-known/jwks.json' }),
  },
  {
    name: 'an x5u pointing at an internal server on loopback', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => beijingCode(ctx, {}, { x5u: `${ctx.internal.base}/cert.pem` }),
  },
  {
    name: 'an x5u pointing at an IPv6-mapped loopback address', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => beijingCode(ctx, {}, { x5u: `http://[::ffff:127.0.0.1]:${new URL(ctx.internal.base).port}/cert.pem` }),
  },

  // --- kid injections: looked up in the partner's own list only, never as a path, query or property
  ...([
    ['a path traversal', '../../../../etc/passwd'],
    ['a URL', 'http://127.0.0.1:1/keys'],
    ['an SQL injection', "' OR '1'='1' --"],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['a NUL and a newline', 'a\u0000b\nc'],
  ] as const).map(([what, kid]): CodeFixture => ({
    name: `a kid that is ${what}`, expect: 'ERR_KID_UNKNOWN',
    code: (ctx) => withKid(ctx, kid),
  })),
  {
    // The size cap comes before the header is even decoded.
    name: 'a kid that is 10 KB long', expect: 'ERR_CODE_TOO_LARGE', beforeKeyFetch: true,
    code: (ctx) => withKid(ctx, 'k'.repeat(10 * 1024)),
  },
  ...([
    ['2 KB long', 'k'.repeat(2 * 1024)],
    ['129 characters long', 'k'.repeat(129)],
    ['an empty string', ''],
    ['a number', 7],
    ['null', null],
    ['an object (NoSQL operator)', { $ne: '' }],
    ['an array', ['a', 'b']],
  ] as const).map(([what, kid]): CodeFixture => ({
    name: `a kid that is ${what}`, expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: (ctx) => withKid(ctx, kid),
  })),

  // --- extensions (RFC 7515 §4.1.11, RFC 7797)
  ...([[['exp']], [['b64']], [[]]] as const).map(([crit]): CodeFixture => ({
    name: `a crit header of ${json(crit)}`, expect: 'ERR_JWS_CRIT_UNSUPPORTED', beforeKeyFetch: true,
    code: async (ctx) => beijingCode(ctx, {}, { crit, exp: 1, b64: true }),
  })),
  {
    name: 'b64 false with crit, and an unencoded payload', expect: 'ERR_JWS_CRIT_UNSUPPORTED', beforeKeyFetch: true,
    code: async (ctx) => {
      const h = b64(json(header(ctx, { b64: false, crit: ['b64'] })));
      return `${h}.${b64(json(await green(ctx)))}.${b64(await es256(`${h}.${json(await green(ctx))}`, ctx.beijing.signingKey))}`;
    },
  },
  {
    name: 'b64 false without crit', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => beijingCode(ctx, {}, { b64: false }),
  },
  {
    name: 'a typ the partner does not use', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => beijingCode(ctx, {}, { typ: 'JWT' }),
  },
  {
    name: 'a compressed payload from a partner that does not compress', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => `${b64(json(header(ctx, { zip: 'DEF' })))}.${b64(deflateRawSync(Buffer.from(json(await green(ctx)))))}.AAAA`,
  },

  // --- signatures
  {
    name: 'an all-zero ES256 signature (CVE-2022-21449)', expect: 'ERR_JWS_SIGNATURE_INVALID',
    code: async (ctx) => `${(await beijingCode(ctx)).split('.').slice(0, 2).join('.')}.${b64(Buffer.alloc(64))}`,
  },
  {
    name: 'an ES256 signature whose r and s are the curve order n', expect: 'ERR_JWS_SIGNATURE_INVALID',
    code: async (ctx) => {
      const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
      return `${(await beijingCode(ctx)).split('.').slice(0, 2).join('.')}.${b64(Buffer.concat([n, n]))}`;
    },
  },
  {
    name: 'a DER-encoded ES256 signature instead of the raw r‖s of RFC 7518 §3.4', expect: 'ERR_JWS_SIGNATURE_INVALID',
    code: async (ctx) => {
      const input = `${b64(json(header(ctx)))}.${b64(json(await green(ctx)))}`;
      return `${input}.${b64(nodeSign('sha256', Buffer.from(input), KeyObject.from(ctx.beijing.signingKey.privateKey as webcrypto.CryptoKey)))}`;
    },
  },
  {
    name: 'an ES256 signature cut to 63 bytes', expect: 'ERR_JWS_SIGNATURE_INVALID',
    code: async (ctx) => {
      const [h, p, s] = (await beijingCode(ctx)).split('.') as [string, string, string];
      return `${h}.${p}.${b64(Buffer.from(s, 'base64url').subarray(0, 63))}`;
    },
  },
  {
    name: 'an empty signature under ES256', expect: 'ERR_JWS_SIGNATURE_INVALID',
    code: async (ctx) => `${(await beijingCode(ctx)).split('.').slice(0, 2).join('.')}.`,
  },
  {
    name: 'a genuine red code whose payload was edited to green', expect: 'ERR_JWS_SIGNATURE_INVALID',
    code: async (ctx) => {
      const red = await ctx.beijing.code({ color: '集中观察', now: ctx.now, document: DOCUMENT });
      const [h, p, s] = red.split('.') as [string, string, string];
      return `${h}.${b64(Buffer.from(p, 'base64url').toString('utf8').replace('集中观察', '未见异常'))}.${s}`;
    },
  },
  {
    name: 'a code signed by an unpublished key under a kid the partner publishes', expect: 'ERR_JWS_SIGNATURE_INVALID',
    code: async (ctx) => rawSign(ctx, json(header(ctx)), json(await green(ctx)), await otherKey()),
  },

  // --- one partner's code, another partner's key (keys belong to their issuer)
  {
    name: 'a Shanghai code signed with Beijing\'s key under Beijing\'s kid', expect: 'ERR_KID_UNKNOWN',
    code: async (ctx) => {
      const payload = await ctx.shanghai.payload({ color: '绿码', now: ctx.now, document: DOCUMENT });
      return rawSign(ctx, json({ alg: 'ES256', kid: ctx.beijing.signingKey.kid }), json(payload), ctx.beijing.signingKey);
    },
  },
  {
    name: 'a Shanghai code signed with Beijing\'s key under Shanghai\'s kid', expect: 'ERR_JWS_SIGNATURE_INVALID',
    code: async (ctx) => {
      const payload = await ctx.shanghai.payload({ color: '绿码', now: ctx.now, document: DOCUMENT });
      return rawSign(ctx, json({ alg: 'ES256', kid: ctx.shanghai.signingKey.kid }), json(payload), ctx.beijing.signingKey);
    },
  },
  {
    name: 'a code naming an issuer nobody registered', expect: 'ERR_ISSUER_UNKNOWN', beforeKeyFetch: true,
    code: (ctx) => beijingCode(ctx, { iss: 'https://attacker.example/hc' }),
  },
  {
    name: 'a code whose iss is an array', expect: 'ERR_CLAIMS_INVALID', beforeKeyFetch: true,
    code: async (ctx) => beijingCode(ctx, { iss: [ctx.beijing.issuer] }),
  },

  // --- structure and encoding (RFC 7515 §7.1, §2)
  {
    name: 'a 5000-character signed code', expect: 'ERR_CODE_TOO_LARGE', beforeKeyFetch: true,
    code: (ctx) => beijingCode(ctx, { pad: 'x'.repeat(3300) }),
  },
  { name: '5000 characters of base64url', expect: 'ERR_CODE_TOO_LARGE', beforeKeyFetch: true, code: async () => 'A'.repeat(5000) },
  {
    name: 'a header with a duplicate alg member', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => rawSign(ctx, `{"alg":"ES256","kid":"${ctx.beijing.signingKey.kid}","typ":"jkb+jwt","alg":"ES256"}`, json(await green(ctx))),
  },
  {
    name: 'a payload with a duplicate colour member, red then green', expect: 'ERR_CODE_MALFORMED', beforeKeyFetch: true,
    code: async (ctx) => rawSign(ctx, json(header(ctx)), json(await green(ctx)).replace('"status":"未见异常"', '"status":"集中观察","status":"未见异常"')),
  },
  {
    name: 'a payload with a duplicate colour member spelt with a \\u escape', expect: 'ERR_CODE_MALFORMED', beforeKeyFetch: true,
    code: async (ctx) => rawSign(ctx, json(header(ctx)), json(await green(ctx)).replace('"status":"未见异常"', '"status":"集中观察","st\\u0061tus":"未见异常"')),
  },
  {
    name: 'a payload with a duplicate iss member', expect: 'ERR_CODE_MALFORMED', beforeKeyFetch: true,
    code: async (ctx) => rawSign(ctx, json(header(ctx)), json(await green(ctx)).replace('{', '{"iss":"https://attacker.example/hc",')),
  },
  {
    name: 'a signature segment in non-canonical base64url (unused bits set)', expect: 'ERR_CODE_MALFORMED', beforeKeyFetch: true,
    code: async (ctx) => {
      const code = await beijingCode(ctx);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      return code.slice(0, -1) + alphabet[alphabet.indexOf(code.at(-1)!) ^ 1]!;
    },
  },
  ...([
    ['base64 padding', (c: string) => `${c}==`],
    ['standard base64 characters', (c: string) => c.replace(/-/g, '+').replace(/_/g, '/').replace(/\.([^.]*)$/, '.+$1')],
    ['an inner space', (c: string) => c.replace('.', '. ')],
    ['two segments', (c: string) => c.split('.').slice(0, 2).join('.')],
    ['four segments', (c: string) => `${c}.AAAA`],
  ] as const).map(([what, mangle]): CodeFixture => ({
    name: `a code with ${what}`, expect: 'ERR_CODE_MALFORMED', beforeKeyFetch: true,
    code: async (ctx) => mangle(await beijingCode(ctx)),
  })),
  {
    name: 'the flattened JSON serialisation of a genuine code', expect: 'ERR_CODE_MALFORMED', beforeKeyFetch: true,
    code: async (ctx) => {
      const [protectedHeader, payload, signature] = (await beijingCode(ctx)).split('.');
      return json({ protected: protectedHeader, payload, signature });
    },
  },
  {
    name: 'the general JSON serialisation of a genuine code', expect: 'ERR_CODE_MALFORMED', beforeKeyFetch: true,
    code: async (ctx) => {
      const [protectedHeader, payload, signature] = (await beijingCode(ctx)).split('.');
      return json({ payload, signatures: [{ protected: protectedHeader, signature }] });
    },
  },
  {
    name: 'a nested JWT (cty JWT) whose payload is another signed code', expect: 'ERR_CODE_MALFORMED', beforeKeyFetch: true,
    code: async (ctx) => rawSign(ctx, json(header(ctx, { cty: 'JWT' })), await beijingCode(ctx)),
  },
  ...([
    ['a duplicate alg member spelt with a \\u escape', (kid: string) => `{"alg":"ES256","kid":"${kid}","typ":"jkb+jwt","\\u0061lg":"ES256"}`],
    ['a duplicate member nested in an object', (kid: string) => `{"alg":"ES256","kid":"${kid}","typ":"jkb+jwt","x":{"y":1,"y":2}}`],
    ['a trailing comma', (kid: string) => `{"alg":"ES256","kid":"${kid}","typ":"jkb+jwt",}`],
    ['a byte order mark', (kid: string) => `\ufeff{"alg":"ES256","kid":"${kid}","typ":"jkb+jwt"}`],
    ['the JSON value null', () => 'null'],
  ] as const).map(([what, text]): CodeFixture => ({
    name: `a header with ${what}`, expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => rawSign(ctx, text(ctx.beijing.signingKey.kid), json(await green(ctx))),
  })),
  {
    name: 'a payload with a duplicate member inside an array', expect: 'ERR_CODE_MALFORMED', beforeKeyFetch: true,
    code: async (ctx) => rawSign(ctx, json(header(ctx)), json(await green(ctx, { list: [{}] })).replace('"list":[{}]', '"list":[{"status":"red","status":"green"}]')),
  },
  {
    name: 'a payload nested 100 arrays deep', expect: 'ERR_CODE_MALFORMED', beforeKeyFetch: true,
    code: async (ctx) => rawSign(ctx, json(header(ctx)), json(await green(ctx, { deep: 0 })).replace('"deep":0', `"deep":${'['.repeat(100)}${']'.repeat(100)}`)),
  },
  {
    name: 'a zip "DEF" decompression bomb of one megabyte', expect: 'ERR_CODE_TOO_LARGE', beforeKeyFetch: true,
    code: async (ctx) => {
      const h = b64(json(header(ctx, { zip: 'DEF' })));
      const p = b64(deflateRawSync(Buffer.from(json(await green(ctx, { pad: ' '.repeat(1_000_000) })))));
      return `${h}.${p}.${b64(await es256(`${h}.${p}`, ctx.beijing.signingKey))}`;
    },
  },
  {
    name: 'a zip "DEF" payload that is not DEFLATE data', expect: 'ERR_CODE_MALFORMED', beforeKeyFetch: true,
    code: async (ctx) => `${b64(json(header(ctx, { zip: 'DEF' })))}.${b64(Buffer.from([0xff, 0xff, 0xff, 0xff]))}.AAAA`,
  },
  {
    name: 'a zip value other than DEF', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => beijingCode(ctx, {}, { zip: 'GZIP' }),
  },
  {
    // kid is optional (RFC 7515 §4.1.4): the partner's only ES256 key is used, and it is not the signer's.
    name: 'a header without kid, signed by a key the partner does not publish', expect: 'ERR_JWS_SIGNATURE_INVALID',
    code: async (ctx) => rawSign(ctx, json({ alg: 'ES256', typ: 'jkb+jwt' }), json(await green(ctx)), await otherKey()),
  },
  {
    name: 'a header that is not JSON', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => `${b64('not json')}.${b64(json(await green(ctx)))}.AAAA`,
  },
  {
    name: 'a header that is a JSON array', expect: 'ERR_JWS_HEADER_INVALID', beforeKeyFetch: true,
    code: async (ctx) => `${b64(json([header(ctx)]))}.${b64(json(await green(ctx)))}.AAAA`,
  },
  {
    name: 'a payload that is not UTF-8', expect: 'ERR_CODE_MALFORMED', beforeKeyFetch: true,
    code: async (ctx) => `${b64(json(header(ctx)))}.${b64(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))}.AAAA`,
  },
  { name: 'shc:/ text with an odd number of digits', expect: 'ERR_CODE_MALFORMED', beforeKeyFetch: true, code: async () => 'shc:/567629595' },

  // --- time claims (RFC 7519 §4.1.4–4.1.6), tolerance from the gateway's config
  {
    name: 'exp one second past the tolerance', expect: 'ERR_TOKEN_EXPIRED',
    code: (ctx) => beijingCode(ctx, { exp: nowS(ctx) - ctx.toleranceSeconds - 1 }),
  },
  {
    name: 'exp exactly at the end of the tolerance', expect: 'ERR_TOKEN_EXPIRED',
    code: (ctx) => beijingCode(ctx, { exp: nowS(ctx) - ctx.toleranceSeconds }),
  },
  { name: 'no exp claim', expect: 'ERR_CLAIMS_INVALID', code: (ctx) => beijingCode(ctx, { exp: undefined }) },
  { name: 'exp as a string', expect: 'ERR_CLAIMS_INVALID', code: (ctx) => beijingCode(ctx, { exp: String(nowS(ctx) + 600) }) },
  {
    name: 'exp of 1e400, past any NumericDate', expect: 'ERR_CLAIMS_INVALID',
    code: async (ctx) => rawSign(ctx, json(header(ctx)), json(await green(ctx)).replace(/"exp":\d+/, '"exp":1e400')),
  },
  {
    name: 'nbf one second beyond the tolerance', expect: 'ERR_TOKEN_NOT_YET_VALID',
    code: (ctx) => beijingCode(ctx, { nbf: nowS(ctx) + ctx.toleranceSeconds + 1 }),
  },
  { name: 'nbf null', expect: 'ERR_CLAIMS_INVALID', code: (ctx) => beijingCode(ctx, { nbf: null }) },
  {
    name: 'iat one hour in the future', expect: 'ERR_TOKEN_ISSUED_IN_FUTURE',
    code: (ctx) => beijingCode(ctx, { iat: nowS(ctx) + 3600, exp: nowS(ctx) + 4500 }),
  },
  { name: 'a negative iat', expect: 'ERR_CLAIMS_INVALID', code: (ctx) => beijingCode(ctx, { iat: -5 }) },
  { name: 'no iat claim', expect: 'ERR_CLAIMS_INVALID', code: (ctx) => beijingCode(ctx, { iat: undefined }) },
  { name: 'exp of 1e300', expect: 'ERR_CLAIMS_INVALID', code: (ctx) => beijingCode(ctx, { exp: 1e300 }) },
  { name: 'no iss claim', expect: 'ERR_CLAIMS_INVALID', beforeKeyFetch: true, code: (ctx) => beijingCode(ctx, { iss: undefined }) },
  { name: 'no jti claim', expect: 'ERR_CLAIMS_INVALID', code: (ctx) => beijingCode(ctx, { jti: undefined }) },

  // --- colours: fail closed
  {
    name: 'a colour word the partner never registered', expect: 'ERR_COLOR_UNMAPPED',
    code: async (ctx) => rawSign(ctx, json(header(ctx)), json(await green(ctx)).replace('"status":"未见异常"', '"status":"green"')),
  },
  {
    // JSON.parse makes "__proto__" an own member and claims are read as own members only.
    name: 'a green colour hidden under a __proto__ member, with no colour of its own', expect: 'ERR_COLOR_UNMAPPED',
    code: async (ctx) => {
      const payload = await green(ctx);
      const hc = payload['hc'] as Record<string, unknown>;
      delete hc['status'];
      return rawSign(ctx, json(header(ctx)), json(payload).replace('"hc":{', '"hc":{"__proto__":{"status":"未见异常"},'));
    },
  },
  {
    name: 'a colour of the wrong JSON type (integer for a string vocabulary)', expect: 'ERR_COLOR_UNMAPPED',
    code: async (ctx) => rawSign(ctx, json(header(ctx)), json(await green(ctx)).replace('"status":"未见异常"', '"status":2')),
  },
];

/** A P-256 point not on the curve: the generator's x with y + 1. */
const OFF_CURVE = {
  x: b64(Buffer.from('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296', 'hex')),
  y: b64(Buffer.from('4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f6', 'hex')),
};

async function good(): Promise<CityKey> {
  return newKey('ES256');
}

async function signedBy(key: CityKey): Promise<(input: string) => Promise<Buffer>> {
  return async (input) => Buffer.from(await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey as webcrypto.CryptoKey, new TextEncoder().encode(input)));
}

function rsa(bits: number): { jwk: Record<string, unknown>; sign: (input: string) => Buffer } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { jwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>, sign: (input) => nodeSign('sha256', Buffer.from(input), privateKey) };
}

export const KEY_SET_FIXTURES: KeySetFixture[] = [
  {
    name: 'a key set whose only key is off the P-256 curve', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'no_usable_key',
    build: async () => ({ keys: [{ kty: 'EC', crv: 'P-256', ...OFF_CURVE, kid: 'off-curve', alg: 'ES256', use: 'sig' }], kid: 'off-curve', alg: 'ES256' }),
  },
  {
    name: 'a key off the P-256 curve beside a good key, named by the code', expect: 'ERR_KID_UNKNOWN',
    build: async () => {
      const k = await good();
      return { keys: [k.publicJwk as Record<string, unknown>, { kty: 'EC', crv: 'P-256', ...OFF_CURVE, kid: 'off-curve', alg: 'ES256' }], kid: 'off-curve', alg: 'ES256', sign: await signedBy(k) };
    },
  },
  {
    name: 'a P-384 key labelled ES256, named by an ES256 code', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'no_usable_key',
    build: async () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      return { keys: [{ ...(publicKey.export({ format: 'jwk' }) as object), kid: 'p384', alg: 'ES256' }], kid: 'p384', alg: 'ES256' };
    },
  },
  {
    name: 'a P-384 key without alg under a partner pinned to ES256', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'no_usable_key',
    build: async () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      return { keys: [{ ...(publicKey.export({ format: 'jwk' }) as object), kid: 'p384' }], kid: 'p384', alg: 'ES256' };
    },
  },
  {
    name: 'a 1024-bit RSA key under a partner pinned to RS256', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'no_usable_key', algorithms: ['RS256'],
    build: async () => {
      const k = rsa(1024);
      return { keys: [{ ...k.jwk, kid: 'rsa1024', alg: 'RS256', use: 'sig' }], kid: 'rsa1024', alg: 'RS256', sign: k.sign };
    },
  },
  {
    name: 'a 2047-bit RSA key under a partner pinned to RS256', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'no_usable_key', algorithms: ['RS256'],
    build: async () => {
      const k = rsa(2047);
      return { keys: [{ ...k.jwk, kid: 'rsa2047', alg: 'RS256' }], kid: 'rsa2047', alg: 'RS256', sign: k.sign };
    },
  },
  {
    name: 'a key marked use enc as the only key', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'no_usable_key',
    build: async () => {
      const k = await good();
      return { keys: [{ ...k.publicJwk, use: 'enc' }], kid: k.kid, alg: 'ES256', sign: await signedBy(k) };
    },
  },
  {
    name: 'a key marked use enc beside a signing key, named by the code', expect: 'ERR_KID_UNKNOWN',
    build: async () => {
      const [sig, enc] = [await good(), await good()];
      return { keys: [sig.publicJwk as Record<string, unknown>, { ...enc.publicJwk, use: 'enc' }], kid: enc.kid, alg: 'ES256', sign: await signedBy(enc) };
    },
  },
  {
    name: 'key_ops without verify', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'no_usable_key',
    build: async () => {
      const k = await good();
      return { keys: [{ ...k.publicJwk, use: undefined, key_ops: ['encrypt'] }], kid: k.kid, alg: 'ES256', sign: await signedBy(k) };
    },
  },
  {
    name: 'a private EC member d published beside a good key, for a code of that good key', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'invalid_jwks',
    build: async () => {
      const [k, leaked] = [await good(), await good()];
      const d = (await webcrypto.subtle.exportKey('jwk', leaked.privateKey as webcrypto.CryptoKey)).d;
      return { keys: [k.publicJwk as Record<string, unknown>, { ...leaked.publicJwk, d }], kid: k.kid, alg: 'ES256', sign: await signedBy(k) };
    },
  },
  {
    name: 'a symmetric oct key with its secret k', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'invalid_jwks',
    build: async () => {
      const k = await good();
      return { keys: [k.publicJwk as Record<string, unknown>, { kty: 'oct', k: b64('secret'), kid: 'hmac', alg: 'HS256' }], kid: k.kid, alg: 'ES256', sign: await signedBy(k) };
    },
  },
  {
    name: 'one kid published twice with two different keys', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'no_usable_key',
    build: async () => {
      const [a, b] = [await good(), await good()];
      return { keys: [{ ...a.publicJwk, kid: 'twin' }, { ...b.publicJwk, kid: 'twin' }], kid: 'twin', alg: 'ES256', sign: await signedBy(a) };
    },
  },
  {
    name: 'a key set of 21 keys, over the cap of 20', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'too_many_keys',
    build: async () => {
      const keys = await Promise.all(Array.from({ length: 21 }, () => good()));
      return { keys: keys.map((k) => k.publicJwk as Record<string, unknown>), kid: keys[0]!.kid, alg: 'ES256', sign: await signedBy(keys[0]!) };
    },
  },
  {
    name: 'an ES384 key under a partner pinned to ES256', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'no_usable_key',
    build: async () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      return { keys: [{ ...(publicKey.export({ format: 'jwk' }) as object), kid: 'es384', alg: 'ES384' }], kid: 'es384', alg: 'ES256' };
    },
  },
  {
    name: 'a 2048-bit RSA key under a partner pinned to ES256', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'no_usable_key',
    build: async () => {
      const k = rsa(2048);
      return { keys: [{ ...k.jwk, kid: 'rsa', alg: 'RS256' }], kid: 'rsa', alg: 'ES256' };
    },
  },
  {
    name: 'a P-256 key that claims alg ES384', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'no_usable_key',
    build: async () => {
      const k = await good();
      return { keys: [{ ...k.publicJwk, alg: 'ES384' }], kid: k.kid, alg: 'ES256', sign: await signedBy(k) };
    },
  },
  {
    name: 'an Ed25519 key labelled ES256', expect: 'ERR_KEYS_UNAVAILABLE', reason: 'no_usable_key',
    build: async () => {
      const k = await newKey('EdDSA');
      return { keys: [{ ...k.publicJwk, alg: 'ES256' }], kid: k.kid, alg: 'ES256' };
    },
  },
];
