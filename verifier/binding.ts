import { scryptAsync } from '@noble/hashes/scrypt.js';
import { SCRYPT_P, SCRYPT_R, matchesBindingWith, type Scrypt } from '../gateway/identity/binding-scheme.js';
import type { IdentityDocument } from '../gateway/types/schemas.js';

/**
 * scrypt from @noble/hashes (audited, maintained, no dependencies): browsers have no scrypt in
 * WebCrypto. asyncTick hands the main thread back every 10 ms, so a page stays responsive during
 * the ~0.1–1 s a binding check costs. The format, bounds and comparison are the gateway's
 * (gateway/identity/binding-scheme.ts).
 */
const nobleScrypt: Scrypt = (input, salt, logN, dkLen) =>
  scryptAsync(new TextEncoder().encode(input), salt, { N: 2 ** logN, r: SCRYPT_R, p: SCRYPT_P, dkLen, maxmem: 256 * 1024 * 1024, asyncTick: 10 });

/** True when `document` is the document the code's binding was made for. */
export function matchesBinding(binding: string, document: IdentityDocument): Promise<boolean> {
  return matchesBindingWith(nobleScrypt, binding, document);
}
