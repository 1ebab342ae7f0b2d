import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Keystore } from './keystore.js';
import type { SubjectRecord } from '../store/store.js';
import type { IssuedCode } from './sign-credential.js';

/**
 * A printed 通行证 (notice §2: 对没有智能手机及其它客观原因无法申请"辛集健康码"的人群，可凭"通行证"出行).
 * Its own typ (RFC 8725 §3.11) so it can never be taken for a code, nor a code for it.
 */
export const PASS_TYP = 'health-pass+jwt';

/**
 * Signs a pass: the same claims as a code — region, masked name and number, document type and the
 * document binding — but **no colour**. Paper cannot change colour, so a pass states only who it
 * was issued to; a checkpoint decides with the person's colour now (online: the subject's derived
 * colour; offline: the issuer's status data, which lists a pass the moment its holder stops being
 * green — declarations/passes.ts). Its lifetime is long (PASS_TTL_SECONDS, 30 days) because
 * reprinting is a trip to a counter, not because the facts last that long. Like a code it carries
 * no subject id (a stable id would let verifiers link one person's scans); the jti names its record.
 * It is uncompressed (codes' layout 1, which every verifier still reads): printed at 62 mm, its QR
 * needs no saving of modules.
 */
export async function signPass(
  subject: SubjectRecord,
  keystore: Keystore,
  options: {
    issuer: string;
    region: string;
    ttlSeconds: number;
    now: number;
    /** The jti chosen by the caller (its status-list index is reserved for it first); default a new UUID. */
    jti?: string;
    /** The pass's entry in Xinji's Token Status List (draft-ietf-oauth-status-list §6.1), as a code's. */
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
      region: options.region,
      name: subject.nameMasked,
      doc: subject.documentMasked,
      docType: subject.documentType,
      bind: subject.binding,
    },
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: PASS_TYP })
    .setIssuer(options.issuer)
    .setJti(jti)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .sign(key.privateKey);
  return { jws, jti, kid: key.kid, issuedAt: iat * 1000, expiresAt: exp * 1000 };
}
