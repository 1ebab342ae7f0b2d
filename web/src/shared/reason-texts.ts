import type { ColorReason, DenyReason } from '../../../gateway/types/schemas.js';
import type { Text } from './error-texts.js';

/**
 * Words for the API's reason values, checked like the error codes (tests/web/texts.test.ts): a
 * reason without words is a type error here, and the pages never show the value itself.
 */

/** Why the checkpoint denied (schemas/checkpoint-decision.schema.json DenyReason), for the officer. */
export const DENY_TEXTS: { readonly [reason in DenyReason]: Text } = {
  code_invalid: { zh: '无法核验', en: 'Cannot be verified' },
  color_yellow: { zh: '黄码', en: 'Yellow code' },
  color_red: { zh: '红码', en: 'Red code' },
  advisory: { zh: '弹窗状态：发码城市无法确认此人情况，请人工核实（核对证件、询问14天行程）后按规定处理', en: 'Pop-up state: the issuing city cannot confirm this person; check by hand (the document, travel in the last 14 days) and follow the rules' },
  fever: { zh: '发热，请复测体温', en: 'Fever: take the temperature again' },
  document_mismatch: { zh: '证件不符，请核对证件号码', en: 'Document does not match: check the document number' },
  document_mismatch_locked: { zh: '证件多次不符，此健康码已暂停核验，请持码人刷新健康码', en: 'Document did not match several times: this code is locked; ask the person to refresh it' },
  binding_missing: { zh: '健康码未绑定证件，无法核对证件，请人工核实', en: 'The code names no document to compare: check by hand' },
  no_code: { zh: '无健康码记录：可到社区办理通行证，或当场申报', en: 'No health-code record: a 通行证 can be issued at the community office, or declare now' },
};

/** Why a code is yellow or red (schemas/declaration-result.schema.json ColorReason), for the resident. */
export const COLOR_REASON_TEXTS: { readonly [reason in ColorReason]: Text } = {
  confirmed_case: { zh: '确诊病例', en: 'Confirmed case' },
  close_contact: { zh: '密切接触者', en: 'Close contact of a case' },
  false_report: { zh: '经核查存在虚报瞒报', en: 'False or concealed declaration found' },
  declared_contact: { zh: '申报接触过确诊或疑似病例', en: 'Declared contact with a case' },
  declared_symptoms: { zh: '申报有症状', en: 'Declared symptoms' },
  travel_overseas: { zh: '14天内到过海外地区', en: 'Overseas in the last 14 days' },
  travel_high_risk_region: { zh: '14天内到过高风险地区', en: 'In a high-risk region in the last 14 days' },
  check_in_symptoms: { zh: '健康打卡报告有症状', en: 'Symptoms reported at a daily check-in' },
  check_in_fever: { zh: '健康打卡报告发热', en: 'Fever reported at a daily check-in' },
};
