import { assertValid } from '../schemas/registry.js';
import { GatewayError } from '../errors/gateway-error.js';
import { validateDocument } from '../identity/documents.js';
import { validatePhone } from '../identity/phone.js';
import type { Declaration } from '../types/schemas.js';

export interface ValidDeclaration {
  declaration: Declaration;
  canonicalPhone: string;
}

/** Schema first (shape), then the notice's rules on each field, each error naming its field. */
export function validateDeclaration(body: unknown, now: number): ValidDeclaration {
  const declaration = assertValid<Declaration>('declaration', body);
  // One spelling of a name from here on: masking, the identity key and comparisons see NFC only.
  declaration.applicant.name = declaration.applicant.name.normalize('NFC');
  validateDocument(declaration.applicant.document, 'applicant.document.number', new Date(now));
  const canonicalPhone = validatePhone(declaration.applicant.phone, 'applicant.phone');
  if (declaration.attestTruthful !== true) {
    // Notice Q5: the applicant answers for the truth of the declaration.
    throw new GatewayError('ERR_ATTESTATION_REQUIRED', undefined, { field: 'attestTruthful' });
  }
  return { declaration, canonicalPhone };
}
