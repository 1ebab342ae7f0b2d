import { api } from '../shared/api.js';
import { el, say } from '../shared/dom.js';
import { errorText } from '../shared/errors.js';
import { addStrings, t } from '../shared/i18n.js';

/**
 * 实名认证登录 (issue 17, item 1): the page offers sign-in through the city's identity provider when
 * the gateway has one, and finishes it when the provider sends the person back here with `code` and
 * `state` — which leave the address bar at once, before anything else runs.
 */
addStrings({
  signIn: { zh: '实名认证登录', en: 'Sign in with real-name verification' },
  signInDeclare: { zh: '实名认证已通过：该证件尚无健康码，请填写申报信息。', en: 'Verified: this document has no health code yet; fill in the declaration.' },
  signedIn: { zh: '已通过实名认证找回健康码。其他设备上的旧登录已失效。', en: 'Signed in with real-name verification; the sign-in on any other device has ended.' },
});

/** Whether the gateway has an identity provider: its sign-in start redirects (opaque to fetch). */
export async function signInAvailable(): Promise<boolean> {
  try {
    const res = await fetch('/v1/sign-in', { redirect: 'manual', cache: 'no-store' });
    return res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400);
  } catch {
    return false;
  }
}

/** A button that starts the sign-in, added after `anchor` when the gateway offers it. */
export async function addSignInButton(anchor: HTMLElement): Promise<void> {
  if (!(await signInAvailable()) || document.getElementById('btn-sign-in')) return;
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'btn-sign-in';
  button.dataset['i18n'] = 'signIn';
  button.textContent = t('signIn');
  button.addEventListener('click', () => window.location.assign('/v1/sign-in'));
  anchor.after(button);
}

/** A new owner holder token: from recovery by phone code, or from sign-in. */
export interface Recovered {
  subjectId: string;
  holderToken: string;
}

const TICKET = 'hc.signInTicket';

/** The ticket of a sign-in whose document has no record yet, for the next declaration (this tab only). */
export function signInTicket(): string | undefined {
  try {
    return sessionStorage.getItem(TICKET) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finishes a sign-in the provider answered; false when this page load is not such an answer. A
 * document without a record yet comes back as a ticket: kept for this tab's declaration, and the
 * form is shown (`onDeclare`).
 */
export async function finishSignInFromUrl(onSignedIn: (holder: Recovered) => void | Promise<void>, onDeclare: () => void): Promise<boolean> {
  const query = new URLSearchParams(window.location.search);
  if (!query.has('state') || !(query.has('code') || query.has('error'))) return false;
  // The code and state are single-use secrets: out of the address bar and the history first.
  window.history.replaceState(null, '', window.location.pathname);
  const body = Object.fromEntries([...query].filter(([k]) => ['code', 'state', 'iss', 'error', 'error_description', 'session_state'].includes(k)));
  const answer = await api<Partial<Recovered> & { declareTicket?: string }>('POST', '/v1/sign-in/callback', { body });
  if (!answer.body) {
    say(el('message'), errorText(answer.error!));
    return false;
  }
  if (answer.body.declareTicket) {
    try {
      sessionStorage.setItem(TICKET, answer.body.declareTicket);
    } catch {
      // Private mode: the declaration then needs the counter's claim code, as without sign-in.
    }
    onDeclare();
    say(el('message'), t('signInDeclare'), 'info');
    return true;
  }
  await onSignedIn(answer.body as Recovered);
  say(el('message'), t('signedIn'), 'info');
  return true;
}
