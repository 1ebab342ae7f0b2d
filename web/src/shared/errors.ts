import { addStrings, currentLang, t, tOr } from './i18n.js';
import type { ApiError } from './api.js';

/** Plain-Chinese (and English) words for the API's error codes; the API's own message otherwise. */
addStrings({
  ERR_DOCUMENT_INVALID: { zh: '证件号码格式不正确，请核对。', en: 'The document number does not match its document type.' },
  ERR_DOCUMENT_CHECKSUM: { zh: '身份证号码校验位错误，请核对最后一位。', en: 'The check character of the ID number is wrong.' },
  ERR_PHONE_INVALID: { zh: '请填写中国大陆手机号码（11位，以13–19开头）。', en: 'Enter a mainland mobile number (11 digits starting 13–19).' },
  ERR_PHONE_FOREIGN: { zh: '暂不支持境外手机号码，请使用中国大陆手机号码。', en: 'Foreign mobile numbers are not supported; use a mainland number.' },
  ERR_ATTESTATION_REQUIRED: { zh: '请勾选“本人承诺以上信息真实”。', en: 'Please confirm that the information is true.' },
  ERR_DOCUMENT_ALREADY_REGISTERED: { zh: '该证件已申领健康码，无需重复申报。', en: 'A health code already exists for this document.' },
  ERR_UNAUTHENTICATED: { zh: '本机保存的健康码已失效，请重新申报。', en: 'The code kept on this device is no longer valid; please declare again.' },
  ERR_FORBIDDEN: { zh: '无权查看或修改此人的健康码。', en: 'You may not act for this person.' },
  ERR_PROXY_NOT_GREEN: { zh: '只有绿码持有人才能代他人申请。', en: 'Only a green-code holder may declare for others.' },
  ERR_PROXY_HOLDER_LIMIT: { zh: '每人最多为3人代办。', en: 'You already declare for the maximum of 3 people.' },
  ERR_PROXY_SUBJECT_LIMIT: { zh: '此人已有3位代办人。', en: 'This person already has the maximum of 3 proxies.' },
  ERR_PROXY_SELF: { zh: '不能为自己代办。', en: 'You cannot declare for yourself as a proxy.' },
  ERR_MODIFICATION_LIMIT: { zh: '今天已修改过一次信息，每天只能修改1次，请明天再试。', en: 'The information was already modified today; try again tomorrow.' },
  ERR_POLICY_ENDED: { zh: '健康码政策已结束，不再申报、出示或查验健康码。', en: 'The health-code policy has ended; codes are no longer issued or checked.' },
  ERR_SUBJECT_NOT_FOUND: { zh: '未找到此人的健康码。', en: 'No such person.' },
  ERR_RATE_LIMITED: { zh: '请求过于频繁，请稍后再试。', en: 'Too many requests; please retry shortly.' },
  ERR_VALIDATION: { zh: '填写的内容不完整或格式不正确。', en: 'Some information is missing or malformed.' },
  ERR_DEVICE_UNAUTHORIZED: { zh: '设备令牌无效或已失效，请重新登录。', en: 'The device token is missing or no longer valid; sign in again.' },
  NETWORK: { zh: '无法连接服务器，请检查网络后重试。', en: 'The gateway cannot be reached; check the network and retry.' },
  ERR_UNKNOWN: { zh: '服务暂时不可用（{code}），请稍后再试。', en: 'The service is unavailable ({code}); please retry later.' },
});

/** What a person reads for an API error: Chinese words for the code, or the API's own message. */
export function errorText(error: ApiError): string {
  // In English the API's own message is already the right words; NETWORK has none from the API.
  if (currentLang() === 'en' && !error.code.startsWith('NETWORK')) return error.message;
  return tOr(error.code, t('ERR_UNKNOWN', { code: error.code }));
}
