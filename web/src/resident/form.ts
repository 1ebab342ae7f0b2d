import { t, tOr } from '../shared/i18n.js';
import { el } from '../shared/dom.js';
import { documentProblem, phoneProblem } from '../shared/validate.js';
import type { ApiError } from '../shared/api.js';

/** The declaration form: read into the API's body, checked in the page, summarised for 二次确认. */
export interface Declaration {
  applicant: { name: string; document: { type: string; number: string }; phone: string; residence: string };
  travel14d: string[];
  symptoms: string[];
  contactWithCase: boolean;
  attestTruthful: boolean;
}

const form = (): HTMLFormElement => el<HTMLFormElement>('declaration');
const checked = (name: string): string[] =>
  [...form().querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((input) => input.value);

export function readForm(): Declaration {
  const other = el<HTMLInputElement>('f-travel-other').value.split(/[,，\s]+/).filter(Boolean);
  return {
    applicant: {
      name: el<HTMLInputElement>('f-name').value.trim(),
      document: { type: el<HTMLSelectElement>('f-doc-type').value, number: el<HTMLInputElement>('f-doc-number').value.trim().toUpperCase() },
      phone: el<HTMLInputElement>('f-phone').value.trim(),
      residence: checked('residence')[0] ?? 'permanent',
    },
    travel14d: [...new Set([...checked('travel'), ...other])],
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
  travel14d: 'f-travel-other',
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
export function checkForm(d: Declaration): boolean {
  clearFieldErrors();
  const problems: Array<[string, string]> = [];
  if (!d.applicant.name) problems.push(['f-name', t('required', { field: t('name') })]);
  const doc = d.applicant.document.number ? documentProblem(d.applicant.document.type, d.applicant.document.number) : 'required';
  if (doc) problems.push(['f-doc-number', doc === 'required' ? t('required', { field: t('docNumber') }) : t(doc)]);
  const phone = d.applicant.phone ? phoneProblem(d.applicant.phone) : 'required';
  if (phone) problems.push(['f-phone', phone === 'required' ? t('required', { field: t('phone') }) : t(phone)]);
  if (d.travel14d.some((r) => !/^([0-9]{6}|overseas)$/.test(r))) problems.push(['f-travel-other', t('travelOtherInvalid')]);
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
export function fillSummary(d: Declaration): void {
  const list = el('confirm-list');
  list.replaceChildren();
  const regions = d.travel14d.map((r) => tOr(`reg_${r}`, r));
  const rows: Array<[string, string]> = [
    [t('name'), d.applicant.name],
    [t('docType'), t(`doc_${d.applicant.document.type}`)],
    [t('docNumber'), d.applicant.document.number],
    [t('phone'), d.applicant.phone],
    [t('residence'), t(`res_${d.applicant.residence}`)],
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
  clearFieldErrors();
  el('confirm-list').replaceChildren();
}
