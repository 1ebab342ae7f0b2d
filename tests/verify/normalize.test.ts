import { resolvePointer } from '../../gateway/verify/json-pointer.js';
import { normalizeCredential } from '../../gateway/verify/normalize.js';
import type { Partner } from '../../gateway/types/schemas.js';
import { makePartner, T0S } from './fixtures.js';

const claims = { iat: T0S, exp: T0S + 3600, jti: 'jti-1' };

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

const beijing = makePartner();
const integerPartner = makePartner({
  id: 'intcity',
  claims: { color: '/c' },
  // This issuer counts the other way round from the common 0 green / 1 yellow / 2 red.
  colorMap: { version: 'int-1', valueType: 'integer', values: { '0': 'red', '1': 'yellow', '2': 'green' } },
});
const englishPartner = makePartner({
  id: 'english',
  claims: { color: '/status' },
  colorMap: {
    version: 'en-3',
    valueType: 'string',
    values: { green: 'green', yellow: 'yellow', red: 'red', popup: { color: 'green', advisory: true } },
  },
});
const fujian = makePartner({
  id: 'fujian',
  region: '350000',
  claims: { color: '/color' },
  colorMap: { version: 'fj-2', valueType: 'string', values: { 绿: 'green', 黄: 'yellow', 红: 'red' } },
  previousColorMaps: [{ until: '2020-06-01T00:00:00Z', map: { version: 'fj-1', valueType: 'string', values: { 绿: 'green', 橙: 'yellow' } } }],
});

const colorOf = (partner: Partner, payload: Record<string, unknown>, iat = T0S) =>
  normalizeCredential(partner, payload, { ...claims, iat }).credential;

describe('normalizeCredential: colour vocabularies', () => {
  it('maps the Beijing words 未见异常 / 居家观察 / 集中观察 and flags 弹窗 as advisory', () => {
    expect(colorOf(beijing, { hc: { status: '未见异常' } })).toMatchObject({ color: 'green', advisory: false, sourceColor: '未见异常', colorMapVersion: 'bj-1' });
    expect(colorOf(beijing, { hc: { status: '居家观察' } }).color).toBe('yellow');
    expect(colorOf(beijing, { hc: { status: '集中观察' } }).color).toBe('red');
    expect(colorOf(beijing, { hc: { status: '弹窗' } })).toMatchObject({ color: 'yellow', advisory: true });
  });

  it('reads integer codes as the partner map says, and refuses the string "0" for an integer map', () => {
    expect(colorOf(integerPartner, { c: 0 }).color).toBe('red');
    expect(colorOf(integerPartner, { c: 2 })).toMatchObject({ color: 'green', sourceColor: 2 });
    expect(errorCode(() => colorOf(integerPartner, { c: '0' }))).toBe('ERR_COLOR_UNMAPPED');
    expect(errorCode(() => colorOf(integerPartner, { c: 2.5 }))).toBe('ERR_COLOR_UNMAPPED');
    expect(errorCode(() => colorOf(integerPartner, { c: 9 }))).toBe('ERR_COLOR_UNMAPPED');
  });

  it('reads English status words and a pop-up state that is advisory even though it says green', () => {
    expect(colorOf(englishPartner, { status: 'yellow' }).color).toBe('yellow');
    expect(colorOf(englishPartner, { status: 'popup' })).toMatchObject({ color: 'green', advisory: true });
    expect(errorCode(() => colorOf(englishPartner, { status: 'Green' }))).toBe('ERR_COLOR_UNMAPPED');
    expect(errorCode(() => colorOf(englishPartner, { status: 1 }))).toBe('ERR_COLOR_UNMAPPED');
  });

  it('never turns an unknown value into a colour: 紫码, init, a missing claim, an object, a prototype name', () => {
    for (const status of ['紫码', 'init', '', 'toString', '__proto__', 'constructor']) {
      expect(errorCode(() => colorOf(beijing, { hc: { status } }))).toBe('ERR_COLOR_UNMAPPED');
    }
    expect(errorCode(() => colorOf(beijing, {}))).toBe('ERR_COLOR_UNMAPPED');
    expect(errorCode(() => colorOf(beijing, { hc: { status: { color: 'green' } } }))).toBe('ERR_COLOR_UNMAPPED');
    expect(errorCode(() => colorOf(beijing, { hc: { status: ['未见异常'] } }))).toBe('ERR_COLOR_UNMAPPED');
  });

  it('reads a Fujian code issued before the split with the old map (橙 → yellow) and refuses 橙 after it', () => {
    const before = Date.parse('2020-05-31T23:59:59Z') / 1000;
    const after = Date.parse('2020-06-01T00:00:00Z') / 1000;
    expect(colorOf(fujian, { color: '橙' }, before)).toMatchObject({ color: 'yellow', colorMapVersion: 'fj-1' });
    expect(errorCode(() => colorOf(fujian, { color: '橙' }, after))).toBe('ERR_COLOR_UNMAPPED');
    expect(colorOf(fujian, { color: '红' }, after)).toMatchObject({ color: 'red', colorMapVersion: 'fj-2' });
    expect(errorCode(() => colorOf(fujian, { color: '红' }, before))).toBe('ERR_COLOR_UNMAPPED');
  });

  it('picks the vocabulary whose period holds iat when several older ones are listed', () => {
    const partner = makePartner({
      id: 'versions',
      claims: { color: '/c' },
      colorMap: { version: 'v3', valueType: 'string', values: { x: 'red' } },
      previousColorMaps: [
        { until: '2022-01-01T00:00:00Z', map: { version: 'v2', valueType: 'string', values: { x: 'yellow' } } },
        { until: '2021-01-01T00:00:00Z', map: { version: 'v1', valueType: 'string', values: { x: 'green' } } },
      ],
    });
    expect(colorOf(partner, { c: 'x' }, Date.parse('2020-07-01T00:00:00Z') / 1000).colorMapVersion).toBe('v1');
    expect(colorOf(partner, { c: 'x' }, Date.parse('2021-07-01T00:00:00Z') / 1000).colorMapVersion).toBe('v2');
    expect(colorOf(partner, { c: 'x' }, Date.parse('2022-07-01T00:00:00Z') / 1000).colorMapVersion).toBe('v3');
  });
});

describe('normalizeCredential: the shared credential', () => {
  it('builds the credential from the partner pointers, with ISO dates and jti as the id', () => {
    const { credential, binding } = normalizeCredential(beijing, {
      hc: { status: '未见异常' },
      sub: { name: '张*猛', docType: 'resident_id', doc: '1101**********1234', binding: 's1.10.x.y' },
    }, claims);
    expect(credential).toEqual({
      schemaVersion: '1.0',
      credentialId: 'jti-1',
      issuer: { partnerId: 'beijing', name: 'Beijing Health Kit', region: '110000', iss: beijing.issuer },
      subject: { nameMasked: '张*猛', documentType: 'resident_id', documentMasked: '1101**********1234' },
      color: 'green',
      sourceColor: '未见异常',
      colorMapVersion: 'bj-1',
      advisory: false,
      issuedAt: '2024-03-16T08:00:00.000Z',
      expiresAt: '2024-03-16T09:00:00.000Z',
    });
    expect(binding).toBe('s1.10.x.y');
  });

  it('leaves out subject fields that are absent or not strings', () => {
    const { credential, binding } = normalizeCredential(beijing, { hc: { status: '未见异常' }, sub: { name: 42, doc: null } }, claims);
    expect(credential.subject).toEqual({});
    expect(binding).toBeUndefined();
  });

  it('uses the registered credentialId claim and refuses a code that lacks it', () => {
    const partner = makePartner({ id: 'withid', claims: { color: '/hc/status', credentialId: '/hc/id' } });
    expect(normalizeCredential(partner, { hc: { status: '未见异常', id: 'card-7' } }, claims).credential.credentialId).toBe('card-7');
    expect(errorCode(() => normalizeCredential(partner, { hc: { status: '未见异常' } }, claims))).toBe('ERR_CLAIMS_INVALID');
  });

  it('refuses a claim that does not fit the shared schema, such as an overlong masked name', () => {
    expect(errorCode(() => normalizeCredential(beijing, { hc: { status: '未见异常' }, sub: { name: '张'.repeat(65) } }, claims))).toBe('ERR_CLAIMS_INVALID');
  });
});

describe('resolvePointer (RFC 6901)', () => {
  const doc = { 'a/b': 1, 'm~n': 2, '': 3, list: [10, 20], nested: { deep: { x: 'y' } } };

  it('resolves ~1 and ~0 escapes, array indexes and nested members', () => {
    expect(resolvePointer(doc, '/a~1b')).toBe(1);
    expect(resolvePointer(doc, '/m~0n')).toBe(2);
    expect(resolvePointer(doc, '/')).toBe(3);
    expect(resolvePointer(doc, '/list/1')).toBe(20);
    expect(resolvePointer(doc, '/nested/deep/x')).toBe('y');
  });

  it('finds nothing through the prototype, past an array end, or with a bad escape or index', () => {
    expect(resolvePointer(doc, '/__proto__')).toBeUndefined();
    expect(resolvePointer(JSON.parse('{"__proto__":{"x":1}}'), '/__proto__/x')).toBeUndefined();
    expect(resolvePointer(doc, '/constructor')).toBeUndefined();
    expect(resolvePointer(doc, '/nested/toString')).toBeUndefined();
    expect(resolvePointer(doc, '/list/length')).toBeUndefined();
    expect(resolvePointer(doc, '/list/2')).toBeUndefined();
    expect(resolvePointer(doc, '/list/-')).toBeUndefined();
    expect(resolvePointer(doc, '/list/01')).toBeUndefined();
    expect(resolvePointer(doc, '/m~2n')).toBeUndefined();
    expect(resolvePointer(doc, 'list')).toBeUndefined();
  });
});

describe('normalizeCredential: claim layouts', () => {
  const layered = makePartner({
    id: 'layered',
    claims: { color: '/hc/color', nameMasked: '/hc/name', binding: '/hc/bind' },
    claimLayouts: {
      pointer: '/hc/v',
      layouts: {
        '2': { color: '/hc/color', nameMasked: '/hc/name', binding: '/hc/bind' },
        '3': { color: '/hc/c', nameMasked: '/hc/n', binding: '/hc/b' },
      },
    },
    colorMap: { version: 'x-1', valueType: 'string', values: { green: 'green', yellow: 'yellow', red: 'red' } },
  });

  it('reads each code with the pointers of the layout it names, and a code without a layout number with claims', () => {
    const v3 = normalizeCredential(layered, { hc: { v: 3, c: 'yellow', n: '张*猛', b: 's2.x' } }, claims);
    expect(v3.credential).toMatchObject({ color: 'yellow', subject: { nameMasked: '张*猛' } });
    expect(v3.binding).toBe('s2.x');
    const v2 = normalizeCredential(layered, { hc: { v: 2, color: 'green', name: '李*', bind: 's1.y' } }, claims);
    expect(v2.credential).toMatchObject({ color: 'green', subject: { nameMasked: '李*' } });
    expect(v2.binding).toBe('s1.y');
    expect(normalizeCredential(layered, { hc: { color: 'red' } }, claims).credential.color).toBe('red');
    // The layout as text names the same layout (keys are text in the partner file).
    expect(normalizeCredential(layered, { hc: { v: '3', c: 'green' } }, claims).credential.color).toBe('green');
  });

  it('does not read a code of layout 3 with the old names, nor the other way round', () => {
    // Layout 3's pointers find no colour in a code that says 3 but uses layout 2's names.
    expect(errorCode(() => normalizeCredential(layered, { hc: { v: 3, color: 'green' } }, claims))).toBe('ERR_COLOR_UNMAPPED');
    expect(errorCode(() => normalizeCredential(layered, { hc: { v: 2, c: 'green' } }, claims))).toBe('ERR_COLOR_UNMAPPED');
  });

  it.each([4, 3.5, '__proto__', 'constructor', true, null, { v: 3 }, [3]])('refuses a code naming the layout %j its issuer did not register', (v) => {
    expect(errorCode(() => normalizeCredential(layered, { hc: { v, c: 'green', color: 'green' } }, claims))).toBe('ERR_CLAIMS_INVALID');
  });
});
