import { api } from '../shared/api.js';
import { el, say } from '../shared/dom.js';
import { errorText } from '../shared/errors.js';
import { fillDocumentTypes } from '../shared/documents.js';
import { addStrings, t } from '../shared/i18n.js';
import { phoneProblem, documentProblem } from '../shared/validate.js';
import { addSignInButton, signInTicket, type Recovered } from './sign-in.js';

/**
 * 找回健康码 and 退出登录 (issue 17): a resident on a new phone, or whose token ended, gets its code
 * back with a one-time code sent to the phone it declared; a resident on a shared phone signs out.
 * The view is built here, so the page's HTML and main module only name it: nothing personal is
 * kept on the device (the form is emptied once it is done).
 */
addStrings({
  recover: { zh: '找回健康码', en: 'Recover my code' },
  recoverHelp: {
    zh: '换了手机或清除了浏览器数据？填写申报时的姓名、证件和手机号码，我们会向该手机发送验证码。',
    en: 'New phone or cleared browser? Enter the name, document and mobile number you declared with; a code goes to that phone.',
  },
  recoverSend: { zh: '获取验证码', en: 'Send me a code' },
  recoverSent: {
    zh: '如果证件和手机号码与申报时一致，验证码已发送到该手机，5分钟内有效。',
    en: 'If the document and number match a declaration, a code was sent to that phone; it is valid for 5 minutes.',
  },
  recoverCode: { zh: '短信验证码（6位数字）', en: 'Code from the text message (6 digits)' },
  recoverConfirm: { zh: '确认', en: 'Confirm' },
  recoverNameProblem: { zh: '请填写申报时的姓名。', en: 'Enter the name you declared with.' },
  recoverCodeProblem: { zh: '请输入短信中的6位数字验证码。', en: 'Enter the 6 digits of the text message.' },
  recovered: { zh: '已找回健康码。其他设备上的旧登录已失效。', en: 'Your code is back. The sign-in on any other device has ended.' },
  signOut: { zh: '退出登录', en: 'Sign out' },
  signedOut: { zh: '已退出登录，本机不再保存您的健康码。', en: 'Signed out: this device no longer keeps your code.' },
  claimCode: { zh: '柜台领取码（仅在窗口办理后需要）', en: 'Claim code from the counter (only if one was given)' },
});

export type { Recovered };

export interface AccountHooks {
  /** Hides the page's own views (the recovery view then shows alone). */
  hideOthers: () => void;
  /** The person proved itself: keep the new token and show the code. */
  onRecovered: (holder: Recovered) => void | Promise<void>;
  /** The token ended on the server: forget it and start from the declaration form. */
  onSignedOut: () => void;
  /** The token this device keeps, if any. */
  token: () => string | undefined;
  /** Back from the recovery view. */
  onBack: () => void;
}

function node<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) made.setAttribute(name, value);
  if (text !== undefined) made.textContent = text;
  return made;
}

function field(id: string, label: string, input: HTMLInputElement | HTMLSelectElement): HTMLDivElement {
  const box = node('div', { class: 'field' });
  const error = node('p', { id: `${id}-error`, class: 'field-error', hidden: '' });
  input.id = id;
  input.setAttribute('aria-describedby', `${id}-error`);
  box.append(node('label', { for: id, 'data-i18n': label }, t(label)), input, error);
  return box;
}

/**
 * The recovery view, appended to the page's main element while it is open and removed after, so
 * its fields never stand beside the declaration form's (same labels) while hidden.
 */
function buildView(): void {
  const section = node('section', { id: 'recover-view', hidden: '', 'aria-labelledby': 'recover-heading' });
  const form = node('form', { id: 'recover-form', novalidate: '' });
  const docType = node('select', { name: 'docType' });
  fillDocumentTypes(docType);
  const send = node('button', { type: 'submit', id: 'btn-recover-send', 'data-i18n': 'recoverSend' }, t('recoverSend'));
  form.append(
    field('r-name', 'name', node('input', { name: 'name', autocomplete: 'name', maxlength: '64', required: '' })),
    field('r-doc-type', 'docType', docType),
    field('r-doc-number', 'docNumber', node('input', { name: 'docNumber', autocomplete: 'off', maxlength: '32', autocapitalize: 'characters', required: '' })),
    field('r-phone', 'phone', node('input', { name: 'phone', type: 'tel', inputmode: 'tel', autocomplete: 'tel', maxlength: '20', required: '' })),
    node('div', { class: 'actions' }),
  );
  form.lastElementChild!.append(send);
  const verify = node('form', { id: 'recover-verify-form', novalidate: '', hidden: '' });
  verify.append(
    field('r-code', 'recoverCode', node('input', { name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', required: '' })),
    node('div', { class: 'actions' }),
  );
  verify.lastElementChild!.append(node('button', { type: 'submit', id: 'btn-recover-confirm', 'data-i18n': 'recoverConfirm' }, t('recoverConfirm')));
  const back = node('button', { type: 'button', id: 'btn-recover-back', class: 'secondary', 'data-i18n': 'back' }, t('back'));
  section.append(
    node('h2', { id: 'recover-heading', 'data-i18n': 'recover' }, t('recover')),
    node('p', { class: 'muted', 'data-i18n': 'recoverHelp' }, t('recoverHelp')),
    node('p', { id: 'recover-message', class: 'message', role: 'alert', hidden: '' }),
    form,
    verify,
    node('div', { class: 'actions' }),
  );
  section.lastElementChild!.append(back);
  el('main').append(section);
}

/** Removes the recovery view (the page calls it whenever it shows one of its own views). */
export function closeRecovery(): void {
  document.getElementById('recover-view')?.remove();
}

/** A claim-code field on the declaration form: the counter's one-time code (subjects release). */
function buildClaimField(): void {
  const submit = el('btn-submit').parentElement!;
  const input = node('input', { name: 'claimCode', autocomplete: 'off', maxlength: '32', autocapitalize: 'characters' });
  submit.before(field('f-claim-code', 'claimCode', input));
}

/** The declaration body with the claim code when one was typed, and the sign-in ticket when there is one. */
export function withClaimCode<T extends object>(body: T): T & { claimCode?: string; signInTicket?: string } {
  const code = el<HTMLInputElement>('f-claim-code').value.trim();
  const ticket = signInTicket();
  return { ...body, ...(code ? { claimCode: code } : {}), ...(ticket ? { signInTicket: ticket } : {}) };
}

function showFieldError(id: string, text: string | undefined): boolean {
  const error = el(`${id}-error`);
  say(error, text);
  el(id).setAttribute('aria-invalid', text ? 'true' : 'false');
  if (text) el(id).focus();
  return !text;
}

let documentOf: { type: string; number: string } | undefined;

export function setupAccount(hooks: AccountHooks): { open: () => void; signOut: () => Promise<void> } {
  buildClaimField();
  const open = (): void => {
    hooks.hideOthers();
    closeRecovery();
    buildView();
    documentOf = undefined;
    wire(hooks);
    el('recover-view').hidden = false;
    void addSignInButton(el('recover-heading'));
    el('r-name').focus();
  };

  const signOut = async (): Promise<void> => {
    const token = hooks.token();
    // Ended on the server first; a token the server no longer knows is forgotten all the same.
    if (token) await api('DELETE', '/v1/holder-token', { token });
    hooks.onSignedOut();
    say(el('message'), t('signedOut'), 'info');
  };

  // 找回健康码 under the declaration form, 退出登录 with the code's actions.
  const recoverButton = node('button', { type: 'button', id: 'btn-recover', class: 'secondary', 'data-i18n': 'recover' }, t('recover'));
  recoverButton.addEventListener('click', open);
  el('btn-form-cancel').after(recoverButton);
  const signOutButton = node('button', { type: 'button', id: 'btn-sign-out', class: 'secondary', 'data-i18n': 'signOut' }, t('signOut'));
  signOutButton.addEventListener('click', () => void signOut());
  el('btn-own').after(signOutButton);
  return { open, signOut };
}

function wire(hooks: AccountHooks): void {
  const message = el('recover-message');
  el('recover-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const document = { type: el<HTMLSelectElement>('r-doc-type').value, number: el<HTMLInputElement>('r-doc-number').value.trim().toUpperCase() };
    const phone = el<HTMLInputElement>('r-phone').value.trim();
    const name = el<HTMLInputElement>('r-name').value.trim();
    if (!showFieldError('r-name', name ? undefined : t('recoverNameProblem'))) return;
    const docProblem = documentProblem(document.type, document.number);
    if (!showFieldError('r-doc-number', docProblem ? t(docProblem) : undefined)) return;
    const phoneWrong = phoneProblem(phone);
    if (!showFieldError('r-phone', phoneWrong ? t(phoneWrong) : undefined)) return;
    void (async () => {
      const answer = await api('POST', '/v1/recovery', { body: { document, phone, name } });
      if (answer.status !== 202) return say(message, errorText(answer.error!));
      documentOf = document;
      say(message, t('recoverSent'), 'info');
      el('recover-verify-form').hidden = false;
      el('r-code').focus();
    })();
  });

  el('recover-verify-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const code = el<HTMLInputElement>('r-code').value.trim();
    if (!showFieldError('r-code', /^\d{6}$/.test(code) ? undefined : t('recoverCodeProblem'))) return;
    if (!documentOf) return;
    void (async () => {
      const answer = await api<Recovered>('POST', '/v1/recovery/verify', { body: { document: documentOf, code } });
      if (!answer.body) return say(message, errorText(answer.error!));
      el<HTMLFormElement>('recover-form').reset();
      el<HTMLFormElement>('recover-verify-form').reset();
      documentOf = undefined;
      closeRecovery();
      await hooks.onRecovered(answer.body);
      say(el('message'), t('recovered'), 'info');
    })();
  });
  el('btn-recover-back').addEventListener('click', () => hooks.onBack());
}
