import { createHmac, randomInt } from 'node:crypto';

/**
 * The short secrets of issue 17: the 6-digit recovery code sent to the registered phone, and the
 * counter's claim code printed by `subjects release`. Both are stored only as HMACs keyed with the
 * pepper (CERTS_DIR) and bound to what they unlock (the subject, the document key), so the
 * database alone neither reveals them nor lets one be used for another person.
 */

/** Six digits, uniform (randomInt rejects modulo bias). */
export function newRecoveryCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

export function recoveryCodeHash(pepper: Buffer, subjectId: string, code: string): string {
  return createHmac('sha256', pepper).update(`recovery\0${subjectId}\0${code}`).digest('hex');
}

/** No 0/O, 1/I/L: read aloud at a counter and typed on a phone without confusion. */
const CLAIM_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CLAIM_LENGTH = 10;

/** Ten characters of a 31-letter alphabet (about 49 bits), shown as XXXXX-XXXXX. */
export function newClaimCode(): string {
  let code = '';
  for (let i = 0; i < CLAIM_LENGTH; i++) code += CLAIM_ALPHABET[randomInt(0, CLAIM_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** What a person types, made comparable: case, spaces and dashes do not matter. */
export function normalizeClaimCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

export function claimCodeHash(pepper: Buffer, documentKey: string, code: string): string {
  return createHmac('sha256', pepper).update(`claim\0${documentKey}\0${normalizeClaimCode(code)}`).digest('hex');
}
