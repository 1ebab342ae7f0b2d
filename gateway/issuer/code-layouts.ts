/**
 * Where the facts sit in each layout of a Xinji code (sign-credential.ts signs them): shared by the
 * issuer metadata and the checkpoint page's document hint, so no Node-only imports.
 */
import type { Partner } from '../types/schemas.js';

/**
 * Where the health-code facts sit in a layout-1 or layout-2 Xinji code; published in the issuer
 * metadata as `claims`, the pointers partners registered Xinji with before layout 3.
 */
export const XINJI_CLAIMS = {
  color: '/hc/color',
  nameMasked: '/hc/name',
  documentMasked: '/hc/doc',
  documentType: '/hc/docType',
  binding: '/hc/bind',
  credentialId: '/jti',
} as const;

/**
 * Layout 3's short names inside `hc`: every character counts in a QR (docs/credential.md, "Layouts
 * and size"). v stays v, the layout number every layout carries at the same place.
 */
export const XINJI_CLAIMS_V3 = {
  color: '/hc/c',
  nameMasked: '/hc/n',
  documentMasked: '/hc/d',
  documentType: '/hc/t',
  binding: '/hc/b',
  credentialId: '/jti',
} as const;

/**
 * Each layout's claim pointers by its number at `pointer` (hc.v), as the issuer metadata publishes
 * them (claim_layouts) and a partner entry holds them (claimLayouts): a verifier reads a code with
 * the pointers of the layout it names, so codes of layouts 1, 2 and 3 verify side by side until
 * the older ones have expired.
 */
export const XINJI_CLAIM_LAYOUTS = {
  pointer: '/hc/v',
  layouts: { '1': XINJI_CLAIMS, '2': XINJI_CLAIMS, '3': XINJI_CLAIMS_V3 },
} as const;

/** Xinji's pointers as a partner entry holds them (claims and claimLayouts), for pages reading Xinji codes. */
export const XINJI_CLAIM_POINTERS: Pick<Partner, 'claims' | 'claimLayouts'> = {
  claims: XINJI_CLAIMS,
  claimLayouts: { pointer: XINJI_CLAIM_LAYOUTS.pointer, layouts: XINJI_CLAIM_LAYOUTS.layouts },
};
