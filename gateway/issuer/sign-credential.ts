import { randomBytes, randomUUID } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { CompactSign, SignJWT } from 'jose';
import type { Keystore } from './keystore.js';
import type { Color } from '../types/schemas.js';
import type { SubjectRecord } from '../store/store.js';
import type { BindingMethod } from '../identity/binding.js';

/** When a code issued at `nowMs` with `ttlSeconds` expires (epoch ms): what signCredential writes as exp. */
export function codeExpiry(nowMs: number, ttlSeconds: number): number {
  return (Math.floor(nowMs / 1000) + ttlSeconds) * 1000;
}

/** Explicit typing (RFC 8725 §3.11) so a Xinji code cannot be confused with another kind of JWT. */
export const CREDENTIAL_TYP = 'health-code+jwt';
/**
 * Layout 3's typ: the same explicit typing in 9 fewer header characters (12 in the JWS, as the
 * header is not compressed), still distinct from every other JWT Xinji's keys sign (health-pass+jwt,
 * statuslist+jwt, the trust bundle's and trust list's). Published as typ_aliases in the issuer
 * metadata: every reader accepts both typs for a code while layout 1 and 2 codes are valid.
 */
export const CREDENTIAL_TYP_V3 = 'hc+jwt';

export { XINJI_CLAIMS, XINJI_CLAIMS_V3, XINJI_CLAIM_LAYOUTS } from './code-layouts.js';

export interface IssuedCode {
  jws: string;
  jti: string;
  kid: string;
  issuedAt: number;
  expiresAt: number;
}

/**
 * The code layouts this gateway can sign (docs/credential.md, "Layouts and size"):
 * - `v1`, the first layout: plain JSON payload with `sub`, `nbf`, a UUID `jti` and `hc.region`;
 *   drawn as a byte-mode QR (version 21 at error correction M for a 690-character code).
 * - `v2`, the compact layout: the payload raw-DEFLATE compressed with header `zip: "DEF"` as
 *   SMART Health Cards do, no `sub` (nothing verifies it, and a stable subject id in every code
 *   lets any verifier link one person's scans), no `nbf` (equal to `iat`), a 96-bit random `jti`
 *   in base64url instead of a UUID, no `hc.region` (the issuer's region is in its metadata);
 *   drawn in QR numeric mode (`shc:/` + two digits per character), which packs a JWS into fewer
 *   modules than byte mode. Still a JWS any JOSE stack verifies: only the payload bytes are
 *   compressed.
 * - `v3` (the default): layout 2 with one-letter names inside `hc` (XINJI_CLAIMS_V3) and the
 *   shorter typ `hc+jwt`, so the code with its Token Status List claim fits QR version 15 at
 *   error correction M (bench/rows-qr.ts). The registered
 *   claims (iss, jti, iat, exp) and the status claim keep their names: outside readers of RFC 7519
 *   and draft-ietf-oauth-status-list know them by those names. New subjects' bindings are s2
 *   (binding-scheme.ts), 27 characters shorter than s1.
 */
export const CODE_FORMATS = ['v1', 'v2', 'v3'] as const;
export type CodeFormat = (typeof CODE_FORMATS)[number];
export const DEFAULT_CODE_FORMAT: CodeFormat = 'v3';

/**
 * What CODE_LAYOUT (config.issuer.codeLayout) means: the layout signed and the binding method of
 * new declarations. Layout 3 goes with binding s2 (the pair that fits QR version 15); layout 2 keeps
 * s1, which every partner of layout 2 checks, so a city can go on issuing what its partners read
 * while they move (docs/credential.md, "How partners move to layout 3").
 */
export function codeLayoutSettings(codeLayout: 2 | 3 | undefined): { format: CodeFormat; bindingMethod: BindingMethod } {
  return codeLayout === 2 ? { format: 'v2', bindingMethod: 's1' } : { format: 'v3', bindingMethod: 's2' };
}
/** The hc.v values of the formats above, as the issuer metadata lists them (code_layouts). */
export const CODE_LAYOUTS = [1, 2, 3] as const;

/**
 * Random bytes of a compact `jti`: 96 bits in layout 2; 72 bits (12 characters) in layout 3, whose
 * QR must stay at version 15 with a few characters to spare (random bytes do not compress). A jti
 * only has to be unique among the codes of one issuer that coexist: 2^72 values make a collision
 * among a hundred million codes a chance of about 10^-6, and the store refuses a duplicate anyway
 * (credentials' primary key). It proves nothing and guards nothing: the signature does that.
 */
const COMPACT_JTI_BYTES: Record<Exclude<CodeFormat, 'v1'>, number> = { v2: 12, v3: 9 };

export interface SignOptions {
  issuer: string;
  region: string;
  ttlSeconds: number;
  now: number;
  format?: CodeFormat;
  /** The jti chosen by the caller (newJti; its status-list index is reserved for it); default a new one. */
  jti?: string;
  /** The code's entry in Xinji's Token Status List (draft-ietf-oauth-status-list §6.1). */
  status?: { idx: number; uri: string };
}

/** A new jti in the layout's form: a UUID (v1), 96 random bits (v2) or 72 (v3) in base64url. */
export function newJti(format: CodeFormat = DEFAULT_CODE_FORMAT): string {
  return format === 'v1' ? randomUUID() : randomBytes(COMPACT_JTI_BYTES[format]).toString('base64url');
}

/**
 * Signs a code: the colour, the masked name and number, the document type and the binding — no
 * document number, full name or phone (privacy rules of the notice and PIPL). Times are whole
 * seconds (RFC 7519 NumericDate).
 */
export async function signCredential(subject: SubjectRecord, color: Color, keystore: Keystore, options: SignOptions): Promise<IssuedCode> {
  const key = keystore.activeKey();
  const iat = Math.floor(options.now / 1000);
  const exp = iat + options.ttlSeconds;
  const times = { issuedAt: iat * 1000, expiresAt: exp * 1000, kid: key.kid };
  const format = options.format ?? DEFAULT_CODE_FORMAT;
  const jti = options.jti ?? newJti(format);
  const status = options.status ? { status: { status_list: { idx: options.status.idx, uri: options.status.uri } } } : {};
  if (format === 'v1') {
    const jws = await new SignJWT({
      ...status,
      hc: { v: 1, color, region: options.region, name: subject.nameMasked, doc: subject.documentMasked, docType: subject.documentType, bind: subject.binding },
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CREDENTIAL_TYP })
      .setIssuer(options.issuer)
      .setSubject(subject.id)
      .setJti(jti)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .sign(key.privateKey);
    return { jws, jti, ...times };
  }
  const hc =
    format === 'v2'
      ? { v: 2, color, name: subject.nameMasked, doc: subject.documentMasked, docType: subject.documentType, bind: subject.binding }
      : { v: 3, c: color, n: subject.nameMasked, d: subject.documentMasked, t: subject.documentType, b: subject.binding };
  const claims = { iss: options.issuer, jti, iat, exp, ...status, hc };
  // RFC 1951 raw DEFLATE, as SMART Health Cards' zip "DEF"; the signature covers the compressed bytes.
  const payload = deflateRawSync(Buffer.from(JSON.stringify(claims), 'utf8'), { level: 9 });
  const typ = format === 'v2' ? CREDENTIAL_TYP : CREDENTIAL_TYP_V3;
  const jws = await new CompactSign(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ, zip: 'DEF' }).sign(key.privateKey);
  return { jws, jti, ...times };
}
