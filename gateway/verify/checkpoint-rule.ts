import { isCheckableBinding } from '../identity/binding-scheme.js';
import type { CheckpointDecision, DenyReason, IdentityDocument } from '../types/schemas.js';
import type { ValidOutcome, VerifyOutcome } from './verify-code.js';

/**
 * The checkpoint rule of the Xinji notice: 亮码 + 身份证 + 测温 — show the code, show the ID
 * document, take the temperature. Only a valid green code that is not in a pop-up ("cannot
 * confirm") state, held by the person whose document it was issued for, with a temperature below
 * the fever threshold, passes. Everything else is denied, with every reason that applies so the
 * officer at the checkpoint can tell the person what to do.
 *
 * The presented document is used only for the binding check and is never logged or returned.
 */
/** What the document check found (checkpoint/document-check.ts in the gateway; scryptBindingCheck below elsewhere). */
export type BindingVerdict = 'match' | 'document_mismatch' | 'document_mismatch_locked' | 'binding_missing';

export interface CheckpointInput {
  outcome: VerifyOutcome;
  temperatureC: number;
  document: IdentityDocument;
  /** 37.3 °C at Chinese checkpoints: a reading equal to the threshold is a fever. */
  feverThresholdC: number;
  /**
   * The document check: in the gateway checkpoint/document-check.ts (lookup for own codes, bounded
   * scrypt with a memory and a mismatch lock for partners'); in the verifier library, which runs
   * in browsers, scryptBindingCheck with @noble/hashes (verifier/binding.ts).
   */
  checkBinding: (outcome: ValidOutcome, document: IdentityDocument) => Promise<BindingVerdict>;
}

/**
 * The plain check: the code's scrypt binding computed with `matches` (identity/binding.ts with
 * node:crypto, or the library's). Kept free of Node-only imports so this rule runs in browsers.
 */
export function scryptBindingCheck(matches: (binding: string, document: IdentityDocument) => Promise<boolean>): CheckpointInput['checkBinding'] {
  return async (outcome, document) => {
    if (!isCheckableBinding(outcome.binding)) return 'binding_missing';
    return (await matches(outcome.binding, document)) ? 'match' : 'document_mismatch';
  };
}

export async function decideAtCheckpoint(input: CheckpointInput): Promise<CheckpointDecision> {
  const { outcome, temperatureC, document, feverThresholdC, checkBinding } = input;
  // A reading that is not a finite number is no proof of "no fever": fail closed.
  const fever = !Number.isFinite(temperatureC) || !(temperatureC < feverThresholdC);

  if (!outcome.valid) {
    // The binding is not computed for an invalid code: its claims are not trusted, and a hostile
    // code must not buy scrypt work.
    const reasons: DenyReason[] = fever ? ['code_invalid', 'fever'] : ['code_invalid'];
    return { decision: 'deny', color: null, reasons, method: 'code', error: outcome.error.toJSON() };
  }

  const { credential } = outcome;
  const reasons: DenyReason[] = [];
  if (credential.color === 'yellow') reasons.push('color_yellow');
  if (credential.color === 'red') reasons.push('color_red');
  if (credential.advisory) reasons.push('advisory');
  if (fever) reasons.push('fever');
  const verdict = await checkBinding(outcome, document);
  if (verdict !== 'match') reasons.push(verdict);

  const pass = reasons.length === 0 && credential.color === 'green' && credential.advisory === false;
  // A 通行证 carries no colour: its green is "not listed by its issuer" (issuer/sign-pass.ts).
  const method = credential.kind === 'pass' ? 'pass' : 'code';
  return { decision: pass ? 'pass' : 'deny', color: credential.color, reasons, method, credential };
}
