import { validatePhone } from '../../gateway/identity/phone.js';
import { GatewayError } from '../../gateway/errors/gateway-error.js';

const FIELD = 'applicant.phone';

function codeOf(phone: string): { code: string; field: string | undefined } {
  try {
    validatePhone(phone, FIELD);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return { code: (error as GatewayError).code, field: (error as GatewayError).field };
  }
  throw new Error('expected the phone to be refused');
}

describe('mainland mobile numbers', () => {
  test.each([
    ['13012340604', '13012340604'],
    ['+8613012340604', '13012340604'],
    ['008613012340604', '13012340604'],
    ['+86 130-1234-0604', '13012340604'],
    ['19912345678', '19912345678'],
  ])('accepts %s as the canonical %s', (phone, canonical) => {
    expect(validatePhone(phone, FIELD)).toBe(canonical);
  });
});

describe('numbers the notice does not accept', () => {
  test.each(['+85291234567', '+85361234567', '+886912345678', '+14155550100', '0044207946000'])(
    'refuses the foreign number %s with ERR_PHONE_FOREIGN naming the field',
    (phone) => {
      expect(codeOf(phone)).toEqual({ code: 'ERR_PHONE_FOREIGN', field: FIELD });
    },
  );

  test.each(['hello', '', '12012340604', '1301234060', '130123406045', '03118328350', '+', 'x'.repeat(20)])(
    'refuses the malformed number %j with ERR_PHONE_INVALID naming the field',
    (phone) => {
      expect(codeOf(phone)).toEqual({ code: 'ERR_PHONE_INVALID', field: FIELD });
    },
  );
});

test('refuses a malformed number with the mainland prefix +86 as ERR_PHONE_INVALID, not as a foreign number', () => {
  // +86 is the mainland: telling this applicant "foreign numbers are not supported" would be wrong.
  expect(codeOf('+86120123')).toEqual({ code: 'ERR_PHONE_INVALID', field: FIELD });
  expect(codeOf('+861301234060')).toEqual({ code: 'ERR_PHONE_INVALID', field: FIELD });
});
