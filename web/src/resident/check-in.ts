import { api } from '../shared/api.js';
import { el, say } from '../shared/dom.js';
import { errorText } from '../shared/errors.js';
import { addStrings, t } from '../shared/i18n.js';

/**
 * 健康打卡: today's temperature and symptoms for the person whose code is on screen (the holder, or
 * a person the holder acts for), POST /v1/subjects/{id}/check-ins, once a day. Separate from
 * 修改信息; a symptom or fever turns the code yellow by the rules, and the page then shows the new code.
 */
addStrings({
  checkIn: { zh: '健康打卡', en: 'Daily check-in' },
  checkInFor: { zh: '为{name}健康打卡', en: 'Daily check-in for {name}' },
  checkInHelp: { zh: '每天打卡1次：如实填写今天的体温和症状。有发热或症状时健康码将转为黄码。', en: 'Once a day: enter today\'s temperature and any symptoms truthfully. A fever or symptom turns the code yellow.' },
  checkInTemp: { zh: '今天的体温（℃）', en: 'Today\'s temperature (°C)' },
  checkInTempInvalid: { zh: '请填写体温（34–43℃），例如 36.5。', en: 'Enter the temperature (34–43 °C), e.g. 36.5.' },
  checkInSymptoms: { zh: '今天的症状（可多选，没有则不选）', en: 'Symptoms today (any that apply; none if none)' },
  checkInSubmit: { zh: '提交打卡', en: 'Submit check-in' },
  checkInDone: { zh: '今天已打卡（{day}）。', en: 'Checked in for today ({day}).' },
  checkInDoneYellow: { zh: '今天已打卡（{day}）。因报告发热或症状，健康码已转为黄码；请居家观察，必要时及时就医。', en: 'Checked in for today ({day}). A fever or symptom was reported, so the code is now yellow; stay home and see a doctor if needed.' },
});

export const SYMPTOMS = ['fever', 'cough', 'fatigue', 'sore_throat', 'shortness_of_breath', 'diarrhea', 'loss_of_taste_or_smell', 'muscle_ache'] as const;

interface CheckInResult {
  day: string;
  fever: boolean;
  color: string;
  reasons: string[];
}

/** The symptom checkboxes, labelled in the page's language (called again when it changes). */
export function renderCheckInForm(): void {
  const box = el('ci-symptoms');
  const checked = new Set([...box.querySelectorAll<HTMLInputElement>('input:checked')].map((input) => input.value));
  box.replaceChildren(
    ...SYMPTOMS.map((symptom) => {
      const label = document.createElement('label');
      label.className = 'choice';
      const input = document.createElement('input');
      input.type = 'checkbox';
      input.name = 'ci-symptoms';
      input.value = symptom;
      input.checked = checked.has(symptom);
      const span = document.createElement('span');
      span.textContent = t(`sym_${symptom}`);
      label.append(input, ' ', span);
      return label;
    }),
  );
}

export function openCheckIn(name: string | undefined): void {
  el<HTMLFormElement>('check-in').reset();
  renderCheckInForm();
  el('checkin-heading').textContent = name ? t('checkInFor', { name }) : t('checkIn');
  say(el('ci-error'), undefined);
  el('ci-temp').removeAttribute('aria-invalid');
}

/**
 * Sends the check-in; resolves to the message to show with the refreshed code, or undefined when
 * it was refused (the reason is then shown on the form).
 */
export async function submitCheckIn(subjectId: string, token: string): Promise<string | undefined> {
  const raw = el<HTMLInputElement>('ci-temp').value.trim().replace(',', '.');
  const temperatureC = Number(raw);
  if (!raw || !Number.isFinite(temperatureC) || temperatureC < 34 || temperatureC > 43) {
    el('ci-temp').setAttribute('aria-invalid', 'true');
    say(el('ci-error'), t('checkInTempInvalid'));
    el('ci-temp').focus();
    return undefined;
  }
  el('ci-temp').removeAttribute('aria-invalid');
  const symptoms = [...el('ci-symptoms').querySelectorAll<HTMLInputElement>('input:checked')].map((input) => input.value);
  const button = el<HTMLButtonElement>('btn-ci-submit');
  button.disabled = true;
  const answer = await api<CheckInResult>('POST', `/v1/subjects/${encodeURIComponent(subjectId)}/check-ins`, { token, body: { temperatureC, symptoms } });
  button.disabled = false;
  if (!answer.body) {
    say(el('ci-error'), errorText(answer.error!));
    return undefined;
  }
  el<HTMLFormElement>('check-in').reset();
  const reported = answer.body.fever || symptoms.length > 0;
  return t(reported ? 'checkInDoneYellow' : 'checkInDone', { day: answer.body.day });
}
