import { decodeCode } from '../../../gateway/verify/decode-qr.js';
import { decodePayload, parseCompact } from '../../../gateway/verify/parse-compact.js';

/**
 * Which document the person should show, read from the scanned code before it is verified
 * (issue 21, item 5: a passport code selects 护照). Only a hint that preselects 证件类型: the
 * decision is the gateway's (or the offline verifier's), which checks the binding against the
 * document the officer enters, so a forged hint gains nothing.
 *
 * Xinji codes carry the type at /hc/docType; a partner's pointer comes from the trust bundle the
 * device holds (its descriptor's claims.documentType). Codes that are not a plain compact JWS
 * with a JSON payload (compressed QR forms) give no hint.
 */
const TYPES = new Set(['resident_id', 'hmt_residence_permit', 'hk_macau_permit', 'taiwan_permit', 'passport', 'foreign_permanent_resident_id']);
const XINJI_POINTER = '/hc/docType';

function decodeJson(part: string): unknown {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** RFC 6901 JSON Pointer: /a/b, with ~1 for / and ~0 for ~. */
function at(value: unknown, pointer: string): unknown {
  if (!pointer.startsWith('/')) return undefined;
  let current = value;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The partner pointers of a held trust bundle (compact JWS), by issuer. */
export function bundlePointers(bundleJws: string | undefined): Map<string, string> {
  const pointers = new Map<string, string>();
  try {
    const payload = decodeJson(bundleJws?.split('.')[1] ?? '') as { partners?: Array<{ descriptor?: { issuer?: string; claims?: { documentType?: string } } }> };
    for (const partner of payload.partners ?? []) {
      const { issuer, claims } = partner.descriptor ?? {};
      if (issuer && claims?.documentType) pointers.set(issuer, claims.documentType);
    }
  } catch {
    // No bundle, or not one this page can read: Xinji's pointer only.
  }
  return pointers;
}

/** The document type the code names, when it names one of the six this page offers. */
export function documentTypeOf(code: string, partnerPointers: ReadonlyMap<string, string> = new Map()): string | undefined {
  try {
    const payload = decodePayload(parseCompact(decodeCode(code.trim())));
    const pointer = (typeof payload['iss'] === 'string' ? partnerPointers.get(payload['iss']) : undefined) ?? XINJI_POINTER;
    const type = at(payload, pointer);
    return typeof type === 'string' && TYPES.has(type) ? type : undefined;
  } catch {
    return undefined;
  }
}
