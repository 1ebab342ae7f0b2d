import { api } from '../shared/api.js';
import { el, store } from '../shared/dom.js';
import { addStrings, currentLang, t } from '../shared/i18n.js';

/**
 * What the resident's page does for people the phone-first page left behind (issue 25, §4):
 * - 大字版: large print (1.5× text, the code as large as the screen allows), remembered on the device;
 * - 帮助: the notice's questions and answers (常见问题) and its hotlines (GET /v1/help);
 * - when a yellow or red code may turn green: the end of each reason's 14-day window, or 经核查后.
 */
const LARGE = 'hc.largePrint';

addStrings({
  largePrint: { zh: '大字版', en: 'Large print' },
  help: { zh: '帮助', en: 'Help' },
  helpHeading: { zh: '帮助 · 常见问题', en: 'Help · Questions and answers' },
  helpIntro: { zh: '以下问答摘自《关于推广应用“辛集健康码”的通知》。', en: 'The questions and answers of the Xinji notice (in Chinese).' },
  hotlines: { zh: '咨询热线：', en: 'Hotlines: ' },
  close: { zh: '关闭', en: 'Close' },
  greenAt: { zh: '预计 {date} 后可转为绿码', en: 'may turn green after {date}' },
  greenAfterReview: { zh: '经核查解除后转为绿码', en: 'turns green only after review' },
});

/** The notice's questions and answers, in its own Chinese (notice, “辛集健康码”常见问题). */
const FAQ: ReadonlyArray<[string, string]> = [
  ['红码、黄码是怎么判定的？', '“红、黄、绿”三色码基于系统后台大数据的更新而动态变化。申领到红码或黄码，原因可能与确诊或疑似病例曾处于同一个空间有关，可能与来自重点疫区有关，也可能与在申报或健康打卡时有身体不适症状有关。如确定自身不存在异常情况，建议耐心等待一段时间，健康码的颜色可能会更新。'],
  ['持红码、黄码的人员能否返回辛集？', '必须在辛集有固定工作或固定居所，方可来辛集或返辛集；进入辛集后由用人单位或所在村（社区）落实“健康打卡、隔离观察”等规定，并须在一个小时内向所在村（社区）报告。'],
  ['家人没有手机，能否代办？', '绿码人员可在健康码页面点击“代人申请”帮家人办理，最多可为3人申请，一个人最多被3人代办。没有申领到健康码的老年人和未成年人，可以凭通行证等有效证件，经测温合格后进入公共场所或搭乘公共交通工具；可到社区办理通行证。'],
  ['14天内去过国外，申报时选哪里？', '在到访地区中选择“海外地区”。'],
  ['信息填错了怎么修改？', '已支持个人申报信息的修改功能，每天可修改1次，请仔细阅读问题后慎重填写。'],
  ['每日申请总量是否有上限？', '不设申请上限。'],
  ['能用境外手机号码申请吗？', '暂不支持凭境外手机号申请。短期来辛集的商旅外籍人士，按传统入境方式提供管理和服务。'],
  ['港澳台人员及外籍人士没有身份证怎么办？', '选择证件类型，填写护照、港澳居民来往内地通行证、台湾居民来往大陆通行证等证件号码。'],
  ['谎报、瞒报有什么后果？', '申报内容必须真实、完整，否则将承担相应的法律责任；如有谎报瞒报行为，一律判为“红码”。'],
  ['健康码的颜色会变吗？', '会。提交后获得的颜色仅为初始状态，之后会根据后台大数据的更新动态变化；颜色由系统自动生成，无法人工干预。'],
  ['持绿码是否还要配合测温？', '持绿码出入社区、单位、公共场所以及乘坐公共交通工具时，仍需做好自身防护，配合测量体温和登记。绿码不是随意串门、聚会的通行证。'],
  ['健康码制度会一直执行吗？', '“辛集健康码”制度是疫情防控期间的一项临时性政策，将根据国家、省相关部署和疫情形势适时调整。'],
];

function applyLarge(on: boolean): void {
  document.documentElement.classList.toggle('large', on);
  el('btn-large').setAttribute('aria-pressed', String(on));
}

function fillHelp(hotlines: readonly string[]): void {
  const list = el('help-faq');
  list.replaceChildren(
    ...FAQ.flatMap(([q, a]) => {
      const dt = document.createElement('dt');
      dt.textContent = q;
      const dd = document.createElement('dd');
      dd.textContent = a;
      return [dt, dd];
    }),
  );
  const line = el('help-hotlines');
  line.replaceChildren(
    document.createTextNode(t('hotlines')),
    ...hotlines.flatMap((number, i) => {
      const link = document.createElement('a');
      link.href = `tel:${number.replace(/[^0-9+]/g, '')}`;
      link.textContent = number;
      return i === 0 ? [link] : [document.createTextNode('、'), link];
    }),
  );
  line.hidden = hotlines.length === 0;
}

/** Fetched when help is first opened: the page sends nothing the resident did not ask for. */
let hotlines: string[] | undefined;

export function setupAccess(): void {
  applyLarge(store.get<boolean>(LARGE) === true);
  el('btn-large').addEventListener('click', () => {
    const on = !document.documentElement.classList.contains('large');
    store.set(LARGE, on);
    applyLarge(on);
  });
  const dialog = el<HTMLDialogElement>('help-dialog');
  el('btn-help').addEventListener('click', () => {
    fillHelp(hotlines ?? []);
    dialog.showModal();
    el('btn-help-close').focus();
    if (hotlines === undefined) {
      void api<{ hotlines: string[] }>('GET', '/v1/help').then((answer) => {
        if (answer.body) hotlines = answer.body.hotlines;
        fillHelp(hotlines ?? []);
      });
    }
  });
  el('btn-help-close').addEventListener('click', () => dialog.close());
}

/** When a reason ends by itself, in words: 预计 11月27日 16:00 后可转为绿码, or 经核查解除后转为绿码. */
export function untilText(until: string | null | undefined): string {
  if (until === undefined) return '';
  if (until === null) return t('greenAfterReview');
  const date = new Date(until).toLocaleString(currentLang() === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: 'Asia/Shanghai', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false,
  });
  return t('greenAt', { date });
}
