import { deflateRawSync, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import type { LoadedKey } from '../../gateway/issuer/keystore.js';
import { printable, secretsOf, type FuzzTarget, type Mutated } from './fuzz-harness.js';
import { anyJson, pathsOf, textMutation, update, type Json } from './mutations.js';

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
  zip: ['DEF', 'def', 'GZIP', '', 0, null],
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

/**
 * Signs `header.payload` (any bytes) with the gateway's active key, whatever the header claims.
 * When the (mutated) header still says zip "DEF", the payload is compressed as the issuer's are,
 * so the mutated claims reach the claim rules instead of stopping at inflation.
 */
async function signRaw(key: LoadedKey, header: string, payload: string): Promise<string> {
  let zip = false;
  try {
    zip = (JSON.parse(header) as { zip?: unknown } | null)?.zip === 'DEF';
  } catch {
    // A header that is not JSON is refused before any payload is read.
  }
  const input = `${b64url(header)}.${b64url(zip ? deflateRawSync(Buffer.from(payload, 'utf8')) : payload)}`;
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
  const bytes = Buffer.from(p, 'base64url');
  const payload = JSON.parse((header && typeof header === 'object' && !Array.isArray(header) && header['zip'] === 'DEF' ? inflateRawSync(bytes) : bytes).toString('utf8')) as Json;
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
    headers: { 'content-type': 'application/json', ...(c.where === 'verify' ? {} : { authorization: `Bearer ${t.deviceToken}` }) },
    body: Buffer.from(JSON.stringify(body)),
    secrets: secretsOf(body),
  });
}
