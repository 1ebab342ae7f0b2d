import './strings.js';
import { api, type ApiAnswer, type ApiError } from '../shared/api.js';
import { el, listRow, say, showView, store } from '../shared/dom.js';
import { errorText } from '../shared/errors.js';
import { fillDocumentTypes } from '../shared/documents.js';
import { setupLanguage, t } from '../shared/i18n.js';
import { claimsOf, fetchCode, renderCode, showingOwnCode, stopRefreshing, type CodeResult } from './code-view.js';
import { setupAccess } from './access.js';
import { pendingRequests, renderConsent } from './consent.js';
import { renderCheckInForm } from './check-in.js';
import { checkForm, fillSummary, readForm, resetForm, showApiFieldError, type Declaration, type Facts } from './form.js';
import { setupPicker, renderPicker } from './region-picker.js';
import { tellProxyRefusal, wireActions, type Actions } from './actions.js';
import { isQueued } from './queued.js';
import { closeRecovery, setupAccount, withClaimCode } from './account.js';
import { syncRepresented } from './represented.js';
import { finishSignInFromUrl } from './sign-in.js';

/**
 * The resident's page: 申报 → 信息二次确认 → 亮码, 修改信息 once a day, 代人申请. The holder token
 * stays in this device's storage (never in a URL); nothing else personal is kept: the people one
 * acts for are remembered by id and masked name only.
 */
const VIEWS = ['code-view', 'family-view', 'consent-view', 'checkin-view', 'form-view', 'confirm-view'] as const;
const HOLDER = 'hc.holder';
const HELD = 'hc.held';

interface Holder {
  subjectId: string;
  holderToken: string;
}
interface Held {
  subjectId: string;
  name: string;
}
type Mode = 'declare' | 'modify' | 'proxy';
const FORM_HEADINGS: Record<Mode, string> = { declare: 'formDeclare', modify: 'formModify', proxy: 'formProxy' };

let mode: Mode = 'declare';
let pending: Declaration | Facts | undefined;
let viewing: string | undefined;

const holder = (): Holder | undefined => store.get<Holder>(HOLDER);
const held = (): Held[] => store.get<Held[]>(HELD) ?? [];
const message = el('message');

function show(view: (typeof VIEWS)[number]): void {
  closeRecovery();
  showView(VIEWS, view);
  if (view !== 'code-view') stopRefreshing();
  // The check-in's symptom boxes exist only while it is open (the declaration has the same words).
  if (view !== 'checkin-view') el('ci-symptoms').replaceChildren();
}

function onCodeError(error: ApiError): void {
  say(message, errorText(error));
  if (error.code === 'ERR_UNAUTHENTICATED' || error.code === 'ERR_HOLDER_TOKEN_EXPIRED') {
    // The gateway no longer knows this token: start over with a declaration, or 找回健康码.
    store.remove(HOLDER);
    store.remove(HELD);
    openForm('declare');
    say(message, errorText(error));
  }
}

async function openCode(subjectId: string): Promise<void> {
  const own = holder();
  if (!own) return openForm('declare');
  viewing = subjectId;
  const isOwn = subjectId === own.subjectId;
  showingOwnCode(isOwn);
  el('btn-own').hidden = isOwn;
  el('btn-family').hidden = !isOwn;
  el('btn-consent').hidden = true;
  if (isOwn) {
    void pendingRequests(subjectId, own.holderToken).then((count) => {
      const button = el('btn-consent');
      button.hidden = count === undefined;
      button.textContent = t('consent') + (count ? ` (${count})` : '');
    });
  }
  await fetchCode(subjectId, own.holderToken, onCodeError, () => show('code-view'));
}

function openForm(next: Mode): void {
  mode = next;
  resetForm();
  el('form-heading').textContent = t(FORM_HEADINGS[next]);
  say(el('form-error'), next === 'modify' ? t('modifyHelp') : undefined, 'info');
  el('btn-form-cancel').hidden = next === 'declare';
  show('form-view');
  el('f-name').focus();
}

function renderHeld(): void {
  const people = held();
  el('held-empty').hidden = people.length > 0;
  el('held-list').replaceChildren(
    ...people.map((person) => listRow(person.name, [{ label: t('show'), aria: t('showFor', { name: person.name }), run: () => openCode(person.subjectId) }])),
  );
}

function openFamily(): void {
  renderHeld();
  show('family-view');
  const own = holder();
  // The gateway's list is the truth (a proxy removed elsewhere disappears here too).
  if (own) void syncRepresented(own.subjectId, own.holderToken).then((people) => {
    if (people) store.set(HELD, people);
    renderHeld();
  });
  tellProxyRefusal(actions);
}

function remember(person: Held): void {
  store.set(HELD, [...held().filter((p) => p.subjectId !== person.subjectId), person]);
}

async function send(body: Declaration | Facts): Promise<ApiAnswer<CodeResult>> {
  const own = holder();
  if (mode === 'declare') return api<CodeResult>('POST', '/v1/declarations', { body: withClaimCode(body) });
  if (mode === 'proxy') return api<CodeResult>('POST', '/v1/declarations', { body, token: own?.holderToken ?? '' });
  // 修改信息: the whole declaration, or the health facts only when the identity is kept (form.ts).
  return api<CodeResult>('PUT', `/v1/subjects/${encodeURIComponent(viewing ?? own?.subjectId ?? '')}/declaration`, { body, token: own?.holderToken ?? '' });
}

async function submitConfirmed(): Promise<void> {
  if (!pending) return;
  const button = el<HTMLButtonElement>('btn-confirm');
  button.disabled = true;
  const answer = await send(pending);
  button.disabled = false;
  pending = undefined;
  if (answer.status === 202 && isQueued(answer.body) && mode !== 'modify') {
    // Launch day: stored and queued; the code follows (queued.ts asks for it by itself).
    resetForm();
    if (mode === 'declare') store.set(HOLDER, { subjectId: answer.body.subjectId, holderToken: answer.body.holderToken ?? '' });
    else remember({ subjectId: answer.body.subjectId, name: '' });
    for (const view of VIEWS) el(view).hidden = true;
    return openCode(answer.body.subjectId);
  }
  if (answer.status === 202) {
    // Proxy consent: the person already has a code and must agree (202 {requestId, status: pending}).
    resetForm();
    say(message, t('proxyPending'), 'info');
    return openFamily();
  }
  if (!answer.body) {
    // Back to the form with the API's answer; the entered values are still there to correct.
    show('form-view');
    const text = errorText(answer.error!);
    if (!showApiFieldError(answer.error!, text)) say(el('form-error'), text);
    else say(el('form-error'), undefined);
    return;
  }
  const result = answer.body;
  resetForm();
  if (mode === 'declare') {
    store.set(HOLDER, { subjectId: result.subjectId, holderToken: result.holderToken });
    await openCode(result.subjectId);
    return say(message, t('declared'), 'info');
  }
  if (mode === 'proxy') {
    const name = claimsOf(result.credential.jws).name;
    remember({ subjectId: result.subjectId, name });
    say(message, t(result.linked ? 'proxyLinked' : 'proxyCreated', { name }), 'info');
    return openFamily();
  }
  // The message comes with the new code, never beside the old one.
  await openCode(result.subjectId);
  say(message, t('modified'), 'info');
}

el<HTMLFormElement>('declaration').addEventListener('submit', (event) => {
  event.preventDefault();
  say(message, undefined);
  const declaration = readForm();
  if (!checkForm(declaration)) return;
  pending = declaration;
  fillSummary(declaration);
  show('confirm-view');
  el('btn-confirm').focus();
});
el('btn-confirm').addEventListener('click', () => void submitConfirmed());
el('btn-confirm-back').addEventListener('click', () => {
  pending = undefined;
  show('form-view');
  el('f-name').focus();
});
el('btn-form-cancel').addEventListener('click', () => {
  resetForm();
  if (mode === 'proxy') openFamily();
  else void openCode(viewing ?? holder()?.subjectId ?? '');
});
el('btn-family').addEventListener('click', () => {
  say(message, undefined);
  openFamily();
});
el('btn-own').addEventListener('click', () => void openCode(holder()?.subjectId ?? ''));
el('btn-proxy-new').addEventListener('click', () => {
  say(message, undefined);
  openForm('proxy');
});
el('btn-consent').addEventListener('click', () => {
  const own = holder();
  if (!own) return;
  say(message, undefined);
  void renderConsent(own.subjectId, own.holderToken).then(() => show('consent-view'));
});
el('btn-consent-back').addEventListener('click', () => void openCode(holder()?.subjectId ?? ''));
el('btn-family-back').addEventListener('click', () => void openCode(holder()?.subjectId ?? ''));

setupAccount({
  hideOthers: () => {
    stopRefreshing();
    showView(VIEWS, '');
  },
  token: () => holder()?.holderToken,
  async onRecovered(recovered) {
    store.set(HOLDER, recovered);
    store.remove(HELD);
    await openCode(recovered.subjectId);
  },
  onSignedOut() {
    store.remove(HOLDER);
    store.remove(HELD);
    openForm('declare');
  },
  onBack: () => (holder() ? void openCode(holder()!.subjectId) : openForm('declare')),
});
const actions: Actions = {
  subject: () => viewing ?? holder()?.subjectId ?? '',
  holder,
  message,
  openCode,
  openModify: () => openForm('modify'),
  show: (view) => show(view),
};
wireActions(actions);

fillDocumentTypes(el<HTMLSelectElement>('f-doc-type'));
setupAccess();
setupPicker();
setupLanguage(() => {
  renderCode();
  renderPicker();
  if (!el('checkin-view').hidden) renderCheckInForm();
  renderHeld();
  el('form-heading').textContent = t(FORM_HEADINGS[mode]);
  if (pending) fillSummary(pending);
  const own = holder();
  if (own && !el('consent-view').hidden) void renderConsent(own.subjectId, own.holderToken);
});

// Back from the identity provider (实名认证登录): finish that first, else as always.
void finishSignInFromUrl(async (signedIn) => {
  store.set(HOLDER, signedIn);
  store.remove(HELD);
  await openCode(signedIn.subjectId);
}, () => openForm('declare')).then((signedIn) => {
  if (signedIn) return;
  const own = holder();
  if (own) void openCode(own.subjectId);
  else openForm('declare');
});
