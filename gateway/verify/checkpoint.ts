import { isCheckableBinding } from '../identity/binding-check.js';
import type { CheckpointDecision, DenyReason, IdentityDocument } from '../types/schemas.js';
import type { VerifyOutcome } from './verify-code.js';

/**
 * The checkpoint rule of the Xinji notice: 亮码 + 身份证 + 测温 — show the code, show the ID
 * document, take the temperature. Only a valid green code that is not in a pop-up ("cannot
 * confirm") state, held by the person whose document it was issued for, with a temperature below
 * the fever threshold, passes. Everything else is denied, with every reason that applies so the
 * officer at the checkpoint can tell the person what to do.
 *
 * The presented document is used only for the binding check and is never logged or returned.
 */
export interface CheckpointInput {
  outcome: VerifyOutcome;
  temperatureC: number;
  document: IdentityDocument;
  /** 37.3 °C at Chinese checkpoints: a reading equal to the threshold is a fever. */
  feverThresholdC: number;
}

/**
 * How the document is checked against the binding: the gateway's is identity/binding.ts
 * (node:crypto scrypt); the verifier library brings its own (verifier/binding.ts), so this rule
 * runs unchanged in a browser.
 */
export type BindingMatcher = (binding: string, document: IdentityDocument) => Promise<boolean>;

export async function decideAtCheckpoint(input: CheckpointInput, matchesBinding: BindingMatcher): Promise<CheckpointDecision> {
  const { outcome, temperatureC, document, feverThresholdC } = input;
  // A reading that is not a finite number is no proof of "no fever": fail closed.
  const fever = !Number.isFinite(temperatureC) || !(temperatureC < feverThresholdC);

  if (!outcome.valid) {
    // The binding is not computed for an invalid code: its claims are not trusted, and a hostile
    // code must not buy scrypt work.
    const reasons: DenyReason[] = fever ? ['code_invalid', 'fever'] : ['code_invalid'];
    return { decision: 'deny', color: null, reasons, error: outcome.error.toJSON() };
  }

  const { credential, binding } = outcome;
  const reasons: DenyReason[] = [];
  if (credential.color === 'yellow') reasons.push('color_yellow');
  if (credential.color === 'red') reasons.push('color_red');
  if (credential.advisory) reasons.push('advisory');
  if (fever) reasons.push('fever');
  if (!isCheckableBinding(binding)) reasons.push('binding_missing');
  else if (!(await matchesBinding(binding, document))) reasons.push('document_mismatch');

  const pass = reasons.length === 0 && credential.color === 'green' && credential.advisory === false;
  return { decision: pass ? 'pass' : 'deny', color: credential.color, reasons, credential };
}
