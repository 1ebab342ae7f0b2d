import type { ErrorCode } from '../../../gateway/errors/catalogue.js';

/**
 * What a person reads for each error code of the catalogue (gateway/errors/catalogue.ts), in
 * Chinese and English, saying what to do. The page never shows a code itself: the type below
 * makes a code without words a type error, and tests/web/texts.test.ts walks the catalogue both
 * ways. Pure data (no DOM), so the test can read it in Node.
 *
 * The resident's page reads the declaration codes; the checkpoint officer reads the verification
 * codes (in 无法核验（…）), so those speak to the officer about the person in front of them.
 */
export interface Text {
  zh: string;
  en: string;
}

export const ERROR_TEXTS: { readonly [code in ErrorCode]: Text } = {
  // --- request shape
  ERR_INVALID_JSON: { zh: '页面发送的数据有误，请刷新页面后重试。', en: 'The page sent malformed data; reload the page and try again.' },
  ERR_BODY_TOO_LARGE: { zh: '填写的内容过长，请精简后重试。', en: 'What was entered is too long; shorten it and try again.' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { zh: '页面发送的数据有误，请刷新页面后重试。', en: 'The page sent data in the wrong form; reload the page and try again.' },
  ERR_VALIDATION: { zh: '填写的内容不完整或格式不正确，请检查后重试。', en: 'Some information is missing or malformed; check it and try again.' },
  ERR_NOT_FOUND: { zh: '页面或服务已更新，请刷新页面后重试。', en: 'The page or service was updated; reload the page and try again.' },
  ERR_INTERNAL: { zh: '服务出现故障，请稍后再试；如仍无法使用，请拨打咨询电话。', en: 'The service failed; try again later, or call the hotline if it keeps failing.' },
  ERR_RATE_LIMITED: { zh: '操作过于频繁，请等待一分钟后再试。', en: 'Too many attempts; wait a minute and try again.' },
  ERR_MALFORMED_REQUEST: { zh: '页面发送的数据有误，请刷新页面后重试。', en: 'The page sent a malformed request; reload the page and try again.' },
  ERR_HEADERS_TOO_LARGE: { zh: '浏览器数据过多，请清除本站数据或换用其他浏览器后重试。', en: 'The browser sent too much data; clear this site\'s data or use another browser.' },
  ERR_OVERLOADED: { zh: '当前办理人数较多，请稍等几秒后重试，已填写的内容不会丢失。', en: 'Many people are being served; wait a few seconds and try again. Nothing entered is lost.' },

  // --- declarations
  ERR_DOCUMENT_INVALID: { zh: '证件号码格式不正确，请对照证件核对。', en: 'The document number does not match its document type; check it against the document.' },
  ERR_DOCUMENT_CHECKSUM: { zh: '身份证号码校验位错误，请核对最后一位。', en: 'The check character of the ID number is wrong; check the last character.' },
  ERR_PHONE_INVALID: { zh: '请填写中国大陆手机号码（11位，以13–19开头）。', en: 'Enter a mainland mobile number (11 digits starting 13–19).' },
  ERR_PHONE_FOREIGN: { zh: '暂不支持境外手机号码，请使用中国大陆手机号码，或请家人代为申请。', en: 'Foreign mobile numbers are not supported; use a mainland number, or ask a family member to apply for you.' },
  ERR_ATTESTATION_REQUIRED: { zh: '请勾选“本人承诺以上信息真实”。', en: 'Tick "I promise the information above is true".' },
  ERR_DOCUMENT_ALREADY_REGISTERED: { zh: '该证件已申领健康码，无需重复申报；请在原手机上出示健康码。', en: 'A health code already exists for this document; show it on the phone it was declared with.' },
  ERR_UNAUTHENTICATED: { zh: '本机保存的健康码已失效，请重新申报。', en: 'The code kept on this device is no longer valid; please declare again.' },
  ERR_FORBIDDEN: { zh: '您不是此人的代办人，无权查看或修改其健康码；请由本人办理。', en: 'You do not act for this person; they must do this themselves.' },
  ERR_PROXY_NOT_GREEN: { zh: '只有绿码持有人才能代他人申请；您的健康码转为绿码后可再办理。', en: 'Only a green-code holder may declare for others; try again once your code is green.' },
  ERR_PROXY_HOLDER_LIMIT: { zh: '您已为3人代办，已达上限，不能再为他人申请。', en: 'You already declare for 3 people, the most allowed; you cannot add another.' },
  ERR_PROXY_SUBJECT_LIMIT: { zh: '此人已有3位代办人，已达上限；请由本人移除一位代办人后再试。', en: 'This person already has 3 proxies; they must remove one before you can be added.' },
  ERR_PROXY_SELF: { zh: '这是您本人的证件，不能为自己代办；请返回查看本人健康码。', en: 'This is your own document; go back to your own code instead.' },
  ERR_MODIFICATION_LIMIT: { zh: '今天已修改过一次信息，每天只能修改1次，请明天再试。', en: 'The information was already modified today; try again tomorrow.' },
  ERR_POLICY_ENDED: { zh: '健康码政策已结束，不再申报、出示或查验健康码。', en: 'The health-code policy has ended; codes are no longer issued or checked.' },
  ERR_SUBJECT_NOT_FOUND: { zh: '未找到此人的健康码，可能已被注销；请重新申报。', en: 'No code was found for this person; it may have been withdrawn. Please declare again.' },
  ERR_DECLARATION_QUEUED: { zh: '申报已受理，健康码还在生成中；生成后才能修改信息，请稍后再试。', en: 'Your declaration was received and its code is still being made; it can be modified once the code is ready.' },
  ERR_PROXY_REQUEST_NOT_FOUND: { zh: '该代办请求已过期或已处理，无需操作。', en: 'This request has expired or was already answered; nothing to do.' },
  ERR_PROXY_NOT_FOUND: { zh: '此人已不是您的代办人，无需操作。', en: 'This person no longer acts for you; nothing to do.' },
  ERR_PROXY_IDENTITY_CHANGE: { zh: '代办人只能修改健康情况（到访地区、症状、接触史）；姓名、证件和手机号码请由本人修改。', en: 'A proxy may change only the health facts (travel, symptoms, contact); the person must change their own name, document or phone.' },
  ERR_CHECK_IN_LIMIT: { zh: '今天已经打过卡了，每天打卡1次，请明天再来。如身体不适，请修改申报信息或及时就医。', en: 'Today\'s check-in is already done (one a day); come back tomorrow. If you feel unwell, modify your declaration or see a doctor.' },

  // --- people: owners, recovery, sign-in, the counter's claim (issue 17)
  ERR_HOLDER_TOKEN_EXPIRED: { zh: '登录已过期，请通过“找回健康码”重新获取。', en: 'The sign-in expired; use “Recover my code”.' },
  ERR_RECOVERY_CODE_INVALID: { zh: '验证码错误或已过期，请重新获取。', en: 'The code is wrong or expired; ask for a new one.' },
  ERR_RECOVERY_UNAVAILABLE: { zh: '暂不支持短信找回，请到窗口办理。', en: 'Recovery by text message is not available; please ask at a counter.' },
  ERR_DOCUMENT_CLAIM_REQUIRED: { zh: '该证件已在窗口办理释放，请填写窗口提供的领取码后再申报。', en: 'This document was released at a counter: enter the claim code you were given there.', },
  ERR_SIGN_IN_STATE: { zh: '登录已过期或不是从本页发起的，请重新登录。', en: 'This sign-in expired or was not started here; start again.' },
  ERR_SIGN_IN_REFUSED: { zh: '实名认证未通过校验，请重新登录。', en: 'The real-name verification did not check out; start again.' },
  ERR_SIGN_IN_CLAIMS: { zh: '实名认证的姓名或证件与该健康码不一致，请到窗口办理。', en: 'The verified name or document does not match this code; please ask at a counter.' },
  ERR_SIGN_IN_PROVIDER_UNAVAILABLE: { zh: '实名认证服务暂时无法连接，请稍后再试。', en: 'The identity provider cannot be reached; retry later.' },
  ERR_SIGN_IN_UNAVAILABLE: { zh: '暂不支持实名认证登录。', en: 'Sign-in is not available here.' },

  // --- checkpoint devices
  ERR_PASS_NOT_GREEN: { zh: '只能为当前为绿码的人打印通行证，请转为绿码后再来办理。', en: 'A pass is printed only for a person who is green now; come back once green.' },
  ERR_PASS_NOT_FOUND: { zh: '没有这张通行证。', en: 'No pass with this id.' },
  ERR_DEVICE_UNAUTHORIZED: { zh: '设备登录码无效或已停用，请向管理员索取新的登录码后重新登录。', en: 'This device\'s sign-in code is wrong or was withdrawn; ask your administrator for a new one and sign in again.' },

  // --- operators' routes (not reached from the pages; words for completeness)
  ERR_RISK_FEED_UNAUTHORIZED: { zh: '疫情数据接口的口令错误，请联系系统管理员。', en: 'The epidemic-data password is wrong; contact the system administrator.' },
  ERR_PARTNER_ADMIN_UNAUTHORIZED: { zh: '管理口令错误，请联系系统管理员。', en: 'The administrator password is wrong; contact the system administrator.' },
  ERR_PARTNER_CONFIG_INVALID: { zh: '互认城市配置有误，原配置继续有效；请联系系统管理员。', en: 'The partner configuration is invalid and the current one stays in force; contact the system administrator.' },

  // --- verification (what the officer reads after 无法核验)
  ERR_CODE_MALFORMED: { zh: '不是健康码，请持码人打开健康码页面重新出示', en: 'Not a health code: ask the person to open their health-code page and show it again' },
  ERR_CODE_TOO_LARGE: { zh: '不是健康码，请持码人打开健康码页面重新出示', en: 'Not a health code: ask the person to open their health-code page and show it again' },
  ERR_JWS_HEADER_INVALID: { zh: '健康码格式异常，疑似伪造，请人工核实', en: 'The code is malformed, possibly forged: check by hand' },
  ERR_JWS_ALG_NOT_ALLOWED: { zh: '健康码签名方式不被认可，疑似伪造，请人工核实', en: 'The code is signed in a way not accepted, possibly forged: check by hand' },
  ERR_JWS_CRIT_UNSUPPORTED: { zh: '健康码含有无法识别的内容，请人工核实', en: 'The code contains something this gateway cannot read: check by hand' },
  ERR_JWS_SIGNATURE_INVALID: { zh: '签名无效，疑似伪造，请人工核实', en: 'The signature is invalid (possibly forged): check by hand' },
  ERR_KID_UNKNOWN: { zh: '发码城市的密钥未知，请持码人刷新健康码后重新出示；仍不行请人工核实', en: 'The issuing city\'s key is unknown: ask the person to refresh the code; if it persists, check by hand' },
  ERR_ISSUER_UNKNOWN: { zh: '未互认城市的健康码，请人工核实', en: 'Not from a recognised city: check by hand' },
  ERR_ISSUER_SUSPENDED: { zh: '发码城市已暂停互认，请人工核实', en: 'The issuing city is suspended: check by hand' },
  ERR_KEYS_UNAVAILABLE: { zh: '暂时无法获取发码城市的密钥，请稍后重新核验或人工核实', en: 'The issuing city\'s keys are unavailable: verify again shortly or check by hand' },
  ERR_CLAIMS_INVALID: { zh: '健康码内容不完整，请人工核实', en: 'The code lacks required content: check by hand' },
  ERR_TOKEN_EXPIRED: { zh: '健康码已过期，请持码人刷新后重新出示', en: 'The code has expired: ask the person to refresh it and show it again' },
  ERR_TOKEN_LIFETIME_TOO_LONG: { zh: '健康码有效期超出规定，疑似伪造，请人工核实', en: 'The code is valid for longer than allowed, possibly forged: check by hand' },
  ERR_TOKEN_NOT_YET_VALID: { zh: '健康码尚未生效，请持码人刷新后重新出示；仍不行请人工核实', en: 'The code is not valid yet: ask the person to refresh it; if it persists, check by hand' },
  ERR_TOKEN_ISSUED_IN_FUTURE: { zh: '健康码的签发时间晚于现在，疑似手机时间有误或伪造，请持码人刷新后重新出示；仍不行请人工核实', en: 'The code claims to be issued later than now (a wrong clock or a forgery): ask the person to refresh it; if it persists, check by hand' },
  ERR_COLOR_UNMAPPED: { zh: '无法识别的码色，请人工核实', en: 'Unknown colour value: check by hand' },
  ERR_CREDENTIAL_SUPERSEDED: { zh: '健康码已更新，请持码人刷新后重新出示', en: 'The code was superseded: ask the person to refresh it and show it again' },
  ERR_CREDENTIAL_REVOKED: { zh: '健康码已作废，请持码人刷新后重新出示', en: 'The code was revoked: ask the person to refresh it and show it again' },
  ERR_STATUS_UNAVAILABLE: { zh: '暂时无法获取发码城市的作废名单，请稍后重新核验或人工核实', en: 'The issuing city\'s status list is unavailable: verify again shortly or check by hand' },
  ERR_PASS_UNVERIFIABLE: { zh: '发证城市不公布作废名单，无法确认通行证持有人当前是否为绿码，请人工核实', en: 'The issuing city publishes no status list, so whether the pass holder is green now cannot be known: check by hand' },
  ERR_STATUS_REFERENCE_INVALID: { zh: '健康码缺少或带有无效的状态信息，不能通行，请持码人刷新后重新出示', en: 'The code\'s status reference is missing or invalid: ask the person to refresh it and show it again' },
  ERR_TRUST_BUNDLE_INVALID: { zh: '离线核验数据无效，请联网后重新登录本设备', en: 'The offline verification data is invalid: reconnect and sign this device in again' },
  ERR_TRUST_BUNDLE_NOT_NEWER: { zh: '离线核验数据不是最新，请联网后重试', en: 'The offline verification data is not the newest: reconnect and retry' },
  ERR_TRUST_BUNDLE_FROM_FUTURE: { zh: '离线核验数据的时间晚于本机时间，请核对本机时间后联网重试', en: 'The offline verification data is dated in the future: check this device\'s clock, reconnect and retry' },
  ERR_TRUST_BUNDLE_EXPIRED: { zh: '离线核验数据已过期，请联网后重试', en: 'The offline verification data has expired: reconnect and retry' },
  ERR_TRUST_BUNDLE_MISSING: { zh: '本机没有离线核验数据，请联网后重试', en: 'This device has no offline verification data: reconnect and retry' },
};

/** Words for what is not a catalogue code: no network, and a code this page does not know yet (a newer gateway). */
export const OTHER_TEXTS = {
  NETWORK: { zh: '无法连接服务器，请检查网络后重试。', en: 'The gateway cannot be reached; check the network and retry.' },
  /** A 4xx the page has no words for: never the code, but what to do. */
  UNKNOWN_CLIENT: { zh: '无法办理，请检查填写的内容后重试；如仍不行，请拨打咨询电话。', en: 'This could not be done; check what was entered and retry, or call the hotline.' },
  /** A 5xx (or no answer) the page has no words for. */
  UNKNOWN_SERVER: { zh: '服务暂时不可用，请稍后再试。', en: 'The service is unavailable for now; please try again later.' },
} as const satisfies Record<string, Text>;

/** The words for an API error `code` with HTTP `status` (0: no answer): never the code itself. */
export function errorWords(code: string, status: number): Text {
  if (Object.hasOwn(ERROR_TEXTS, code)) return ERROR_TEXTS[code as ErrorCode];
  if (code === 'NETWORK' || status === 0) return OTHER_TEXTS.NETWORK;
  return status >= 400 && status < 500 ? OTHER_TEXTS.UNKNOWN_CLIENT : OTHER_TEXTS.UNKNOWN_SERVER;
}
