import { GatewayError } from '../errors/gateway-error.js';

/**
 * What a scanner or a partner may hand us, turned into one compact JWS string:
 *
 * - a compact JWS as is (RFC 7515 §7.1);
 * - SMART Health Cards numeric QR text `shc:/` + digit pairs, each pair + 45 giving one JWS
 *   character (SHC spec, "Encoding Chunks as QR codes"). Only single-chunk codes: the chunked
 *   form `shc:/1/2/…` is deprecated by the spec and refused;
 * - an https URL whose fragment is the JWS or the `shc:/` text (`https://host/path#eyJ…`), as
 *   some issuers print on paper so a phone camera opens their site. The host is ignored: the
 *   signature decides, never the URL.
 *
 * Only surrounding whitespace is trimmed; anything else is for the strict parser to refuse.
 */

/** Longest input accepted: a numeric QR of the largest JWS (2 digits per character) plus a URL. */
export const MAX_INPUT_CHARS = 2 * 4096 + 1024;

const SHC_PREFIX = 'shc:/';
const URL_PREFIX = 'https://';
const DIGITS = /^[0-9]*$/;
const HIGHEST_PAIR = 77; // 'z' (122) - 45

function decodeShcNumeric(digits: string): string {
  if (!DIGITS.test(digits)) throw new GatewayError('ERR_CODE_MALFORMED', 'The shc:/ text must hold digits only (one chunk).');
  if (digits.length === 0 || digits.length % 2 !== 0) {
    throw new GatewayError('ERR_CODE_MALFORMED', 'The shc:/ text must hold an even number of digits.');
  }
  const chars: string[] = [];
  for (let i = 0; i < digits.length; i += 2) {
    const pair = Number(digits.slice(i, i + 2));
    if (pair > HIGHEST_PAIR) throw new GatewayError('ERR_CODE_MALFORMED', 'A digit pair of the shc:/ text is above 77.');
    chars.push(String.fromCharCode(pair + 45));
  }
  return chars.join('');
}

function decodeInner(text: string): string {
  if (text.startsWith(SHC_PREFIX)) return decodeShcNumeric(text.slice(SHC_PREFIX.length));
  return text;
}

/** The compact JWS carried by `code`. Throws GatewayError ERR_CODE_TOO_LARGE / ERR_CODE_MALFORMED. */
export function decodeCode(code: string): string {
  if (typeof code !== 'string') throw new GatewayError('ERR_CODE_MALFORMED');
  if (code.length > MAX_INPUT_CHARS * 2) throw new GatewayError('ERR_CODE_TOO_LARGE');
  const text = code.trim();
  if (text.length === 0) throw new GatewayError('ERR_CODE_MALFORMED', 'The code is empty.');
  if (text.length > MAX_INPUT_CHARS) throw new GatewayError('ERR_CODE_TOO_LARGE');
  if (text.slice(0, URL_PREFIX.length).toLowerCase() === URL_PREFIX) {
    const hash = text.indexOf('#');
    if (hash < 0) throw new GatewayError('ERR_CODE_MALFORMED', 'A URL code must carry the JWS in its fragment.');
    return decodeInner(text.slice(hash + 1));
  }
  return decodeInner(text);
}
