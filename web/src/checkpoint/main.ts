import './strings.js';
import { api } from '../shared/api.js';
import { el, say, showView, store } from '../shared/dom.js';
import { errorText } from '../shared/errors.js';
import { fillDocumentTypes } from '../shared/documents.js';
import { currentLang, setupLanguage, t } from '../shared/i18n.js';
import { documentProblem } from '../shared/validate.js';
import type { IdentityDocument } from '../../../verifier/index.js';
import { DecoderUnavailable, startScan, type Scan } from './camera.js';
import { decideOffline, forget, heldBundle, refresh, REFRESH_MS, restore } from './offline.js';
import { documentMode, firstField, methodText, setupDocumentMode } from './document-mode.js';
import { bundlePointers, documentTypeOf } from './document-hint.js';
import { checkDevice, DEVICE_ID } from './device-signin.js';
import { watchAnswerScreen } from './answer-scan.js';

/**
 * The checkpoint officer's page: sign in once with the device token (kept on this device), then
 * 亮码 + 证件 + 体温 → 核验. The answer fills the screen; the form is emptied at once, and the answer
 * itself is wiped when the officer moves to the next person: nothing personal is stored.
 */
const VIEWS = ['signin-view', 'scan-view', 'camera-view', 'result-view'] as const;
const TOKEN = 'hc.deviceToken';
/**
 * How long a scan waits for the gateway before deciding offline. A checkpoint queue cannot wait
 * longer; a slow answer that arrives later is dropped (the gateway has recorded the scan anyway).
 */
const SCAN_TIMEOUT_MS = 8_000;

interface Decision {
  decision: 'pass' | 'deny';
  color: string | null;
  reasons: string[];
  method?: string;
  holder?: { nameMasked: string };
  error?: { code: string; message: string };
  credential?: { issuer: { name: string }; subject: { nameMasked?: string } };
}

let last: Decision | undefined;
/** Set when `last` was decided offline: the generatedAt of the bundle it was decided with, if any. */
let offline: { since: string | undefined } | undefined;
let scan: Scan | undefined;

/** 信任包更新于 N 分钟前 (hours past two hours): the age of the bundle's snapshot at `now`. */
function bundleAge(generatedAt: string, now: number = Date.now()): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(generatedAt)) / 60_000));
  if (minutes < 1) return t('bundleAgeNow');
  return minutes < 120 ? t('bundleAgeMinutes', { n: minutes }) : t('bundleAgeHours', { n: Math.floor(minutes / 60) });
}

/** The line under the form: whether this device can decide offline now, and with how old a bundle. */
function renderTrust(): void {
  const held = heldBundle();
  const line = el('trust-status');
  if (!held) line.textContent = t('trustNone');
  else if (Date.now() >= Date.parse(held.expiresAt)) line.textContent = t('trustExpired', { age: bundleAge(held.generatedAt) });
  else line.textContent = t('trustReady', { age: bundleAge(held.generatedAt) });
}

async function refreshTrust(): Promise<void> {
  if (!store.get<string>(TOKEN)) return;
  await refresh();
  renderTrust();
}

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
  el('result-method').textContent = '';
  el('result-decision').textContent = '';
  el('result-mode').replaceChildren();
  el('result-mode').hidden = true;
  offline = undefined;
  renderTrust();
  renderDevice();
  showView(VIEWS, 'scan-view');
  el(firstField()).focus();
}

function renderResult(): void {
  if (!last) return;
  const view = el('result-view');
  view.classList.toggle('pass', last.decision === 'pass');
  // A pop-up (弹窗) state, which its city maps to yellow only so that it never passes by itself:
  // the gateway cannot decide, so the screen says plainly that the officer must check by hand.
  const byHand = last.decision === 'deny' && last.reasons.includes('advisory') && last.reasons.every((reason) => reason === 'advisory' || reason === 'color_yellow');
  view.classList.toggle('by-hand', byHand);
  el('result-decision').textContent = t(byHand ? 'checkByHand' : last.decision);
  el('result-method').textContent = methodText(last.method);
  el('result-mode').hidden = offline === undefined;
  el('result-mode').replaceChildren(
    ...(!offline ? [] : [t('offline'), ...(offline.since ? [bundleAge(offline.since)] : [])]).map((line) => {
      const span = document.createElement('span');
      span.textContent = line;
      return span;
    }),
  );
  el('result-reasons').replaceChildren(
    ...last.reasons.filter((reason) => !(byHand && reason === 'color_yellow')).map((reason) => {
      const li = document.createElement('li');
      const code = reason === 'code_invalid' ? last?.error?.code : undefined;
      // 无法核验 says why when the gateway said why (expired, superseded, forged …), in words.
      const why = code ? errorText({ code, message: '' }) : '';
      const [open, close] = currentLang() === 'zh' ? ['（', '）'] : [' (', ')'];
      li.textContent = t(`deny_${reason}`) + (why ? open + why + close : '');
      return li;
    }),
  );
  const credential = last.credential;
  el('result-issuer').textContent = credential ? t('issuer', { name: credential.issuer.name }) : '';
  const name = credential?.subject.nameMasked ?? last.holder?.nameMasked;
  el('result-name').textContent = name ? t('holderName', { name }) : '';
}

function renderDevice(): void {
  const id = store.get<string>(DEVICE_ID);
  el('device-name').textContent = id ? t('signedInAs', { id }) : '';
}

/** A code entered (scanner, camera or the answer screen): preselect the document type it names. */
function takeCode(code: string): void {
  el<HTMLInputElement>('s-code').value = code;
  const type = documentTypeOf(code, bundlePointers(heldBundle()?.jws));
  if (type) el<HTMLSelectElement>('s-doc-type').value = type;
  el('s-doc-number').focus();
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
  const byDocument = documentMode();
  if (!code && !byDocument) return fail('s-code', t('missingCode'));
  if (!number) return fail('s-doc-number', t('missingDocument'));
  const problem = documentProblem(type, number);
  if (problem) return fail('s-doc-number', t(problem));
  if (!Number.isFinite(temperature) || temperature < 25 || temperature > 45) return fail('s-temp', t('badTemperature'));
  const token = store.get<string>(TOKEN);
  if (!token) return signIn();
  const button = el<HTMLButtonElement>('btn-verify');
  button.disabled = true;
  const scanned = { code, temperatureC: temperature, document: { type, number } as IdentityDocument };
  const body = byDocument ? { temperatureC: temperature, document: scanned.document } : scanned;
  let answer = await api<Decision>('POST', '/v1/checkpoint/scans', { token, body, timeoutMs: SCAN_TIMEOUT_MS });
  // 一证通行 needs the gateway's records: offline there is nothing to decide with.
  if (answer.status === 0 && byDocument) {
    button.disabled = false;
    return fail('s-doc-number', t('documentNeedsNetwork'));
  }
  let decidedOffline: typeof offline;
  if (answer.status === 0) {
    // The gateway cannot be reached (a network error or no answer in time) — only then: a 4xx or
    // 5xx is the gateway's answer. Decided in the page with the bundle held; none or an expired
    // one is 无法核验, never 通行.
    decidedOffline = { since: heldBundle()?.generatedAt };
    answer = { status: 200, body: await decideOffline(scanned) };
  }
  button.disabled = false;
  if (answer.status === 401) {
    store.remove(TOKEN);
    store.remove(DEVICE_ID);
    return signIn(errorText({ code: 'ERR_DEVICE_UNAUTHORIZED', message: answer.error?.message ?? '' }));
  }
  if (!answer.body) {
    const field = answer.error?.field?.startsWith('document') ? 's-doc-number' : answer.error?.field === 'temperatureC' ? 's-temp' : 's-code';
    return fail(field, errorText(answer.error!));
  }
  // The person's ID and temperature leave the form now; the answer leaves with 下一位.
  el<HTMLFormElement>('scan').reset();
  last = answer.body;
  offline = decidedOffline;
  renderResult();
  showView(VIEWS, 'result-view');
  el('btn-next').focus();
}

el<HTMLFormElement>('signin').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = el<HTMLInputElement>('device-token').value.trim();
  if (!token) return say(el('signin-message'), t('tokenRequired'));
  // Checked now (GET /v1/checkpoint/device), not at the first scan: a mistyped code is told here.
  say(el('signin-message'), t('signingIn'), 'info');
  const button = el<HTMLButtonElement>('btn-signin');
  button.disabled = true;
  void checkDevice(token).then((checked) => {
    button.disabled = false;
    if ('error' in checked) {
      say(el('signin-message'), errorText(checked.error));
      el('device-token').focus();
      return;
    }
    say(el('signin-message'), undefined);
    store.set(TOKEN, token);
    store.set(DEVICE_ID, checked.deviceId);
    el<HTMLInputElement>('device-token').value = '';
    ready();
    void refreshTrust();
  });
});
el('btn-signout').addEventListener('click', () => {
  store.remove(TOKEN);
  store.remove(DEVICE_ID);
  forget();
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
  takeCode(el<HTMLInputElement>('s-code').value.trim());
});
el('s-code').addEventListener('change', () => {
  const type = documentTypeOf(el<HTMLInputElement>('s-code').value, bundlePointers(heldBundle()?.jws));
  if (type) el<HTMLSelectElement>('s-doc-type').value = type;
});
// A scanner used while the last answer is still on screen starts the next person with that code
// (its Enter would otherwise press 下一位 and the code would be lost).
watchAnswerScreen(el('result-view'), (code) => {
  ready();
  takeCode(code);
});
el('btn-next').addEventListener('click', ready);
el('btn-camera').addEventListener('click', () => {
  const status = el('camera-status');
  status.textContent = t('cameraStarting');
  showView(VIEWS, 'camera-view');
  startScan(el<HTMLVideoElement>('camera-video'), (text) => {
    scan = undefined;
    showView(VIEWS, 'scan-view');
    takeCode(text);
  })
    .then((started) => {
      scan = started;
      status.textContent = t('cameraLooking');
    })
    .catch((error: unknown) => {
      showView(VIEWS, 'scan-view');
      say(el('scan-error'), t(error instanceof DecoderUnavailable ? 'decoderFailed' : 'cameraFailed'));
    });
});
el('btn-camera-cancel').addEventListener('click', () => {
  scan?.stop();
  scan = undefined;
  showView(VIEWS, 'scan-view');
  el(firstField()).focus();
});

fillDocumentTypes(el<HTMLSelectElement>('s-doc-type'));
setupDocumentMode();
setupLanguage(() => {
  renderResult();
  renderTrust();
  renderDevice();
});
if (store.get<string>(TOKEN)) ready();
else signIn();
// The bundle kept on this device first (usable at once, offline too), then the gateway's newest.
void restore().then(() => {
  renderTrust();
  return refreshTrust();
});
setInterval(() => void refreshTrust(), REFRESH_MS);
