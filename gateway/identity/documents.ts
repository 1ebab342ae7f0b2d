import { GatewayError } from '../errors/gateway-error.js';
import type { DocumentType, IdentityDocument } from '../types/schemas.js';

/**
 * Format checks of the identity documents the notice accepts (Q6: passport, HK/Macau permit,
 * Taiwan permit for people without a resident ID). Errors name the field and never echo the number.
 */

/** Numbers are compared and hashed in one form: no surrounding space, upper case (x → X). */
export function normalizeDocumentNumber(number: string): string {
  return number.trim().toUpperCase();
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** GB 11643 / ISO 7064 MOD 11-2 check character of the first 17 digits. */
export function gb11643CheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

function isValidBirthDate(yyyymmdd: string, now: Date): boolean {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (year < 1900) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  return date.getTime() <= now.getTime();
}

function checkEighteen(number: string, field: string, now: Date, regionOk: (region: string) => boolean, what: string): void {
  if (!/^\d{17}[\dX]$/.test(number)) {
    throw new GatewayError('ERR_DOCUMENT_INVALID', `${field} must be 17 digits followed by a digit or X (${what}).`, { field });
  }
  if (!regionOk(number.slice(0, 6))) {
    throw new GatewayError('ERR_DOCUMENT_INVALID', `${field} does not start with a region code valid for ${what}.`, { field });
  }
  if (!isValidBirthDate(number.slice(6, 14), now)) {
    throw new GatewayError('ERR_DOCUMENT_INVALID', `${field} does not contain a valid birth date.`, { field });
  }
  if (gb11643CheckChar(number) !== number[17]) {
    throw new GatewayError('ERR_DOCUMENT_CHECKSUM', `${field} has a wrong check character (GB 11643).`, { field });
  }
}

const HMT_REGIONS = new Set(['810000', '820000', '830000']);

/** Mainland province codes (GB/T 2260 first two digits 11–65). */
function isMainlandRegion(region: string): boolean {
  const province = Number(region.slice(0, 2));
  return province >= 11 && province <= 65;
}

const SIMPLE_FORMATS: Partial<Record<DocumentType, { pattern: RegExp; hint: string }>> = {
  hk_macau_permit: { pattern: /^[HM]\d{8}(\d{2})?$/, hint: 'H or M followed by 8 digits (10 on older cards)' },
  taiwan_permit: { pattern: /^(\d{8}|[0-9A-Z]{10})$/, hint: '8 digits (10 characters on older permits)' },
  passport: { pattern: /^(E\d{8}|E[A-Z]\d{7}|[A-Z0-9]{5,17})$/, hint: '5 to 17 letters or digits' },
};

/**
 * Validates a document number for its type; throws ERR_DOCUMENT_INVALID or ERR_DOCUMENT_CHECKSUM
 * naming `field` (the dotted path of the number in the request).
 */
export function validateDocument(document: IdentityDocument, field: string, now: Date = new Date()): void {
  const number = normalizeDocumentNumber(document.number);
  switch (document.type) {
    case 'resident_id':
      return checkEighteen(number, field, now, isMainlandRegion, 'a resident ID card');
    case 'hmt_residence_permit':
      return checkEighteen(number, field, now, (r) => HMT_REGIONS.has(r), 'an HK/Macau/Taiwan residence permit (810000, 820000, 830000)');
    case 'foreign_permanent_resident_id':
      if (/^[A-Z]{3}\d{12}$/.test(number)) return;
      if (/^9\d{16}[\dX]$/.test(number)) {
        if (gb11643CheckChar(number) !== number[17]) {
          throw new GatewayError('ERR_DOCUMENT_CHECKSUM', `${field} has a wrong check character.`, { field });
        }
        return;
      }
      throw new GatewayError('ERR_DOCUMENT_INVALID', `${field} must be 15 characters (3 letters, 12 digits) or 18 starting with 9.`, { field });
    default: {
      const format = SIMPLE_FORMATS[document.type]!;
      if (!format.pattern.test(number)) {
        throw new GatewayError('ERR_DOCUMENT_INVALID', `${field} must be ${format.hint}.`, { field });
      }
    }
  }
}

/**
 * The masked number a code carries: the first 4 characters of an ID-length number (1301 — the
 * province and city, 1301**************), the first 1 of a shorter one (E********).
 *
 * Stricter than the display convention (first and last 4, 1301**********1239) on purpose: the
 * last 4 characters of a resident ID are the whole sequence number and the check character, and
 * shown next to the binding they would leave an offline guesser only the birth date and two region
 * digits to try — about 4·10^5 candidates, hours of scrypt (docs/credential.md, "The document binding").
 */
export function maskDocumentNumber(number: string): string {
  const n = normalizeDocumentNumber(number);
  const keep = n.length >= 12 ? 4 : 1;
  return n.slice(0, keep) + '*'.repeat(Math.max(1, n.length - keep));
}

/** Name with the first and last character kept: 张永猛 → 张*猛, 张三 → 张*. Counts code points. */
export function maskName(name: string): string {
  // NFC first (issue 19, item 4): "é" typed as e + U+0301 is the same name as U+00E9, and must
  // give the same mask — a different mask reads as a changed name and revokes the person's codes.
  const chars = Array.from(name.trim().normalize('NFC'));
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return chars[0] + '*'.repeat(chars.length - 2) + chars.at(-1);
}
