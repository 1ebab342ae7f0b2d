import { decodeCode, MAX_INPUT_CHARS } from '../../gateway/verify/decode-qr.js';

const JWS = 'eyJhbGciOiJFUzI1NiJ9.eyJhIjoxfQ.c2ln';
const numeric = (text: string) => 'shc:/' + [...text].map((c) => String(c.charCodeAt(0) - 45).padStart(2, '0')).join('');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('decodeCode', () => {
  it('passes a compact JWS through, trimming only surrounding whitespace', () => {
    expect(decodeCode(`  ${JWS}\n`)).toBe(JWS);
    expect(decodeCode(`${JWS.slice(0, 5)} ${JWS.slice(5)}`)).toBe(`${JWS.slice(0, 5)} ${JWS.slice(5)}`);
  });

  it('decodes SMART Health Cards numeric QR text, two digits per character', () => {
    expect(decodeCode(numeric(JWS))).toBe(JWS);
    expect(decodeCode('shc:/7700')).toBe('z-');
  });

  it('refuses an odd number of digits, a pair above 77, non-digits and chunked shc text', () => {
    expect(codeOf(() => decodeCode('shc:/567'))).toBe('ERR_CODE_MALFORMED');
    expect(codeOf(() => decodeCode('shc:/5678'))).toBe('ERR_CODE_MALFORMED');
    expect(codeOf(() => decodeCode('shc:/56a6'))).toBe('ERR_CODE_MALFORMED');
    expect(codeOf(() => decodeCode('shc:/1/2/5656'))).toBe('ERR_CODE_MALFORMED');
    expect(codeOf(() => decodeCode('shc:/'))).toBe('ERR_CODE_MALFORMED');
  });

  it('takes the JWS or shc text from the fragment of an https URL', () => {
    expect(decodeCode(`https://codes.example/v#${JWS}`)).toBe(JWS);
    expect(decodeCode(`HTTPS://codes.example/#${numeric(JWS)}`)).toBe(JWS);
    expect(codeOf(() => decodeCode('https://codes.example/no-fragment'))).toBe('ERR_CODE_MALFORMED');
  });

  it('refuses an empty code and a code longer than any QR text', () => {
    expect(codeOf(() => decodeCode('   '))).toBe('ERR_CODE_MALFORMED');
    expect(codeOf(() => decodeCode('a'.repeat(MAX_INPUT_CHARS + 1)))).toBe('ERR_CODE_TOO_LARGE');
    expect(codeOf(() => decodeCode('1'.repeat(10_000_000)))).toBe('ERR_CODE_TOO_LARGE');
  });
});
