import QRCode from 'qrcode';
import { qrSegments } from '../../../gateway/issuer/qr-segments.js';
import { decodePayload, parseCompact } from '../../../gateway/verify/parse-compact.js';
import { api, type ApiError } from '../shared/api.js';
import { el } from '../shared/dom.js';
import { currentLang, t } from '../shared/i18n.js';

/** The API's answer for a code (schemas/declaration-result.schema.json). */
export interface CodeResult {
  subjectId: string;
  color: 'green' | 'yellow' | 'red';
  reasons: string[];
  holderToken?: string;
  linked?: boolean;
  credential: { jws: string; expiresAt: string };
}

interface Shown {
  result: CodeResult;
  name: string;
  lifetimeS: number;
}

/** The claims the page shows, read from the code itself (hc.name is the masked name, 张*猛). */
export function claimsOf(jws: string): { name: string; lifetimeS: number } {
  try {
    // The gateway's own parser: it inflates a compressed (zip "DEF") payload as every reader does.
    const claims = decodePayload(parseCompact(jws)) as { iat?: number; exp?: number; hc?: { name?: string } };
    const lifetimeS = typeof claims.exp === 'number' && typeof claims.iat === 'number' ? claims.exp - claims.iat : 900;
    return { name: claims.hc?.name ?? '', lifetimeS };
  } catch {
    return { name: '', lifetimeS: 900 };
  }
}

let shown: Shown | undefined;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let clockTimer: ReturnType<typeof setInterval> | undefined;

function tickClock(): void {
  const clock = el<HTMLTimeElement>('code-clock');
  const now = new Date();
  clock.dateTime = now.toISOString();
  clock.textContent = now.toLocaleString(currentLang() === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}

/** Draws the shown code in the current language (called again when the language changes). */
export function renderCode(): void {
  if (!shown) return;
  const { result, name, lifetimeS } = shown;
  el('code-card').dataset['color'] = result.color;
  el('code-color').textContent = t(result.color);
  el('code-name').textContent = name;
  el<HTMLImageElement>('code-qr').alt = t('qrAlt');
  const reasons = el('code-reasons');
  reasons.replaceChildren(
    ...result.reasons.map((reason) => {
      const li = document.createElement('li');
      li.textContent = t(`reason_${reason}`);
      return li;
    }),
  );
  el('code-reasons-box').hidden = result.reasons.length === 0;
  el('code-updated').textContent = t('updated', { minutes: Math.max(1, Math.round(lifetimeS / 60)) });
  tickClock();
}

/** Shows a code the API just gave (from a declaration, a modification or a fetch). */
export async function showCode(result: CodeResult): Promise<void> {
  const claims = claimsOf(result.credential.jws);
  shown = { result, ...claims };
  el<HTMLImageElement>('code-qr').src = await QRCode.toDataURL(qrSegments(result.credential.jws), { errorCorrectionLevel: 'M', margin: 2, width: 512 });
  renderCode();
  clockTimer ??= setInterval(tickClock, 1000);
}

/**
 * Keeps the code fresh: fetched again at 80 % of its lifetime, counted on this device from when it
 * arrived (exp − iat), so a device clock that is wrong does not matter.
 */
export function keepFresh(subjectId: string, token: string, onError: (error: ApiError) => void): void {
  stopRefreshing();
  const lifetimeMs = (shown?.lifetimeS ?? 900) * 1000;
  refreshTimer = setTimeout(() => void fetchCode(subjectId, token, onError), Math.max(5000, lifetimeMs * 0.8));
}

export async function fetchCode(subjectId: string, token: string, onError: (error: ApiError) => void): Promise<boolean> {
  const answer = await api<CodeResult>('GET', `/v1/subjects/${encodeURIComponent(subjectId)}/code`, { token });
  if (!answer.body) {
    onError(answer.error!);
    // A passing network failure is retried; a refused token is not.
    if (answer.status === 0 || answer.status >= 500 || answer.status === 429) refreshTimer = setTimeout(() => void fetchCode(subjectId, token, onError), 10_000);
    return false;
  }
  await showCode(answer.body);
  keepFresh(subjectId, token, onError);
  return true;
}

export function stopRefreshing(): void {
  if (refreshTimer !== undefined) clearTimeout(refreshTimer);
  refreshTimer = undefined;
}
