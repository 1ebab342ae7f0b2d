import type { IdentityDocument } from '../types/schemas.js';
import { decodeCanonicalBase64url } from '../encoding/base64url.js';
import { normalizeDocumentNumber } from './documents.js';

/**
 * Checking a document against a code's binding (binding.ts explains the format and why scrypt),
 * with the scrypt implementation handed in: node:crypto in the gateway (binding.ts), @noble/hashes
 * in the verifier library, which runs in browsers (verifier/binding.ts). Everything else — the
 * formats, the cost bounds, the input normalisation, the comparison — is this one module.
 *
 * Two methods, the same scrypt cost rules (logN in MIN_LOG_N…MAX_LOG_N, r = 8, p = 1) and input:
 * - `s1`: 16-byte salt, 32-byte hash (72 characters). Stored subjects and codes made before
 *   layout 3 carry it; it verifies for as long as they exist.
 * - `s2` (new bindings): 12-byte salt, 16-byte hash (45 characters), 27 characters fewer in every
 *   code (docs/credential.md, "Layouts and size").
 *
 * Why 128 bits of hash suffice. An attacker guessing the number from a code is bounded by scrypt
 * and the document's entropy, not by the hash length: each guess costs one scrypt at 2^logN
 * whatever the length, and the candidates (4.6·10^9 at most, binding.ts) are far fewer than 2^128,
 * so a shorter hash leaves exactly as many candidates to try and no shortcut. What the length must
 * do is make a wrong document match by chance negligible: with 2^128 hash values a false match
 * among all 4.6·10^9 candidates has probability below 2^-95, and a checkpoint has no way to make
 * more tries than an offline attacker has. The 16-byte hash is scrypt's output with dkLen = 16,
 * which is the first 16 bytes of its dkLen = 32 output (scrypt ends in PBKDF2-HMAC-SHA256, whose
 * first 32-byte block both lengths share, RFC 7914 §6, RFC 8018 §5.2). A 96-bit salt keeps its
 * job: it is random per subject, so no table can be built ahead and each code is attacked alone;
 * 2^96 values make two subjects sharing a salt negligible (a collision among a billion subjects
 * has probability about 2^-37).
 */
export const BINDING_METHODS = {
  s1: { saltBytes: 16, hashBytes: 32, format: /^s1\.(\d{2})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/ },
  s2: { saltBytes: 12, hashBytes: 16, format: /^s2\.(\d{2})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})$/ },
} as const;
export type BindingMethod = keyof typeof BINDING_METHODS;
/** The method of new bindings. */
export const BINDING_VERSION: BindingMethod = 's2';
/** What a verifier of this gateway checks (the issuer metadata's binding_methods_supported). */
export const BINDING_METHODS_SUPPORTED: readonly BindingMethod[] = ['s1', 's2'];
export const MIN_LOG_N = 10;
export const MAX_LOG_N = 17;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;

/** scrypt(input as UTF-8, salt, N = 2^logN, r = 8, p = 1) → dkLen bytes. */
export type Scrypt = (input: string, salt: Uint8Array, logN: number, dkLen: number) => Promise<Uint8Array>;

export function bindingInput(document: IdentityDocument): string {
  return `${document.type}:${normalizeDocumentNumber(document.number)}`;
}

interface ParsedBinding {
  logN: number;
  salt: string;
  hash: string;
  saltBytes: number;
  hashBytes: number;
}

/** The parts of a binding in one of the methods above with its cost within bounds; undefined otherwise. */
function parseBinding(binding: unknown): ParsedBinding | undefined {
  if (typeof binding !== 'string') return undefined;
  const method = BINDING_METHODS[binding.slice(0, 2) as BindingMethod] as (typeof BINDING_METHODS)[BindingMethod] | undefined;
  const match = method?.format.exec(binding);
  if (!method || !match) return undefined;
  const logN = Number(match[1]);
  if (logN < MIN_LOG_N || logN > MAX_LOG_N) return undefined;
  return { logN, salt: match[2]!, hash: match[3]!, saltBytes: method.saltBytes, hashBytes: method.hashBytes };
}

/** Whether a binding value is in a format this gateway can check (and within the cost bounds). */
export function isCheckableBinding(binding: unknown): binding is string {
  return parseBinding(binding) !== undefined;
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
  const parsed = parseBinding(binding);
  if (!parsed) return false;
  // Canonical base64url only (RFC 4648 §3.5): one binding text for one salt and hash.
  const salt = decodeCanonicalBase64url(parsed.salt);
  const expected = decodeCanonicalBase64url(parsed.hash);
  if (!salt || !expected || salt.length !== parsed.saltBytes || expected.length !== parsed.hashBytes) return false;
  return sameBytes(await scrypt(bindingInput(document), salt, parsed.logN, parsed.hashBytes), expected);
}
