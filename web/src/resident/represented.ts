import { api } from '../shared/api.js';
import { el, listRow } from '../shared/dom.js';
import { addStrings, t } from '../shared/i18n.js';

/**
 * 我代办的人 from the gateway (issue 17, item 3): the people this holder may act for and its requests
 * still waiting for a person's approval (GET /v1/subjects/{id}/represented). Masked names only.
 */
addStrings({
  pendingMine: { zh: '等待本人同意的请求', en: 'Requests waiting for the person' },
  pendingUntil: { zh: '等待同意，{date}前有效', en: 'Waiting, valid until {date}' },
});

interface Represented {
  people: Array<{ subjectId: string; name: string }>;
  requests: Array<{ requestId: string; expiresAt: string }>;
}

function pendingList(): HTMLUListElement {
  const existing = document.getElementById('pending-mine');
  if (existing) return existing as HTMLUListElement;
  const heading = document.createElement('h3');
  heading.id = 'pending-mine-heading';
  heading.dataset['i18n'] = 'pendingMine';
  heading.textContent = t('pendingMine');
  const list = document.createElement('ul');
  list.id = 'pending-mine';
  list.className = 'held-list';
  el('held-list').after(heading, list);
  return list;
}

/** The people this holder acts for (to remember by id and masked name), or undefined when unknown. */
export async function syncRepresented(subjectId: string, token: string): Promise<Array<{ subjectId: string; name: string }> | undefined> {
  const answer = await api<Represented>('GET', `/v1/subjects/${encodeURIComponent(subjectId)}/represented`, { token });
  if (!answer.body) return undefined;
  const list = pendingList();
  const requests = answer.body.requests;
  list.replaceChildren(...requests.map((r) => listRow(t('pendingUntil', { date: r.expiresAt.slice(0, 10) }), [])));
  list.hidden = requests.length === 0;
  el('pending-mine-heading').hidden = requests.length === 0;
  return answer.body.people.map((p) => ({ subjectId: p.subjectId, name: p.name }));
}
