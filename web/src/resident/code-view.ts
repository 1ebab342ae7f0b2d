import QRCode from 'qrcode';
import { XINJI_CLAIM_POINTERS } from '../../../gateway/issuer/code-layouts.js';
import { qrSegments } from '../../../gateway/issuer/qr-segments.js';
import { claimPointersFor } from '../../../gateway/verify/claim-layout.js';
import { resolvePointer } from '../../../gateway/verify/json-pointer.js';
import { decodePayload, parseCompact } from '../../../gateway/verify/parse-compact.js';
import { api, type ApiError } from '../shared/api.js';
import { el } from '../shared/dom.js';
import { addStrings, currentLang, t } from '../shared/i18n.js';
import { untilText } from './access.js';
import { watchColor, type Watch } from './live-color.js';
import { clearQueued, isQueued, showQueued } from './queued.js';

addStrings({
  refresh: { zh: '刷新', en: 'Refresh' },
  expired: { zh: '已过期', en: 'Expired' },
  expiredAt: { zh: '此健康码已于 {time} 过期，请联网后刷新。', en: 'This code expired at {time}; connect to the network and refresh.' },
  offlineNow: { zh: '无法连接服务器，显示的可能不是最新的健康码。', en: 'The gateway cannot be reached; the code shown may not be current.' },
});

/** The API's answer for a code (schemas/declaration-result.schema.json). */
export interface CodeResult {
  subjectId: string;
  color: 'green' | 'yellow' | 'red';
  reasons: string[];
  /** When each reason ends by itself (null: after review); absent for a green code. */
  until?: Array<{ reason: string; until: string | null }>;
  holderToken?: string;
  linked?: boolean;
  credential: { jws: string; expiresAt: string };
}

interface Shown {
  result: CodeResult;
  name: string;
  lifetimeS: number;
  /** When the code stops being valid, on this device's clock (arrival + exp − iat). */
  expiresAtMs: number;
}

/** The code being kept fresh: whose, with which token, and where its errors go. */
interface Source {
  subjectId: string;
  token: string;
  onError: (error: ApiError) => void;
}

/**
 * The claims the page shows, read from the code itself: the masked name (张*猛) where the code's
 * layout puts it (hc.name in layouts 1 and 2, hc.n in layout 3: gateway/issuer/code-layouts.ts).
 */
export function claimsOf(jws: string): { name: string; lifetimeS: number } {
  try {
    // The gateway's own parser: it inflates a compressed (zip "DEF") payload as every reader does.
    const claims = decodePayload(parseCompact(jws));
    const lifetimeS = typeof claims['exp'] === 'number' && typeof claims['iat'] === 'number' ? claims['exp'] - claims['iat'] : 900;
    const pointer = claimPointersFor(XINJI_CLAIM_POINTERS, claims).nameMasked;
    const name = pointer === undefined ? undefined : resolvePointer(claims, pointer);
    return { name: typeof name === 'string' ? name : '', lifetimeS };
  } catch {
    return { name: '', lifetimeS: 900 };
  }
}

let shown: Shown | undefined;
/** Whose code is on screen: the holder's own, or a person the holder acts for (headed with that person's name). */
let ownCode = true;

export function showingOwnCode(own: boolean): void {
  ownCode = own;
}

/** The masked name of the code on screen (read from the code). */
export function shownName(): string | undefined {
  return shown?.name;
}
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let source: Source | undefined;
let watch: Watch | undefined;
let reachable = true;
let clockTimer: ReturnType<typeof setInterval> | undefined;

function timeText(at: Date, withDate: boolean): string {
  return at.toLocaleString(currentLang() === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: 'Asia/Shanghai',
    ...(withDate ? { year: 'numeric', month: '2-digit', day: '2-digit' } : {}),
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
}

function tickClock(): void {
  const clock = el<HTMLTimeElement>('code-clock');
  const now = new Date();
  clock.dateTime = now.toISOString();
  clock.textContent = timeText(now, true);
  renderValidity();
}

/**
 * A code past its life (no network to renew it) must not look valid: 已过期 with the time it
 * expired, the QR greyed. Counted on this device's clock from the code's arrival.
 */
function renderValidity(): void {
  if (!shown) return;
  const expired = Date.now() >= shown.expiresAtMs;
  const card = el('code-card');
  card.dataset['color'] = expired ? 'expired' : shown.result.color;
  el('code-color').textContent = expired ? t('expired') : t(shown.result.color);
  const line = el('code-expired');
  line.hidden = !expired;
  line.textContent = expired ? t('expiredAt', { time: timeText(new Date(shown.expiresAtMs), false) }) : '';
}

function renderNetwork(): void {
  const line = el('code-network');
  line.hidden = reachable;
  line.textContent = reachable ? '' : t('offlineNow');
}

/** Draws the shown code in the current language (called again when the language changes). */
export function renderCode(): void {
  if (!shown) return;
  const { result, name, lifetimeS } = shown;
  el('code-heading').textContent = ownCode ? t('codeHeading') : t('heldCodeHeading', { name });
  el('code-name').textContent = name;
  el<HTMLImageElement>('code-qr').alt = t('qrAlt');
  const reasons = el('code-reasons');
  reasons.replaceChildren(
    ...result.reasons.map((reason) => {
      const li = document.createElement('li');
      const ends = untilText(result.until?.find((u) => u.reason === reason)?.until);
      li.textContent = t(`reason_${reason}`) + (ends ? (currentLang() === 'zh' ? `（${ends}）` : ` (${ends})`) : '');
      return li;
    }),
  );
  el('code-reasons-box').hidden = result.reasons.length === 0;
  el('code-updated').textContent = t('updated', { minutes: Math.max(1, Math.round(lifetimeS / 60)) });
  renderNetwork();
  tickClock();
}

/** Shows a code the API just gave (from a declaration, a modification or a fetch). */
export async function showCode(result: CodeResult): Promise<void> {
  const claims = claimsOf(result.credential.jws);
  shown = { result, ...claims, expiresAtMs: Date.now() + claims.lifetimeS * 1000 };
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
  source = { subjectId, token, onError };
  const lifetimeMs = (shown?.lifetimeS ?? 900) * 1000;
  refreshTimer = setTimeout(() => void fetchCode(subjectId, token, onError), Math.max(5000, lifetimeMs * 0.8));
  // Between renewals, the colour is watched: a change shows within seconds (live-color.ts).
  watch = watchColor(subjectId, token, {
    shown: () => shown && { color: shown.result.color, reasons: shown.result.reasons },
    onChange: () => void fetchCode(subjectId, token, onError),
    onReachable: (now) => {
      const wasOffline = !reachable;
      setReachable(now);
      // Back online with a code that expired meanwhile: renew it at once.
      if (now && wasOffline && shown && Date.now() >= shown.expiresAtMs) void fetchCode(subjectId, token, onError);
    },
    onRefused: () => void fetchCode(subjectId, token, onError),
  });
}

function setReachable(now: boolean): void {
  if (reachable === now) return;
  reachable = now;
  renderNetwork();
}

/** `onShown`: called when a code is shown, also one that arrives later from the launch-day queue. */
export async function fetchCode(subjectId: string, token: string, onError: (error: ApiError) => void, onShown?: () => void): Promise<boolean> {
  const answer = await api<CodeResult>('GET', `/v1/subjects/${encodeURIComponent(subjectId)}/code`, { token });
  if (answer.status === 202 && isQueued(answer.body)) {
    stopRefreshing();
    refreshTimer = setTimeout(() => void fetchCode(subjectId, token, onError, onShown), showQueued(answer.body));
    return false;
  }
  if (!answer.body) {
    if (answer.status === 0 && shown && source?.subjectId === subjectId) {
      // Offline with a code on screen: said on the card (and cleared when the network is back);
      // the card itself turns 已过期 when the code's life is over.
      setReachable(false);
    } else {
      onError(answer.error!);
    }
    // A passing network failure is retried; a refused token is not.
    if (answer.status === 0 || answer.status >= 500 || answer.status === 429) {
      stopRefreshing();
      source = { subjectId, token, onError };
      refreshTimer = setTimeout(() => void fetchCode(subjectId, token, onError), 10_000);
    }
    return false;
  }
  clearQueued();
  setReachable(true);
  await showCode(answer.body);
  keepFresh(subjectId, token, onError);
  onShown?.();
  return true;
}

export function stopRefreshing(): void {
  if (refreshTimer !== undefined) clearTimeout(refreshTimer);
  refreshTimer = undefined;
  watch?.stop();
  watch = undefined;
}

// 刷新: a fresh code now, for whoever's code is on screen.
el('btn-refresh').addEventListener('click', () => {
  if (source) void fetchCode(source.subjectId, source.token, source.onError);
});

