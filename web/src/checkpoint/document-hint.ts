import { XINJI_CLAIM_POINTERS } from '../../../gateway/issuer/code-layouts.js';
import type { Partner } from '../../../gateway/types/schemas.js';
import { claimPointersFor } from '../../../gateway/verify/claim-layout.js';
import { decodeCode } from '../../../gateway/verify/decode-qr.js';
import { resolvePointer } from '../../../gateway/verify/json-pointer.js';
import { decodePayload, parseCompact } from '../../../gateway/verify/parse-compact.js';

/**
 * Which document the person should show, read from the scanned code before it is verified
 * (issue 21, item 5: a passport code selects 护照). Only a hint that preselects 证件类型: the
 * decision is the gateway's (or the offline verifier's), which checks the binding against the
 * document the officer enters, so a forged hint gains nothing.
 *
 * The type is read with the pointers of the code's claim layout (claim-layout.ts): Xinji's layouts
 * 1 and 2 carry it at /hc/docType, layout 3 at /hc/t; a partner's pointers come from the trust
 * bundle the device holds (its descriptor's claims and claimLayouts). Compressed (zip "DEF") and
 * numeric-mode (shc:/) codes are read as every reader reads them.
 */
const TYPES = new Set(['resident_id', 'hmt_residence_permit', 'hk_macau_permit', 'taiwan_permit', 'passport', 'foreign_permanent_resident_id']);
type Pointers = Pick<Partner, 'claims' | 'claimLayouts'>;

function decodeJson(part: string): unknown {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The partner pointers of a held trust bundle (compact JWS), by issuer. */
export function bundlePointers(bundleJws: string | undefined): Map<string, Pointers> {
  const pointers = new Map<string, Pointers>();
  try {
    const payload = decodeJson(bundleJws?.split('.')[1] ?? '') as { partners?: Array<{ descriptor?: Partial<Partner> }> };
    for (const partner of payload.partners ?? []) {
      const { issuer, claims, claimLayouts } = partner.descriptor ?? {};
      if (issuer && claims) pointers.set(issuer, claimLayouts ? { claims, claimLayouts } : { claims });
    }
  } catch {
    // No bundle, or not one this page can read: Xinji's pointers only.
  }
  return pointers;
}

/** The document type the code names, when it names one of the six this page offers. */
export function documentTypeOf(code: string, partnerPointers: ReadonlyMap<string, Pointers> = new Map()): string | undefined {
  try {
    const payload = decodePayload(parseCompact(decodeCode(code.trim())));
    const partner = (typeof payload['iss'] === 'string' ? partnerPointers.get(payload['iss']) : undefined) ?? XINJI_CLAIM_POINTERS;
    const pointer = claimPointersFor(partner, payload).documentType;
    const type = pointer === undefined ? undefined : resolvePointer(payload, pointer);
    return typeof type === 'string' && TYPES.has(type) ? type : undefined;
  } catch {
    return undefined;
  }
}
