import { api, type ApiAnswer } from '../shared/api.js';
import { el, listRow, say } from '../shared/dom.js';
import { errorText } from '../shared/errors.js';
import { addStrings, t } from '../shared/i18n.js';

/**
 * 谁可以代我申报: the person a proxy asked for approves or declines the request, and sees and removes
 * their proxies, with their own holder token (issue 9's consent routes). The requester is shown
 * by masked name only. The API's list shapes are read by `entries` below, in one place.
 */
addStrings({
  consent: { zh: '谁可以代我申报', en: 'Who may declare for me' },
  requestsHeading: { zh: '待处理的代办请求', en: 'Pending requests' },
  requestsEmpty: { zh: '没有待处理的请求。', en: 'No pending requests.' },
  proxiesHeading: { zh: '我的代办人', en: 'My proxies' },
  proxiesEmpty: { zh: '没有代办人。', en: 'Nobody declares for you.' },
  approve: { zh: '同意', en: 'Approve' },
  decline: { zh: '拒绝', en: 'Decline' },
  remove: { zh: '移除', en: 'Remove' },
  approveFor: { zh: '同意：{name}', en: 'Approve: {name}' },
  declineFor: { zh: '拒绝：{name}', en: 'Decline: {name}' },
  removeFor: { zh: '移除：{name}', en: 'Remove: {name}' },
  approved: { zh: '已同意{name}代您申报。', en: '{name} may now declare for you.' },
  declined: { zh: '已拒绝{name}的请求。', en: 'The request of {name} was declined.' },
  removed: { zh: '已移除代办人{name}。', en: '{name} no longer declares for you.' },
  removeConfirm: { zh: '确定移除{name}吗？移除后此人不能再为您申报或查看您的健康码。', en: 'Remove {name}? They will no longer declare for you or see your code.' },
  removeYes: { zh: '确认移除', en: 'Yes, remove' },
  removeYesFor: { zh: '确认移除：{name}', en: 'Yes, remove: {name}' },
});

/** The proxy whose 移除 was pressed and now waits for 确认移除 (nothing is removed on one press). */
let confirming: string | undefined;

interface Entry {
  id: string;
  name: string;
}

/**
 * The documented list answers (schemas/proxy-requests.schema.json, proxy-list.schema.json) as id
 * and masked name: `{ requests: [{ requestId, requesterName }] }`, `{ proxies: [{ proxyId, name }] }`.
 * Both names are masked by the gateway; nothing else in the answer is read.
 */
function pendingEntries(body: unknown): Entry[] {
  const requests = (body as { requests?: Array<{ requestId: string; requesterName: string }> } | null)?.requests ?? [];
  return requests.map((r) => ({ id: r.requestId, name: r.requesterName }));
}

function proxyEntries(body: unknown): Entry[] {
  const proxies = (body as { proxies?: Array<{ proxyId: string; name: string }> } | null)?.proxies ?? [];
  return proxies.map((p) => ({ id: p.proxyId, name: p.name }));
}

export async function renderConsent(subjectId: string, token: string): Promise<void> {
  const base = `/v1/subjects/${encodeURIComponent(subjectId)}`;
  const message = el('consent-message');
  const done = async (answer: ApiAnswer<unknown>, key: string, name: string): Promise<void> => {
    await renderConsent(subjectId, token);
    say(message, answer.error ? errorText(answer.error) : t(key, { name }), answer.error ? 'error' : 'info');
  };
  const [requests, proxies] = await Promise.all([api<unknown>('GET', `${base}/proxy-requests`, { token }), api<unknown>('GET', `${base}/proxies`, { token })]);
  const failed = requests.error ?? proxies.error;
  say(message, failed ? errorText(failed) : undefined);
  const pending = pendingEntries(requests.body);
  const current = proxyEntries(proxies.body);
  el('requests-empty').hidden = pending.length > 0;
  el('proxies-empty').hidden = current.length > 0;
  el('request-list').replaceChildren(
    ...pending.map((r) =>
      listRow(r.name, [
        { label: t('approve'), aria: t('approveFor', { name: r.name }), run: async () => done(await api('POST', `${base}/proxy-requests/${encodeURIComponent(r.id)}/approve`, { token }), 'approved', r.name) },
        { label: t('decline'), aria: t('declineFor', { name: r.name }), run: async () => done(await api('POST', `${base}/proxy-requests/${encodeURIComponent(r.id)}/decline`, { token }), 'declined', r.name) },
      ]),
    ),
  );
  el('proxy-list').replaceChildren(
    ...current.map((p) =>
      confirming === p.id
        ? listRow(t('removeConfirm', { name: p.name }), [
            {
              label: t('removeYes'),
              aria: t('removeYesFor', { name: p.name }),
              run: async () => {
                confirming = undefined;
                await done(await api('DELETE', `${base}/proxies/${encodeURIComponent(p.id)}`, { token }), 'removed', p.name);
              },
            },
            {
              label: t('cancel'),
              aria: t('cancel'),
              run: async () => {
                confirming = undefined;
                await renderConsent(subjectId, token);
                el('proxy-list').querySelector('button')?.focus();
              },
            },
          ])
        : listRow(p.name, [
            {
              label: t('remove'),
              aria: t('removeFor', { name: p.name }),
              run: async () => {
                confirming = p.id;
                await renderConsent(subjectId, token);
                // The question is where the person is looking: focus its first answer.
                el('proxy-list').querySelector<HTMLButtonElement>(`button[aria-label="${CSS.escape(t('removeYesFor', { name: p.name }))}"]`)?.focus();
              },
            },
          ]),
    ),
  );
}

/**
 * How many requests wait for this person, or undefined when this gateway has no consent routes
 * (a version before issue 9): then the page offers nothing it cannot do.
 */
export async function pendingRequests(subjectId: string, token: string): Promise<number | undefined> {
  const answer = await api<unknown>('GET', `/v1/subjects/${encodeURIComponent(subjectId)}/proxy-requests`, { token });
  if (answer.status === 404 && answer.error?.code === 'ERR_NOT_FOUND') return undefined;
  return pendingEntries(answer.body).length;
}
