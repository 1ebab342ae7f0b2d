import './strings.js';
import { api } from '../shared/api.js';
import { el, say, showView, store } from '../shared/dom.js';
import { errorText } from '../shared/errors.js';
import { fillDocumentTypes } from '../shared/documents.js';
import { currentLang, setupLanguage, t } from '../shared/i18n.js';
import { documentProblem } from '../shared/validate.js';
import { startScan, type Scan } from './camera.js';

/**
 * The checkpoint officer's page: sign in once with the device token (kept on this device), then
 * 亮码 + 证件 + 体温 → 核验. The answer fills the screen; the form is emptied at once, and the answer
 * itself is wiped when the officer moves to the next person: nothing personal is stored.
 */
const VIEWS = ['signin-view', 'scan-view', 'camera-view', 'result-view'] as const;
const TOKEN = 'hc.deviceToken';

interface Decision {
  decision: 'pass' | 'deny';
  color: string | null;
  reasons: string[];
  error?: { code: string; message: string };
  credential?: { issuer: { name: string }; subject: { nameMasked?: string } };
}

let last: Decision | undefined;
let scan: Scan | undefined;

function signIn(message?: string): void {
  el<HTMLInputElement>('device-token').value = '';
  say(el('signin-message'), message);
  showView(VIEWS, 'signin-view');
  el('device-token').focus();
}

function ready(): void {
  last = undefined;
  el('result-reasons').replaceChildren();
  el('result-issuer').textContent = '';
  el('result-name').textContent = '';
  el('result-decision').textContent = '';
  showView(VIEWS, 'scan-view');
  el('s-code').focus();
}

function renderResult(): void {
  if (!last) return;
  const view = el('result-view');
  view.classList.toggle('pass', last.decision === 'pass');
  el('result-decision').textContent = t(last.decision);
  el('result-reasons').replaceChildren(
    ...last.reasons.map((reason) => {
      const li = document.createElement('li');
      const code = reason === 'code_invalid' ? last?.error?.code : undefined;
      // 无法核验 says why when the gateway said why (expired, superseded, forged …).
      const why = code ? (t(`why_${code}`) !== `why_${code}` ? t(`why_${code}`) : last!.error!.message) : '';
      const [open, close] = currentLang() === 'zh' ? ['（', '）'] : [' (', ')'];
      li.textContent = t(`deny_${reason}`) + (why ? open + why + close : '');
      return li;
    }),
  );
  const credential = last.credential;
  el('result-issuer').textContent = credential ? t('issuer', { name: credential.issuer.name }) : '';
  el('result-name').textContent = credential?.subject.nameMasked ? t('holderName', { name: credential.subject.nameMasked }) : '';
}

function fail(field: string, text: string): void {
  say(el('scan-error'), text);
  el(field).focus();
}

async function verify(): Promise<void> {
  say(el('scan-error'), undefined);
  const code = el<HTMLInputElement>('s-code').value.trim();
  const type = el<HTMLSelectElement>('s-doc-type').value;
  const number = el<HTMLInputElement>('s-doc-number').value.trim().toUpperCase();
  const temperature = Number(el<HTMLInputElement>('s-temp').value.trim().replace(',', '.'));
  if (!code) return fail('s-code', t('missingCode'));
  if (!number) return fail('s-doc-number', t('missingDocument'));
  const problem = documentProblem(type, number);
  if (problem) return fail('s-doc-number', t(problem));
  if (!Number.isFinite(temperature) || temperature < 25 || temperature > 45) return fail('s-temp', t('badTemperature'));
  const token = store.get<string>(TOKEN);
  if (!token) return signIn();
  const button = el<HTMLButtonElement>('btn-verify');
  button.disabled = true;
  const answer = await api<Decision>('POST', '/v1/checkpoint/scans', { token, body: { code, temperatureC: temperature, document: { type, number } } });
  button.disabled = false;
  if (answer.status === 401) {
    store.remove(TOKEN);
    return signIn(errorText({ code: 'ERR_DEVICE_UNAUTHORIZED', message: answer.error?.message ?? '' }));
  }
  if (!answer.body) {
    const field = answer.error?.field?.startsWith('document') ? 's-doc-number' : answer.error?.field === 'temperatureC' ? 's-temp' : 's-code';
    return fail(field, errorText(answer.error!));
  }
  // The person's ID and temperature leave the form now; the answer leaves with 下一位.
  el<HTMLFormElement>('scan').reset();
  last = answer.body;
  renderResult();
  showView(VIEWS, 'result-view');
  el('btn-next').focus();
}

el<HTMLFormElement>('signin').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = el<HTMLInputElement>('device-token').value.trim();
  if (!token) return say(el('signin-message'), t('tokenRequired'));
  store.set(TOKEN, token);
  el<HTMLInputElement>('device-token').value = '';
  ready();
});
el('btn-signout').addEventListener('click', () => {
  store.remove(TOKEN);
  signIn();
});
el<HTMLFormElement>('scan').addEventListener('submit', (event) => {
  event.preventDefault();
  void verify();
});
// A handheld scanner types the code and then Enter: Enter in the code field moves on to the
// document number instead of sending a half-filled form.
el('s-code').addEventListener('keydown', (event) => {
  if (event.key !== 'Enter') return;
  event.preventDefault();
  el('s-doc-number').focus();
});
el('btn-next').addEventListener('click', ready);
el('btn-camera').addEventListener('click', () => {
  const status = el('camera-status');
  status.textContent = t('cameraStarting');
  showView(VIEWS, 'camera-view');
  startScan(el<HTMLVideoElement>('camera-video'), (text) => {
    scan = undefined;
    showView(VIEWS, 'scan-view');
    el<HTMLInputElement>('s-code').value = text;
    el('s-doc-number').focus();
  })
    .then((started) => {
      scan = started;
      status.textContent = t('cameraLooking');
    })
    .catch(() => {
      showView(VIEWS, 'scan-view');
      say(el('scan-error'), t('cameraFailed'));
    });
});
el('btn-camera-cancel').addEventListener('click', () => {
  scan?.stop();
  scan = undefined;
  showView(VIEWS, 'scan-view');
  el('s-code').focus();
});

fillDocumentTypes(el<HTMLSelectElement>('s-doc-type'));
setupLanguage(renderResult);
if (store.get<string>(TOKEN)) ready();
else signIn();
