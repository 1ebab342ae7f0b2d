/**
 * Chinese first, English on request. The HTML carries the Chinese text; elements name their
 * string with data-i18n, and the chosen language is kept on the device.
 */
export type Lang = 'zh' | 'en';
export type Dict = Record<string, { zh: string; en: string }>;

const KEY = 'hc.lang';
let lang: Lang = readLang();
let dict: Dict = {};

function readLang(): Lang {
  try {
    return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export function addStrings(strings: Dict): void {
  dict = { ...dict, ...strings };
}

export function currentLang(): Lang {
  return lang;
}

/** The string `key` in the current language; `{name}` placeholders filled from `vars`. */
export function t(key: string, vars: Record<string, string | number> = {}): string {
  return tOr(key, key, vars);
}

/** Like `t`, but `fallback` (as given) when no string is named `key`: an API code or value the page has no words for. */
export function tOr(key: string, fallback: string, vars: Record<string, string | number> = {}): string {
  const entry = dict[key];
  if (!entry) return fallback;
  return entry[lang].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
}

function apply(): void {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset['i18n']!);
  document.title = t('title');
  const toggle = document.getElementById('lang-toggle');
  if (toggle) {
    toggle.textContent = lang === 'zh' ? 'English' : '中文';
    toggle.lang = lang === 'zh' ? 'en' : 'zh-CN';
  }
}

/** Applies the language now and on every press of the toggle; `rerender` redraws dynamic parts. */
export function setupLanguage(rerender: () => void): void {
  apply();
  document.getElementById('lang-toggle')?.addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    try {
      localStorage.setItem(KEY, lang);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    apply();
    rerender();
  });
}

/** The strings both pages use. */
addStrings({
  docType: { zh: '证件类型', en: 'Document type' },
  docNumber: { zh: '证件号码', en: 'Document number' },
  doc_resident_id: { zh: '居民身份证', en: 'Resident ID card' },
  doc_hmt_residence_permit: { zh: '港澳台居民居住证', en: 'HK/Macau/Taiwan residence permit' },
  doc_hk_macau_permit: { zh: '港澳居民来往内地通行证', en: 'Mainland travel permit (HK/Macau)' },
  doc_taiwan_permit: { zh: '台湾居民来往大陆通行证', en: 'Mainland travel permit (Taiwan)' },
  doc_passport: { zh: '护照', en: 'Passport' },
  doc_foreign_permanent_resident_id: { zh: '外国人永久居留身份证', en: 'Foreign permanent resident ID' },
  cancel: { zh: '取消', en: 'Cancel' },
  green: { zh: '绿码', en: 'Green code' },
  yellow: { zh: '黄码', en: 'Yellow code' },
  red: { zh: '红码', en: 'Red code' },
});
