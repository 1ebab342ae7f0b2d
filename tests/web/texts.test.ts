import { readFileSync } from 'node:fs';
import { ERROR_CATALOGUE } from '../../gateway/errors/catalogue.js';
import { fromRoot } from '../../gateway/paths.js';
import { errorWords, ERROR_TEXTS, OTHER_TEXTS } from '../../web/src/shared/error-texts.js';
import { COLOR_REASON_TEXTS, DENY_TEXTS } from '../../web/src/shared/reason-texts.js';

/**
 * What the pages say instead of codes (issue 21, item 1): every error code of the catalogue and
 * every reason value of the schemas has Chinese and English words, in both directions (nothing
 * missing, nothing left over after a code or reason is dropped), and none of the words is a code.
 */
const schemaEnum = (file: string, pointer: (schema: any) => string[]): string[] => pointer(JSON.parse(readFileSync(fromRoot('schemas', file), 'utf8')));
const DENY_REASONS = schemaEnum('checkpoint-decision.schema.json', (s) => s.definitions?.DenyReason?.enum ?? s.properties.reasons.items.enum);
const COLOR_REASONS = schemaEnum('declaration-result.schema.json', (s) => s.definitions.ColorReason.enum);

const CJK = /[\u4e00-\u9fff]/;
const RAW = /\bERR_|\bdeny_|\breason_|[a-z]+_[a-z]+/;

function checkTexts(name: string, texts: Record<string, { zh: string; en: string }>, keys: string[]): void {
  test(`every ${name} has words in Chinese and English`, () => {
    const missing = keys.filter((key) => !Object.hasOwn(texts, key) || !texts[key]!.zh || !texts[key]!.en);
    expect(missing).toEqual([]);
  });
  test(`the pages have words for no ${name} that does not exist`, () => {
    expect(Object.keys(texts).filter((key) => !keys.includes(key))).toEqual([]);
  });
  test(`the words for a ${name} are Chinese in Chinese and never a code`, () => {
    for (const [key, text] of Object.entries(texts)) {
      expect({ key, chinese: CJK.test(text.zh) }).toEqual({ key, chinese: true });
      expect({ key, zh: RAW.test(text.zh), en: RAW.test(text.en) }).toEqual({ key, zh: false, en: false });
    }
  });
}

describe('error codes', () => checkTexts('catalogue error code', ERROR_TEXTS, Object.keys(ERROR_CATALOGUE)));
describe('checkpoint deny reasons', () => checkTexts('deny reason', DENY_TEXTS, DENY_REASONS));
describe('colour reasons', () => checkTexts('colour reason', COLOR_REASON_TEXTS, COLOR_REASONS));

test('a code the page does not know yet gets advice by its status, never the code', () => {
  expect(errorWords('ERR_SOMETHING_NEW', 409)).toBe(OTHER_TEXTS.UNKNOWN_CLIENT);
  expect(errorWords('ERR_SOMETHING_NEW', 503)).toBe(OTHER_TEXTS.UNKNOWN_SERVER);
  expect(errorWords('NETWORK', 0)).toBe(OTHER_TEXTS.NETWORK);
  expect(errorWords('ERR_PROXY_IDENTITY_CHANGE', 403).zh).toBe('代办人只能修改健康情况（到访地区、症状、接触史）；姓名、证件和手机号码请由本人修改。');
});
