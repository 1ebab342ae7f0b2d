import { createHash } from 'node:crypto';
import type { DerivedColor } from '../color/derive-color.js';
import type { Config } from '../config/load-config.js';
import type { SubjectRecord } from '../store/store.js';

/**
 * A digest of everything a code states about the person or was decided on: the colour and its
 * reasons, who it names (masked name and number, document type, binding), issuer and region. Two
 * codes with the same digest say the same thing, so the one held may be returned instead of
 * signing another (code-reuse.ts). Only a digest is stored: no more about the person than the row has.
 */
export function codeFacts(
  deps: { config: Pick<Config, 'issuer'> },
  subject: Pick<SubjectRecord, 'nameMasked' | 'documentMasked' | 'documentType' | 'binding'>,
  derived: DerivedColor,
): string {
  const facts = [
    derived.color, [...derived.reasons].sort(),
    subject.nameMasked, subject.documentMasked, subject.documentType, subject.binding,
    deps.config.issuer.url, deps.config.issuer.region,
  ];
  return createHash('sha256').update(JSON.stringify(facts)).digest('base64url');
}
