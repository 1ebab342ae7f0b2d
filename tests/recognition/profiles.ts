import type { CityProfile } from './partner-city.js';

/** The simulated cities of the recognition tests: different layouts, vocabularies and algorithms. */

/** 北京健康宝: status words under /hc, a pop-up state (弹窗) that never passes. ES256. */
export const BEIJING: CityProfile = {
  id: 'beijing',
  name: '北京市',
  region: '110000',
  alg: 'ES256',
  typ: 'jkb+jwt',
  claims: { color: '/hc/status', nameMasked: '/hc/name', documentMasked: '/hc/idMasked', documentType: '/hc/idType', binding: '/hc/bind' },
  colorMap: {
    version: '2020-06',
    valueType: 'string',
    values: { 未见异常: 'green', 居家观察: 'yellow', 集中观察: 'red', 弹窗: { color: 'yellow', advisory: true } },
  },
};

/** Hangzhou: an integer code at the top level, 0 red / 1 yellow / 2 green, EdDSA, no typ. */
export const HANGZHOU: CityProfile = {
  id: 'hangzhou',
  name: '杭州市',
  region: '330100',
  alg: 'EdDSA',
  claims: { color: '/code', nameMasked: '/holder/n', documentMasked: '/holder/no', documentType: '/holder/t', binding: '/holder/b' },
  colorMap: { version: '3', valueType: 'integer', values: { '0': 'red', '1': 'yellow', '2': 'green' } },
};

/** Shanghai (随申码): Chinese colour words, ES256 like Beijing (for cross-issuer tests). */
export const SHANGHAI: CityProfile = {
  id: 'shanghai',
  name: '上海市',
  region: '310000',
  alg: 'ES256',
  claims: { color: '/ssm/color', nameMasked: '/ssm/xm', binding: '/ssm/bd' },
  colorMap: { version: '1', valueType: 'string', values: { 绿码: 'green', 黄码: 'yellow', 红码: 'red' } },
};
