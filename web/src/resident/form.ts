import { t, tOr } from '../shared/i18n.js';
import { el } from '../shared/dom.js';
import { documentProblem, phoneProblem } from '../shared/validate.js';
import type { ApiError } from '../shared/api.js';
import { pickedRegions, regionName, setPickedRegions } from './region-picker.js';

/** The declaration form: read into the API's body, checked in the page, summarised for 二次确认. */
export interface Declaration {
  applicant: { name: string; document: { type: string; number: string }; phone: string; residence: string };
  travel14d: string[];
  symptoms: string[];
  contactWithCase: boolean;
  attestTruthful: boolean;
}

/** A modification of the health facts only (the identity stays as declared: schemas/declaration-facts.schema.json). */
export interface Facts {
  residence: string;
  travel14d: string[];
  symptoms: string[];
  contactWithCase: boolean;
  attestTruthful: boolean;
}

/** The current declaration as the gateway holds it (schemas/declaration-view.schema.json), as far as the form reads it. */
export interface DeclarationView {
  name: string;
  documentType: string;
  documentMasked: string;
  residence: string;
  travel14d: string[];
  symptoms: string[];
  contactWithCase: boolean;
  modifiableToday: boolean;
  checkedInToday: boolean;
  viaProxy: boolean;
  declareForOthers: { allowed: boolean; refusal?: string };
}

export const isFacts = (d: Declaration | Facts): d is Facts => !('applicant' in d);

const IDENTITY = ['f-name', 'f-doc-number', 'f-phone'] as const;
/** Set while the identity fields show the declared (masked) identity, read-only. */
let lockedIdentity: DeclarationView | undefined;

const form = (): HTMLFormElement => el<HTMLFormElement>('declaration');
const checked = (name: string): string[] =>
  [...form().querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((input) => input.value);

export function readForm(): Declaration | Facts {
  const travel14d = [...new Set([...checked('travel'), ...pickedRegions()])];
  if (lockedIdentity) {
    return { residence: checked('residence')[0] ?? 'permanent', travel14d, symptoms: checked('symptoms'), contactWithCase: checked('contact')[0] === 'yes', attestTruthful: el<HTMLInputElement>('f-attest').checked };
  }
  return {
    applicant: {
      name: el<HTMLInputElement>('f-name').value.trim(),
      document: { type: el<HTMLSelectElement>('f-doc-type').value, number: el<HTMLInputElement>('f-doc-number').value.trim().toUpperCase() },
      phone: el<HTMLInputElement>('f-phone').value.trim(),
      residence: checked('residence')[0] ?? 'permanent',
    },
    travel14d,
    symptoms: checked('symptoms'),
    contactWithCase: checked('contact')[0] === 'yes',
    attestTruthful: el<HTMLInputElement>('f-attest').checked,
  };
}

/** Where the API's `field` points, as the input that holds it. */
const FIELD_INPUTS: Record<string, string> = {
  'applicant.name': 'f-name',
  'applicant.document.number': 'f-doc-number',
  'applicant.document': 'f-doc-number',
  'applicant.phone': 'f-phone',
  attestTruthful: 'f-attest',
  travel14d: 'f-province',
};

export function clearFieldErrors(): void {
  for (const id of new Set(Object.values(FIELD_INPUTS))) {
    el(id).removeAttribute('aria-invalid');
    const error = el(`${id}-error`);
    error.textContent = '';
    error.hidden = true;
  }
}

function fieldError(id: string, text: string): void {
  el(id).setAttribute('aria-invalid', 'true');
  const error = el(`${id}-error`);
  error.textContent = text;
  error.hidden = false;
}

/** Checks what the page can; marks the fields and focuses the first. True when all is well. */
export function checkForm(d: Declaration | Facts): boolean {
  clearFieldErrors();
  const problems: Array<[string, string]> = [];
  if (isFacts(d)) {
    if (!d.attestTruthful) problems.push(['f-attest', t('ERR_ATTESTATION_REQUIRED')]);
    for (const [id, text] of problems) fieldError(id, text);
    if (problems[0]) el(problems[0][0]).focus();
    return problems.length === 0;
  }
  if (!d.applicant.name) problems.push(['f-name', t('required', { field: t('name') })]);
  const doc = d.applicant.document.number ? documentProblem(d.applicant.document.type, d.applicant.document.number) : 'required';
  if (doc) problems.push(['f-doc-number', doc === 'required' ? t('required', { field: t('docNumber') }) : t(doc)]);
  const phone = d.applicant.phone ? phoneProblem(d.applicant.phone) : 'required';
  if (phone) problems.push(['f-phone', phone === 'required' ? t('required', { field: t('phone') }) : t(phone)]);
  if (!d.attestTruthful) problems.push(['f-attest', t('ERR_ATTESTATION_REQUIRED')]);
  for (const [id, text] of problems) fieldError(id, text);
  if (problems[0]) el(problems[0][0]).focus();
  return problems.length === 0;
}

/** Marks the field an API error names; false when it names none the form has. */
export function showApiFieldError(error: ApiError, text: string): boolean {
  const id = error.field ? FIELD_INPUTS[error.field] : undefined;
  if (!id) return false;
  fieldError(id, text);
  el(id).focus();
  return true;
}

/** 信息二次确认: every value as the person entered it, in words. */
export function fillSummary(d: Declaration | Facts): void {
  const list = el('confirm-list');
  list.replaceChildren();
  const regions = d.travel14d.map((r) => tOr(`reg_${r}`, regionName(r) ?? r));
  const identity: Array<[string, string]> = isFacts(d)
    ? [
        [t('name'), lockedIdentity?.name ?? ''],
        [t('docType'), t(`doc_${lockedIdentity?.documentType ?? 'resident_id'}`)],
        [t('docNumber'), lockedIdentity?.documentMasked ?? ''],
        [t('phone'), t('unchanged')],
      ]
    : [
        [t('name'), d.applicant.name],
        [t('docType'), t(`doc_${d.applicant.document.type}`)],
        [t('docNumber'), d.applicant.document.number],
        [t('phone'), d.applicant.phone],
      ];
  const rows: Array<[string, string]> = [
    ...identity,
    [t('residence'), t(`res_${isFacts(d) ? d.residence : d.applicant.residence}`)],
    [t('travel'), regions.join('、') || t('none')],
    [t('symptoms'), d.symptoms.map((s) => t(`sym_${s}`)).join('、') || t('none')],
    [t('contact'), d.contactWithCase ? t('yes') : t('no')],
  ];
  for (const [term, value] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    list.append(dt, dd);
  }
}

/** Empties the form (and the summary): nothing personal is left in the page after sending. */
export function resetForm(): void {
  form().reset();
  unlockIdentity();
  setPickedRegions([]);
  clearFieldErrors();
  el('confirm-list').replaceChildren();
}

/**
 * Starts the form from the declaration the gateway holds (修改信息): the health facts filled in,
 * the identity fields showing the declared (masked) identity read-only — a proxy may not change
 * it (ERR_PROXY_IDENTITY_CHANGE), and the holder changes it only on request (`canUnlock`).
 */
export function startFrom(view: DeclarationView, canUnlock: boolean): void {
  resetForm();
  lockedIdentity = view;
  el<HTMLInputElement>('f-name').value = view.name;
  el<HTMLSelectElement>('f-doc-type').value = view.documentType;
  el<HTMLInputElement>('f-doc-number').value = view.documentMasked;
  el<HTMLInputElement>('f-phone').value = t('unchanged');
  for (const id of IDENTITY) el<HTMLInputElement>(id).readOnly = true;
  el<HTMLSelectElement>('f-doc-type').disabled = true;
  const note = el('identity-note');
  note.textContent = t(view.viaProxy ? 'identityProxy' : 'identityKept');
  note.hidden = false;
  el('btn-identity-edit').hidden = !canUnlock;
  const boxes = [...form().querySelectorAll<HTMLInputElement>('input[name="travel"]')];
  for (const box of boxes) box.checked = view.travel14d.includes(box.value);
  setPickedRegions(view.travel14d.filter((code) => !boxes.some((box) => box.value === code)));
  for (const box of form().querySelectorAll<HTMLInputElement>('input[name="residence"]')) box.checked = box.value === view.residence;
  for (const box of form().querySelectorAll<HTMLInputElement>('input[name="symptoms"]')) box.checked = view.symptoms.includes(box.value);
  for (const box of form().querySelectorAll<HTMLInputElement>('input[name="contact"]')) box.checked = box.value === (view.contactWithCase ? 'yes' : 'no');
}

/** The identity fields editable and empty again (a full declaration, typed in full). */
export function unlockIdentity(): void {
  if (!lockedIdentity) return;
  lockedIdentity = undefined;
  for (const id of IDENTITY) {
    el<HTMLInputElement>(id).readOnly = false;
    el<HTMLInputElement>(id).value = '';
  }
  el<HTMLSelectElement>('f-doc-type').disabled = false;
  el('identity-note').hidden = true;
  el('btn-identity-edit').hidden = true;
}
