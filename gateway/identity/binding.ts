import { randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import type { IdentityDocument } from '../types/schemas.js';
import { normalizeDocumentNumber } from './documents.js';
import { BINDING_METHODS, BINDING_VERSION, MAX_LOG_N, MIN_LOG_N, SCRYPT_P, SCRYPT_R, matchesBindingWith, type BindingMethod } from './binding-scheme.js';

/**
 * The document binding written into every code: a checkpoint that is shown a document can
 * confirm it is the one the code was issued for, without the code carrying the number.
 *
 *   s2.<logN>.<salt>.<hash>      hash = scrypt(type ":" number, salt, N = 2^logN, r = 8, p = 1, 16 bytes), 12-byte salt
 *   s1.<logN>.<salt>.<hash>      the same with a 16-byte salt and a 32-byte hash (bindings made before s2)
 *
 * Why scrypt with a random salt, not a plain hash: a resident ID has little entropy. The code
 * shows its first 4 characters (documents.ts maskDocumentNumber); what is left — 2 region digits,
 * a birth date, 3 sequence digits (the check character follows from them) — is about
 * 10^2 × 46 000 × 10^3 ≈ 4.6·10^9 candidates, or 4.6·10^7 if the attacker assumes the issuer's own
 * region. A fast hash would fall in minutes. The salt is fresh per subject, so no table can be
 * precomputed and each code must be attacked on its own; scrypt is memory-hard, so each guess
 * costs 2^logN × 1 KiB of memory (32 MiB at the default logN = 15) and about a tenth of a second
 * of a CPU core. docs/performance.md gives the measured figures (npm run bench).
 *
 * Verifiers accept only logN in [MIN_LOG_N, MAX_LOG_N]: a hostile code must not make a
 * checkpoint spend unbounded memory or time. Why s2's 128-bit hash is enough: binding-scheme.ts.
 */
export { BINDING_METHODS_SUPPORTED, BINDING_VERSION, MIN_LOG_N, MAX_LOG_N, isCheckableBinding, type BindingMethod } from './binding-scheme.js';
const R = SCRYPT_R;
const P = SCRYPT_P;

function scrypt(input: string, salt: Uint8Array, logN: number, dkLen: number): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** logN, r: R, p: P, maxmem: 256 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCallback(input, salt, dkLen, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * The binding rule as the issuer metadata publishes it (binding_input): a partner hashing the raw
 * number — a lower-case x, a trailing space — would get document_mismatch for the right person.
 */
export const BINDING_INPUT = {
  method: BINDING_VERSION,
  format: 's2.<logN, 2 digits>.<salt: 12 bytes, base64url without padding>.<hash: 16 bytes, base64url without padding>; s1 (bindings made before s2, still valid): s1.<logN, 2 digits>.<salt: 16 bytes>.<hash: 32 bytes>',
  input: '<document type>:<normalised number>, e.g. resident_id:13018119900307123X',
  number_normalization: 'ECMAScript String.prototype.trim() (removes leading and trailing white space and line terminators, U+0020, U+00A0, U+3000, U+FEFF included), then String.prototype.toUpperCase() (Unicode default case mapping, no locale: x becomes X); no other change (inner spaces and full-width characters stay)',
  encoding: 'UTF-8 bytes of the input',
  kdf: 'scrypt(input, salt, N = 2^logN, r = 8, p = 1, dkLen = 16 for s2, 32 for s1), logN from 10 to 17',
} as const;

function bindingInput(document: IdentityDocument): string {
  return `${document.type}:${normalizeDocumentNumber(document.number)}`;
}

/** A new binding of `document`, in method s2 unless told (s1 only to make the older bindings in tests and benches). */
export async function createBinding(document: IdentityDocument, logN: number, method: BindingMethod = BINDING_VERSION): Promise<string> {
  if (!Number.isInteger(logN) || logN < MIN_LOG_N || logN > MAX_LOG_N) throw new RangeError('binding logN out of range');
  const { saltBytes, hashBytes } = BINDING_METHODS[method];
  const salt = randomBytes(saltBytes);
  const hash = await scrypt(bindingInput(document), salt, logN, hashBytes);
  return `${method}.${String(logN).padStart(2, '0')}.${salt.toString('base64url')}.${hash.toString('base64url')}`;
}

/** True when `document` is the document the binding was made for (binding-scheme.ts, with node:crypto's scrypt). */
export function matchesBinding(binding: string, document: IdentityDocument): Promise<boolean> {
  return matchesBindingWith(scrypt, binding, document);
}
