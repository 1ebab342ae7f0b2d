import { addStrings, currentLang } from './i18n.js';
import type { ApiError } from './api.js';
import { errorWords, ERROR_TEXTS, OTHER_TEXTS } from './error-texts.js';
import { COLOR_REASON_TEXTS, DENY_TEXTS } from './reason-texts.js';

/**
 * Words for the API's codes and reasons, in the page's dictionary: `ERR_…` for errors (also used
 * for checks the page makes before sending), `deny_…` for checkpoint reasons, `reason_…` for why a
 * code is yellow or red. The page shows these words, never a code or the API's English message.
 */
const prefixed = (prefix: string, texts: Record<string, { zh: string; en: string }>) => Object.fromEntries(Object.entries(texts).map(([key, text]) => [prefix + key, text]));
addStrings({ ...ERROR_TEXTS, ...OTHER_TEXTS, ...prefixed('deny_', DENY_TEXTS), ...prefixed('reason_', COLOR_REASON_TEXTS) });

/** What a person reads for an API error, in the page's language. */
export function errorText(error: ApiError): string {
  return errorWords(error.code, error.status ?? 400)[currentLang()];
}
