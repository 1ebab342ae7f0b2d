import { addStrings, t } from '../shared/i18n.js';
import { el, store } from '../shared/dom.js';

/**
 * 无健康码（刷证件）: the checkpoint page's mode for people without a code (issue 25, §3; the notice:
 * 没有申领到健康码的老年人和未成年人，可以凭通行证等有效证件，经测温合格后方可进入公共场所). The
 * code field goes away; an ID-card reader types the number and Enter as a keyboard does, the
 * officer enters the temperature, and the gateway decides by the document alone (一证通行). A
 * printed 通行证 is scanned in the ordinary mode, like a code. The mode is kept on the device: a
 * gate serving older people stays in it from one person to the next.
 */
const KEY = 'hc.checkpointMode';

addStrings({
  modeDocument: { zh: '无健康码（刷证件）', en: 'No code (ID card only)' },
  modeDocumentHelp: { zh: '刷证件或输入证件号码，再测体温。', en: 'Read the ID card or type its number, then take the temperature.' },
  deny_no_code: { zh: '无健康码记录：可到社区办理通行证，或当场申报', en: 'No health-code record: a 通行证 can be issued at the community office, or declare now' },
  method_document: { zh: '一证通行（凭证件核验）', en: 'Checked by ID document alone (一证通行)' },
  method_pass: { zh: '凭通行证核验', en: 'Checked with a printed pass (通行证)' },
  documentNeedsNetwork: { zh: '无法连接网关：刷证件核验需要联网，请出示健康码或通行证，或稍后重试。', en: 'The gateway cannot be reached: checking by ID card needs the network; show a code or pass, or retry.' },
});

/** Whether the page scans by document alone now. */
export function documentMode(): boolean {
  return el('btn-mode-document').getAttribute('aria-pressed') === 'true';
}

/** The field the officer starts a scan with in the current mode. */
export function firstField(): string {
  return documentMode() ? 's-doc-number' : 's-code';
}

function apply(on: boolean): void {
  el('btn-mode-document').setAttribute('aria-pressed', String(on));
  el('s-code-field').hidden = on;
  el('s-mode-help').hidden = !on;
}

/** The line saying how the answer was decided: 一证通行 or 通行证 (nothing for a code). */
export function methodText(method: string | undefined): string {
  return method === 'document' || method === 'pass' ? t(`method_${method}`) : '';
}

export function setupDocumentMode(): void {
  apply(store.get<boolean>(KEY) === true);
  el('btn-mode-document').addEventListener('click', () => {
    const on = !documentMode();
    store.set(KEY, on);
    apply(on);
    el(firstField()).focus();
  });
  // A card reader ends with Enter: in this mode it moves on to the temperature instead of sending.
  el('s-doc-number').addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || !documentMode()) return;
    event.preventDefault();
    el('s-temp').focus();
  });
}
