import type { IdentityDocument } from '../types/schemas.js';
import { decodeCanonicalBase64url } from '../encoding/base64url.js';
import { normalizeDocumentNumber } from './documents.js';

/**
 * Checking a document against a code's binding (binding.ts explains the format and why scrypt),
 * with the scrypt implementation handed in: node:crypto in the gateway (binding.ts), @noble/hashes
 * in the verifier library, which runs in browsers (verifier/binding.ts). Everything else — the
 * format, the cost bounds, the input normalisation, the comparison — is this one module.
 */
export const BINDING_VERSION = 's1';
export const MIN_LOG_N = 10;
export const MAX_LOG_N = 17;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
export const KEY_LENGTH = 32;
export const SALT_LENGTH = 16;
const FORMAT = /^s1\.(\d{2})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** scrypt(input as UTF-8, salt, N = 2^logN, r = 8, p = 1) → 32 bytes. */
export type Scrypt = (input: string, salt: Uint8Array, logN: number) => Promise<Uint8Array>;

export function bindingInput(document: IdentityDocument): string {
  return `${document.type}:${normalizeDocumentNumber(document.number)}`;
}

/** Whether a binding value is in a format this gateway can check (and within the cost bounds). */
export function isCheckableBinding(binding: unknown): binding is string {
  if (typeof binding !== 'string') return false;
  const match = FORMAT.exec(binding);
  if (!match) return false;
  const logN = Number(match[1]);
  return logN >= MIN_LOG_N && logN <= MAX_LOG_N;
}

/** Constant-time equality of two byte strings of the same length (no early exit on a difference). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** True when `document` is the document the binding was made for. */
export async function matchesBindingWith(scrypt: Scrypt, binding: string, document: IdentityDocument): Promise<boolean> {
  const match = FORMAT.exec(binding);
  if (!match) return false;
  const logN = Number(match[1]);
  if (logN < MIN_LOG_N || logN > MAX_LOG_N) return false;
  // Canonical base64url only (RFC 4648 §3.5): one binding text for one salt and hash.
  const salt = decodeCanonicalBase64url(match[2]!);
  const expected = decodeCanonicalBase64url(match[3]!);
  if (!salt || !expected || salt.length !== SALT_LENGTH || expected.length !== KEY_LENGTH) return false;
  return sameBytes(await scrypt(bindingInput(document), salt, logN), expected);
}
