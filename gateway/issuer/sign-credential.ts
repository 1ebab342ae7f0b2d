import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Keystore } from './keystore.js';
import type { Color } from '../types/schemas.js';
import type { SubjectRecord } from '../store/store.js';

/** When a code issued at `nowMs` with `ttlSeconds` expires (epoch ms): what signCredential writes as exp. */
export function codeExpiry(nowMs: number, ttlSeconds: number): number {
  return (Math.floor(nowMs / 1000) + ttlSeconds) * 1000;
}

/** Explicit typing (RFC 8725 §3.11) so a Xinji code cannot be confused with another kind of JWT. */
export const CREDENTIAL_TYP = 'health-code+jwt';

/**
 * Where the health-code facts sit in a Xinji code; the same pointers are published in the issuer
 * metadata so partners can register Xinji without reading this file.
 */
export const XINJI_CLAIMS = {
  color: '/hc/color',
  nameMasked: '/hc/name',
  documentMasked: '/hc/doc',
  documentType: '/hc/docType',
  binding: '/hc/bind',
  credentialId: '/jti',
} as const;

export interface IssuedCode {
  jws: string;
  jti: string;
  kid: string;
  issuedAt: number;
  expiresAt: number;
}

/**
 * Signs a code: the colour, the masked name and number, the document type, the region and the
 * binding — no document number, full name or phone (privacy rules of the notice and PIPL).
 * `sub` is the opaque subject id. Times are whole seconds (RFC 7519 NumericDate).
 */
export async function signCredential(
  subject: SubjectRecord,
  color: Color,
  keystore: Keystore,
  options: {
    issuer: string; region: string; ttlSeconds: number; now: number;
    /** The jti chosen by the caller (its status-list index is reserved for it); default random. */
    jti?: string;
    /** The code's entry in Xinji's Token Status List (draft-ietf-oauth-status-list §6.1). */
    status?: { idx: number; uri: string };
  },
): Promise<IssuedCode> {
  const key = keystore.activeKey();
  const iat = Math.floor(options.now / 1000);
  const exp = iat + options.ttlSeconds;
  const jti = options.jti ?? randomUUID();
  const jws = await new SignJWT({
    ...(options.status ? { status: { status_list: { idx: options.status.idx, uri: options.status.uri } } } : {}),
    hc: {
      v: 1,
      color,
      region: options.region,
      name: subject.nameMasked,
      doc: subject.documentMasked,
      docType: subject.documentType,
      bind: subject.binding,
    },
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CREDENTIAL_TYP })
    .setIssuer(options.issuer)
    .setSubject(subject.id)
    .setJti(jti)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .sign(key.privateKey);
  return { jws, jti, kid: key.kid, issuedAt: iat * 1000, expiresAt: exp * 1000 };
}
