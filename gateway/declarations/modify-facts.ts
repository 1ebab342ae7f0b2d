import { GatewayError } from '../errors/gateway-error.js';
import { assertValid } from '../schemas/registry.js';
import { authorize } from './holder-auth.js';
import { issueCode, type IssuerDeps } from './code-issuer.js';
import { shanghaiDay } from './secrets.js';
import type { DeclarationFacts, DeclarationResult } from '../types/schemas.js';

/** A PUT body without `applicant`: the health facts only (schemas/declaration-facts.schema.json). */
export function isFactsOnly(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && !Object.hasOwn(body, 'applicant');
}

/**
 * PUT /v1/subjects/{id}/declaration with the health facts only (issue 21, item 3): the name,
 * document and phone stay as declared, so nobody retypes them — and a proxy, who may change only
 * these facts, never has to know them. Same daily limit (notice Q7) and the same atomic update as
 * a full modification; the binding and the masked identity are kept, so outstanding codes are
 * only superseded if the colour changes, never revoked.
 */
export async function modifyFacts(deps: IssuerDeps, subjectId: string, body: unknown, token: string | undefined): Promise<DeclarationResult> {
  const { viaProxy: _, ...subject } = await authorize(deps, token, subjectId);
  const facts = assertValid<DeclarationFacts>('declaration-facts', body);
  if (facts.attestTruthful !== true) throw new GatewayError('ERR_ATTESTATION_REQUIRED', undefined, { field: 'attestTruthful' });
  const now = deps.now();
  const update = {
    documentType: subject.documentType,
    documentKey: subject.documentKey,
    identityKey: subject.identityKey,
    nameMasked: subject.nameMasked,
    documentMasked: subject.documentMasked,
    binding: subject.binding,
    declaration: { residence: facts.residence, travel14d: facts.travel14d, symptoms: facts.symptoms, contactWithCase: facts.contactWithCase },
    declaredAt: now,
  };
  const outcome = await deps.store.updateDeclaration(subject.id, update, shanghaiDay(now));
  if (outcome === 'not_found') throw new GatewayError('ERR_SUBJECT_NOT_FOUND');
  if (outcome === 'already_modified_today') throw new GatewayError('ERR_MODIFICATION_LIMIT');
  deps.metrics.declarations.inc({ kind: 'modification' });
  const issued = await issueCode(deps, { ...subject, ...update, modifiedDay: shanghaiDay(now) });
  return { subjectId: subject.id, color: issued.color, reasons: issued.reasons, credential: issued.credential };
}
