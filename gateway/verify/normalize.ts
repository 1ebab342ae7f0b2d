import type { ErrorObject } from 'ajv';
import { GatewayError } from '../errors/gateway-error.js';
import { errorField } from '../schemas/error-field.js';
import { validateNormalizedCredential } from '../schemas/standalone-validators.js';
import type { NormalizedCredential, NormalizedSubject, Partner } from '../types/schemas.js';
import type { TimeClaims } from './claims.js';
import { claimPointersFor } from './claim-layout.js';
import { mapColor, selectColorMap } from './color-map.js';
import { resolvePointer } from './json-pointer.js';

/**
 * A verified partner payload onto the shared NormalizedCredential: claims are found with the
 * partner's JSON Pointers (those of the code's claim layout, claim-layout.ts), the colour through
 * its versioned vocabulary. The result is validated
 * against normalized-credential.schema.json before anyone sees it, so a partner's odd claim
 * (a 200-character "masked" name) is refused rather than passed on.
 *
 * The document binding is returned beside the credential, never inside it: the credential is
 * what is shown and stored; the binding is only for the checkpoint's document check.
 */
export interface Normalized {
  credential: NormalizedCredential;
  binding?: string;
}

const SUBJECT_FIELDS = ['nameMasked', 'documentType', 'documentMasked'] as const;

function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/**
 * A printed 通行证 (`kind: 'pass'`) carries no colour: it is normalised as green, which holds only
 * because the caller checks it against its issuer's status data next (verify-service.ts online,
 * the trust bundle's snapshot offline); an issuer lists a pass the moment its holder stops being green.
 */
export function normalizeCredential(partner: Partner, payload: Record<string, unknown>, claims: TimeClaims, kind: 'code' | 'pass' = 'code'): Normalized {
  const pointers = claimPointersFor(partner, payload);
  let colorFields: Pick<NormalizedCredential, 'color' | 'sourceColor' | 'colorMapVersion' | 'advisory' | 'kind'>;
  if (kind === 'pass') {
    colorFields = { kind: 'pass', color: 'green', advisory: false };
  } else {
    const sourceColor = resolvePointer(payload, pointers.color);
    const mapped = mapColor(selectColorMap(partner, claims.iat), sourceColor);
    if (!mapped || (typeof sourceColor !== 'string' && typeof sourceColor !== 'number')) {
      throw new GatewayError('ERR_COLOR_UNMAPPED');
    }
    colorFields = { color: mapped.color, sourceColor, colorMapVersion: mapped.version, advisory: mapped.advisory };
  }

  let credentialId = claims.jti;
  if (pointers.credentialId !== undefined) {
    const value = resolvePointer(payload, pointers.credentialId);
    if (typeof value !== 'string' || value.length === 0) {
      throw new GatewayError('ERR_CLAIMS_INVALID', 'The code lacks the credential id its issuer registered.');
    }
    credentialId = value;
  }

  const subject: NormalizedSubject = {};
  for (const field of SUBJECT_FIELDS) {
    const pointer = pointers[field];
    const value = pointer === undefined ? undefined : resolvePointer(payload, pointer);
    if (typeof value === 'string') subject[field] = value;
  }

  const credential: NormalizedCredential = {
    schemaVersion: '1.0',
    credentialId,
    issuer: { partnerId: partner.id, name: partner.name, region: partner.region, iss: partner.issuer },
    subject,
    ...colorFields,
    issuedAt: isoSeconds(claims.iat),
    expiresAt: isoSeconds(claims.exp),
  };
  // Compiled ahead of time from normalized-credential.schema.json (scripts/gen-types.mjs): the
  // same check in the gateway and in the browser library, with no code generation at run time.
  const validate = validateNormalizedCredential as { (data: unknown): boolean; errors?: ErrorObject[] | null };
  if (!validate(credential)) {
    const first = validate.errors?.[0];
    const field = first ? errorField(first) : '';
    throw new GatewayError('ERR_CLAIMS_INVALID', `A claim does not fit the shared credential schema${field ? ` (${field})` : ''}.`);
  }

  const binding = pointers.binding === undefined ? undefined : resolvePointer(payload, pointers.binding);
  return typeof binding === 'string' ? { credential, binding } : { credential };
}
