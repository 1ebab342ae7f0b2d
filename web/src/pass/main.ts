import QRCode from 'qrcode';
import { api } from '../shared/api.js';
import { el, say } from '../shared/dom.js';

/**
 * The print view of a 通行证 (`/pass#<jws>`, printed by `npm run passes -- issue`): the QR of the
 * pass, the masked name and number, the dates, and the notice's words for using it. The pass comes
 * in the URL's fragment, which the browser never sends to a server; the page reads the claims
 * only to print them — checkpoints verify the pass itself. Printed on A6 by the stylesheet's
 * @page rule (web/pass.css).
 */
const PASS_TYP = 'health-pass+jwt';

interface PassClaims {
  iat: number;
  exp: number;
  hc: { name?: string; doc?: string };
}

function decodePart(part: string): unknown {
  const bytes = Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function readPass(jws: string): PassClaims | undefined {
  const parts = jws.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = decodePart(parts[0]!) as { typ?: unknown };
    const claims = decodePart(parts[1]!) as Partial<PassClaims>;
    if (header.typ !== PASS_TYP || typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || typeof claims.hc !== 'object' || claims.hc === null) return undefined;
    return claims as PassClaims;
  } catch {
    return undefined;
  }
}

/** 2026年11月27日, in Asia/Shanghai whatever the printing computer's zone. */
function day(seconds: number): string {
  return new Date(seconds * 1000).toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'long', day: 'numeric' });
}

async function hotlines(): Promise<void> {
  const answer = await api<{ hotlines: string[] }>('GET', '/v1/help');
  if (!answer.body || answer.body.hotlines.length === 0) return;
  const line = el('pass-hotlines');
  line.textContent = `咨询电话：${answer.body.hotlines.join('、')}`;
  line.hidden = false;
}

async function show(): Promise<void> {
  const jws = decodeURIComponent(location.hash.slice(1)).trim();
  const claims = readPass(jws);
  if (!claims) {
    say(el('pass-error'), '没有可打印的通行证：请从发证窗口重新打开打印页面。');
    return;
  }
  // Vector (SVG), so the printed modules stay sharp at any printer resolution.
  const svg = await QRCode.toString(jws, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
  el<HTMLImageElement>('pass-qr').src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  el('pass-name').textContent = claims.hc.name ?? '';
  el('pass-doc').textContent = claims.hc.doc ?? '';
  el('pass-issued').textContent = day(claims.iat);
  el('pass-until').textContent = day(claims.exp);
  el('pass-card').hidden = false;
  el('btn-print').hidden = false;
  await hotlines();
  document.body.dataset['ready'] = 'true';
}

el('btn-print').addEventListener('click', () => window.print());
void show();
