import { gb11643CheckChar } from '../gateway/identity/documents.js';
import type { CityProfile, Person } from './sim-city.js';
import type { CitySample } from './issue-codes.js';

/**
 * The two simulated partner cities. Their layouts and vocabularies are those of the example
 * partner files (partners/beijing.json, partners/hangzhou.json) and of the domain notes
 * (../shared/domain/health-codes.md): Beijing's status words with the pop-up state 弹窗, and
 * Hangzhou's integers that run the "wrong" way round (0 = red) — a gateway that guessed would
 * wave a red code through.
 */
export const BEIJING: CityProfile = {
  id: 'beijing',
  name: '北京市',
  region: '110000',
  alg: 'ES256',
  typ: 'JWT',
  jwksPath: '/.well-known/jwks.json',
  claims: {
    color: '/hc/status',
    nameMasked: '/hc/name',
    documentMasked: '/hc/idMasked',
    documentType: '/hc/idType',
    binding: '/hc/bind',
  },
  colorMap: {
    version: '1',
    valueType: 'string',
    values: {
      未见异常: 'green',
      居家观察: 'yellow',
      集中观察: 'red',
      弹窗: { color: 'yellow', advisory: true },
    },
  },
};

export const HANGZHOU: CityProfile = {
  id: 'hangzhou',
  name: '杭州市',
  region: '330100',
  alg: 'EdDSA',
  typ: 'JWT',
  jwksPath: '/keys',
  claims: {
    color: '/code',
    nameMasked: '/holder/n',
    documentMasked: '/holder/id',
    binding: '/holder/bind',
    credentialId: '/jti',
  },
  colorMap: { version: '3', valueType: 'integer', values: { '0': 'red', '1': 'yellow', '2': 'green' } },
};

function residentId(region: string, birth: string, seq: string): string {
  const first17 = region + birth + seq;
  return first17 + gb11643CheckChar(first17);
}

function person(name: string, region: string, birth: string, seq: string): Person {
  return { name, document: { type: 'resident_id', number: residentId(region, birth, seq) } };
}

/** Invented people with valid (GB 11643) but fictitious resident ID numbers. */
export const PEOPLE = {
  xinjiGreen: person('张永猛', '130181', '19900307', '123'),
  xinjiYellow: person('李秀英', '130181', '19850612', '042'),
  xinjiRed: person('王建国', '130181', '19720115', '371'),
  beijing: person('赵丽华', '110105', '19880420', '026'),
  hangzhou: person('陈志强', '330106', '19930911', '153'),
} as const;

/**
 * What each city signs in the demo and what the other cities must answer: one code per colour,
 * Beijing's pop-up state, and one value each city's map does not name (Xinji's word 绿码 sent by
 * Beijing; 3, which is "pop-up" in yet another system, sent by Hangzhou) — refused, never green.
 */
export const SAMPLES: Record<'beijing' | 'hangzhou', readonly CitySample[]> = {
  beijing: [
    { scenario: 'no abnormality', source: '未见异常', verify: 'green', checkpoint: 'pass' },
    { scenario: 'home observation', source: '居家观察', verify: 'yellow', checkpoint: 'deny: color_yellow' },
    { scenario: 'central observation', source: '集中观察', verify: 'red', checkpoint: 'deny: color_red' },
    { scenario: 'pop-up: cannot confirm', source: '弹窗', verify: 'yellow (advisory)', checkpoint: 'deny: color_yellow, advisory' },
    { scenario: 'word not in its map', source: '绿码', verify: 'ERR_COLOR_UNMAPPED', checkpoint: 'deny: code_invalid [ERR_COLOR_UNMAPPED]' },
  ],
  hangzhou: [
    { scenario: '2 = green here', source: 2, verify: 'green', checkpoint: 'pass' },
    { scenario: '1 = yellow', source: 1, verify: 'yellow', checkpoint: 'deny: color_yellow' },
    { scenario: '0 = red here (!)', source: 0, verify: 'red', checkpoint: 'deny: color_red' },
    { scenario: 'number not in its map', source: 3, verify: 'ERR_COLOR_UNMAPPED', checkpoint: 'deny: code_invalid [ERR_COLOR_UNMAPPED]' },
  ],
};
