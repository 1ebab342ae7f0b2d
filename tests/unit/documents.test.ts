import { gb11643CheckChar, maskDocumentNumber, maskName, normalizeDocumentNumber, validateDocument } from '../../gateway/identity/documents.js';
import { GatewayError } from '../../gateway/errors/gateway-error.js';
import type { DocumentType } from '../../gateway/types/schemas.js';
import { residentId } from '../helpers/test-gateway.js';

const NOW = new Date('2026-11-27T00:00:00Z');
const FIELD = 'applicant.document.number';

/** The GatewayError thrown by `fn`, or a failure. */
function errorOf(fn: () => void): GatewayError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected a GatewayError, nothing was thrown');
}

function check(type: DocumentType, number: string): void {
  validateDocument({ type, number }, FIELD, NOW);
}

describe('GB 11643 check character', () => {
  test.each([
    ['13018119900307123', '9'],
    ['11010519491231002', 'X'],
  ])('computes the check character of %s as %s', (first17, expected) => {
    expect(gb11643CheckChar(first17)).toBe(expected);
  });

  test('accepts the example resident ID of the issue', () => {
    expect(() => check('resident_id', '130181199003071239')).not.toThrow();
  });

  test('refuses a resident ID with a wrong check character with ERR_DOCUMENT_CHECKSUM naming the field', () => {
    const error = errorOf(() => check('resident_id', '130181199003071238'));
    expect(error.code).toBe('ERR_DOCUMENT_CHECKSUM');
    expect(error.field).toBe(FIELD);
  });

  test('accepts a check character X written in lower case', () => {
    expect(() => check('resident_id', '11010519491231002x')).not.toThrow();
    expect(normalizeDocumentNumber(' 11010519491231002x ')).toBe('11010519491231002X');
  });

  test('never puts the document number into the error message', () => {
    const error = errorOf(() => check('resident_id', '130181199003071238'));
    expect(error.message).not.toContain('130181199003071238');
  });
});

describe('resident_id format', () => {
  test.each([
    ['too short', '13018119900307123'],
    ['letters inside', '1301811990030A1239'],
    ['a non-mainland region (81)', residentId('81000019900307123')],
    ['an impossible birth date (Feb 30)', residentId('13018119900230123')],
    ['a birth date in the future', residentId('13018120300101123')],
    ['a birth year before 1900', residentId('13018118990101123')],
  ])('refuses a resident ID with %s as ERR_DOCUMENT_INVALID naming the field', (_what, number) => {
    const error = errorOf(() => check('resident_id', number));
    expect(error.code).toBe('ERR_DOCUMENT_INVALID');
    expect(error.field).toBe(FIELD);
  });
});

describe('hmt_residence_permit format', () => {
  test.each(['810000', '820000', '830000'])('accepts a residence permit of region %s', (region) => {
    expect(() => check('hmt_residence_permit', residentId(`${region}19900307123`))).not.toThrow();
  });

  test.each(['130181', '840000', '800000', '810100'])('refuses a residence permit of region %s', (region) => {
    const error = errorOf(() => check('hmt_residence_permit', residentId(`${region}19900307123`)));
    expect(error.code).toBe('ERR_DOCUMENT_INVALID');
    expect(error.field).toBe(FIELD);
  });

  test('refuses a residence permit with a wrong check character as ERR_DOCUMENT_CHECKSUM', () => {
    const good = residentId('81000019900307123');
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    expect(errorOf(() => check('hmt_residence_permit', bad)).code).toBe('ERR_DOCUMENT_CHECKSUM');
  });
});

describe('the other document types', () => {
  test.each<[DocumentType, string]>([
    ['hk_macau_permit', 'H12345678'],
    ['hk_macau_permit', 'M12345678'],
    ['hk_macau_permit', 'H1234567801'],
    ['taiwan_permit', '12345678'],
    ['taiwan_permit', '1234567890'],
    ['passport', 'E12345678'],
    ['passport', 'EA1234567'],
    ['passport', 'X1234567'],
    ['passport', 'AB12345'],
    ['foreign_permanent_resident_id', 'USA123456789012'],
    ['foreign_permanent_resident_id', residentId('93018119900307123')],
  ])('accepts %s %s', (type, number) => {
    expect(() => check(type, number)).not.toThrow();
  });

  test.each<[DocumentType, string]>([
    ['hk_macau_permit', 'A12345678'],
    ['hk_macau_permit', 'H1234567'],
    ['hk_macau_permit', 'H123456789'],
    ['taiwan_permit', '1234567'],
    ['taiwan_permit', '123456789'],
    ['passport', 'E123'],
    ['passport', 'E123-45678'],
    ['passport', 'A123456789012345678'],
    ['foreign_permanent_resident_id', 'US1234567890123'],
    ['foreign_permanent_resident_id', '8' + residentId('93018119900307123').slice(1)],
    ['foreign_permanent_resident_id', '1234567890123456'],
  ])('refuses %s %s as ERR_DOCUMENT_INVALID naming the field', (type, number) => {
    const error = errorOf(() => check(type, number));
    expect(error.code).toBe('ERR_DOCUMENT_INVALID');
    expect(error.field).toBe(FIELD);
  });

  test('refuses a new-format foreign permanent resident ID with a wrong check character', () => {
    const good = residentId('93018119900307123');
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const error = errorOf(() => check('foreign_permanent_resident_id', bad));
    expect(error.code).toBe('ERR_DOCUMENT_CHECKSUM');
    expect(error.field).toBe(FIELD);
  });
});

describe('masking', () => {
  test('keeps the first and last character of a name (张永猛 → 张*猛)', () => {
    expect(maskName('张永猛')).toBe('张*猛');
    expect(maskName('欧阳娜娜')).toBe('欧**娜');
    expect(maskName('张三')).toBe('张*');
    expect(maskName('李')).toBe('*');
  });

  test('counts code points, so a name with a supplementary-plane character is not split', () => {
    expect(maskName('𠀀永猛')).toBe('𠀀*猛');
  });

  test('keeps only the first four characters of an 18-character ID, never the sequence or check character', () => {
    expect(maskDocumentNumber('130181199003071239')).toBe('1301**************');
    expect(maskDocumentNumber('11010519491231002x')).toBe('1101**************');
  });

  test('shows only the first character of a short number', () => {
    for (const number of ['H12345678', 'E12345678', '12345678', 'AB12345', 'A1234']) {
      const masked = maskDocumentNumber(number);
      expect(masked).toHaveLength(Math.max(number.length, masked.length));
      const visible = [...masked].filter((c) => c !== '*').length;
      expect(visible).toBeLessThanOrEqual(number.length / 2);
      expect(masked).not.toBe(number);
    }
    expect(maskDocumentNumber('H12345678')).toBe('H********');
    expect(maskDocumentNumber('E12345678')).toBe('E********');
  });
});
