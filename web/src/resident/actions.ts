import { api } from '../shared/api.js';
import { el, say } from '../shared/dom.js';
import { errorText } from '../shared/errors.js';
import { t } from '../shared/i18n.js';
import { shownName } from './code-view.js';
import { openCheckIn, submitCheckIn } from './check-in.js';
import { startFrom, unlockIdentity, type DeclarationView } from './form.js';

/**
 * The code screen's actions that start from what the gateway holds (issue 21, items 3 and 4):
 * 修改信息, 健康打卡 and 代人申请 first read the current declaration (GET …/declaration, with the
 * holder token, never kept on the device), so a refusal is said before any typing.
 */
export interface Actions {
  /** The person whose code is on screen (the holder, or a person the holder acts for). */
  subject(): string;
  holder(): { subjectId: string; holderToken: string } | undefined;
  message: HTMLElement;
  openCode(subjectId: string): Promise<void>;
  /** Opens the declaration form for a modification (emptied; startFrom fills it). */
  openModify(): void;
  show(view: 'checkin-view'): void;
}

async function declarationOf(a: Actions, subjectId: string): Promise<DeclarationView | undefined> {
  const answer = await api<DeclarationView>('GET', `/v1/subjects/${encodeURIComponent(subjectId)}/declaration`, { token: a.holder()?.holderToken ?? '' });
  if (!answer.body) say(a.message, errorText(answer.error!));
  return answer.body;
}

/** 代人申请: a holder who is not green, or already declares for 3 people, is told on opening it. */
export function tellProxyRefusal(a: Actions): void {
  const own = a.holder();
  el('btn-proxy-new').hidden = false;
  say(el('family-refusal'), undefined);
  if (!own) return;
  void declarationOf(a, own.subjectId).then((view) => {
    if (!view || view.declareForOthers.allowed) return;
    el('btn-proxy-new').hidden = true;
    say(el('family-refusal'), t(view.declareForOthers.refusal ?? 'ERR_PROXY_NOT_GREEN'));
  });
}

export function wireActions(a: Actions): void {
  el('btn-modify').addEventListener('click', () => {
    say(a.message, undefined);
    void declarationOf(a, a.subject()).then((view) => {
      if (!view) return;
      // Said before any typing: today's change is used up.
      if (!view.modifiableToday) return say(a.message, t('ERR_MODIFICATION_LIMIT'));
      a.openModify();
      startFrom(view, !view.viaProxy);
      // The identity is read-only: the cursor starts at the first thing one may change.
      el('declaration').querySelector<HTMLInputElement>('input[name="residence"]:checked')?.focus();
    });
  });
  el('btn-identity-edit').addEventListener('click', () => {
    unlockIdentity();
    el('f-name').focus();
  });
  el('btn-checkin').addEventListener('click', () => {
    say(a.message, undefined);
    const subjectId = a.subject();
    void declarationOf(a, subjectId).then((view) => {
      if (!view) return;
      // Said before any typing: today's check-in is done.
      if (view.checkedInToday) return say(a.message, t('ERR_CHECK_IN_LIMIT'));
      openCheckIn(subjectId !== a.holder()?.subjectId ? shownName() : undefined);
      a.show('checkin-view');
      el('ci-temp').focus();
    });
  });
  el<HTMLFormElement>('check-in').addEventListener('submit', (event) => {
    event.preventDefault();
    const own = a.holder();
    if (!own) return;
    const subjectId = a.subject();
    void submitCheckIn(subjectId, own.holderToken).then(async (done) => {
      if (done === undefined) return;
      await a.openCode(subjectId);
      say(a.message, done, 'info');
    });
  });
  el('btn-ci-cancel').addEventListener('click', () => void a.openCode(a.subject()));
}
