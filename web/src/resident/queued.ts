import { el, say } from '../shared/dom.js';
import { addStrings, t } from '../shared/i18n.js';

/**
 * Issue 22, a launch day: the gateway accepted the declaration but its code is still being made
 * (202 `{"status":"queued","position":N,"etaSeconds":S}` from POST /v1/declarations or GET …/code).
 * The page says so — 申报已受理，健康码生成中（前面还有 N 人，约 M 分钟） — and asks again by itself,
 * about halfway to the estimate, so the resident need not reload (and a million phones do not
 * poll every second).
 */
export interface QueuedAnswer {
  status: 'queued';
  position: number;
  etaSeconds: number;
  subjectId: string;
  holderToken?: string;
}

addStrings({
  queued: {
    zh: '申报已受理，健康码生成中（前面还有 {ahead} 人，约 {minutes} 分钟）',
    en: 'Declaration received; your health code is being made ({ahead} ahead of you, about {minutes} min).',
  },
});

export function isQueued(body: unknown): body is QueuedAnswer {
  return typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'queued';
}

/** Shows the place in the page's message line; returns how long to wait before asking again (ms). */
export function showQueued(answer: QueuedAnswer): number {
  const minutes = Math.max(1, Math.ceil(answer.etaSeconds / 60));
  say(el('message'), t('queued', { ahead: Math.max(0, answer.position - 1), minutes }), 'info');
  el('message').dataset['queued'] = 'true';
  return Math.min(60_000, Math.max(2_000, (answer.etaSeconds * 1000) / 2));
}

/** The code arrived: the queue message goes (any other message stays). */
export function clearQueued(): void {
  const message = el('message');
  if (message.dataset['queued'] !== 'true') return;
  delete message.dataset['queued'];
  say(message, undefined);
}
