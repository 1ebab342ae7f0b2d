import { randomBytes } from 'node:crypto';
import { WorkPool } from '../../gateway/admission/work-pool.js';
import { createBindingCheck } from '../../gateway/checkpoint/document-check.js';
import { documentKey } from '../../gateway/declarations/secrets.js';
import { createBinding } from '../../gateway/identity/binding.js';
import type { IdentityDocument } from '../../gateway/types/schemas.js';
import type { OwnSubjectBinding, ValidOutcome } from '../../gateway/verify/verify-code.js';
import { makePartner } from '../verify/fixtures.js';

/**
 * The document check of own codes compares keyed hashes; it must also refuse a code whose binding
 * is not the subject's current one — the moment between a document change and the revocation of
 * the old codes (declaration-service.ts modify) must not let the old code pass with the new document.
 */
const pepper = randomBytes(32);
const oldDocument: IdentityDocument = { type: 'resident_id', number: '130181199001011239' };
const newDocument: IdentityDocument = { type: 'resident_id', number: '11010519491231002X' };
const now = Date.parse('2026-11-27T08:00:00Z');

function outcome(binding: string, own?: OwnSubjectBinding): ValidOutcome {
  const partner = makePartner();
  return {
    valid: true, partner, jti: `j-${randomBytes(4).toString('hex')}`, payload: {}, binding,
    credential: {
      schemaVersion: '1.0', credentialId: 'c', issuer: { partnerId: partner.id, name: partner.name, region: partner.region, iss: partner.issuer },
      subject: { nameMasked: '张*猛' }, color: 'green', sourceColor: 'green', colorMapVersion: '1', advisory: false,
      issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 900_000).toISOString(),
    },
    ...(own ? { own } : {}),
  };
}

const check = createBindingCheck({ pepper, pool: new WorkPool({ concurrency: 1, queue: 4 }), now: () => now, clockToleranceSeconds: 60, matchCacheMaxEntries: 100 });

describe('own codes', () => {
  let oldBinding: string;
  let newBinding: string;
  beforeAll(async () => {
    [oldBinding, newBinding] = await Promise.all([createBinding(oldDocument, 10), createBinding(newDocument, 10)]);
  });

  it('match the document whose keyed hash the subject holds, and no other', async () => {
    const own = { documentKey: documentKey(pepper, oldDocument), binding: oldBinding };
    expect(await check(outcome(oldBinding, own), oldDocument)).toBe('match');
    expect(await check(outcome(oldBinding, own), newDocument)).toBe('document_mismatch');
    expect(await check(outcome(oldBinding, own), { ...oldDocument, type: 'passport' as const, number: 'E12345678' })).toBe('document_mismatch');
  });

  it('never match when the code was issued for an earlier document, whichever document is shown', async () => {
    // The subject now holds the new document; the code still carries the old binding.
    const own = { documentKey: documentKey(pepper, newDocument), binding: newBinding };
    expect(await check(outcome(oldBinding, own), newDocument)).toBe('document_mismatch');
    expect(await check(outcome(oldBinding, own), oldDocument)).toBe('document_mismatch');
  });
});
