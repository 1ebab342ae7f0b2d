import { GatewayError } from '../errors/gateway-error.js';
import type { Partner, PartnerClaimPointers } from '../types/schemas.js';
import { resolvePointer } from './json-pointer.js';

/**
 * The claim pointers to read one code with. An issuer whose codes come in several claim layouts
 * (Xinji: layouts 1, 2 and 3, docs/credential.md) names the layout in the payload, at the same
 * place in every layout (claimLayouts.pointer, /hc/v for Xinji); the partner entry holds each
 * layout's pointers, so old and new codes verify side by side until the old ones expire.
 *
 * A code without a value there is read with `claims` (an issuer's codes from before it numbered
 * its layouts). A layout the entry does not know is refused rather than read with `claims`: its
 * claims could mean something else under the same names, and "not a layout we can read" is what
 * is true (a newer layout than the partner entry: re-register from the issuer's metadata).
 */
export function claimPointersFor(partner: Pick<Partner, 'claims' | 'claimLayouts'>, payload: Record<string, unknown>): PartnerClaimPointers {
  const layouts = partner.claimLayouts;
  if (layouts === undefined) return partner.claims;
  const value = resolvePointer(payload, layouts.pointer);
  if (value === undefined) return partner.claims;
  const key = typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)) ? String(value) : undefined;
  const pointers = key !== undefined && Object.hasOwn(layouts.layouts, key) ? layouts.layouts[key] : undefined;
  if (!pointers) throw new GatewayError('ERR_CLAIMS_INVALID', 'The code names a claim layout its issuer did not register.');
  return pointers;
}
