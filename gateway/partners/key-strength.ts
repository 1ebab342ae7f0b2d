/**
 * Checks on public key material that a well-formed JWK can still fail: keys that let anyone forge
 * signatures, or that are too weak. Pure functions over the base64url members (no Node-only
 * module), so a browser verifier can share them.
 */

/** The big-endian unsigned integer of a base64url string (RFC 7518 §2 Base64urlUInt). */
export function base64urlUInt(value: string): bigint {
  const bytes = base64urlBytes(value);
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function base64urlBytes(value: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const out: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const ch of value) {
    const v = alphabet.indexOf(ch);
    if (v < 0) break; // padding or a stray character ends the value; the import refuses such keys
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

/** Bit length of a base64url big-endian integer (leading zero octets do not count). */
export function modulusBits(n: string): number {
  const value = base64urlUInt(n);
  return value === 0n ? 0 : value.toString(2).length;
}

/**
 * The RSA public exponent is safe: odd and at least 65537 (F4, the value every current library
 * generates). e = 1 makes the signature equal the padded message, so anyone can "sign"; e = 3 and
 * other small exponents invite Bleichenbacher's 2006 forgery against lax PKCS#1 v1.5 parsers; an
 * even e is not a valid RSA exponent at all (RFC 8017 §3.1: e is odd, 3 ≤ e ≤ n − 1).
 */
export function rsaExponentIsSafe(e: string): boolean {
  const value = base64urlUInt(e);
  return value >= 65537n && value % 2n === 1n;
}

/** The field prime of Curve25519, 2^255 − 19 (RFC 8032 §5.1). */
const P = (1n << 255n) - 19n;
/** y of the two order-8 points with x > 0 / x < 0 share this value; their negatives have P − Y8. */
const Y8 = 0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n;

/**
 * The y coordinates (mod p) of the 8 points of small order on edwards25519: the identity (y = 1),
 * the point of order 2 (y = −1), the two of order 4 (y = 0) and the four of order 8 (±Y8). Their
 * canonical encodings are the 8 well-known blocked public keys (libsodium, Wycheproof); comparing
 * y mod p, whatever the sign bit, also catches their non-canonical encodings (y + p).
 */
const SMALL_ORDER_Y = new Set<bigint>([1n, P - 1n, 0n, Y8, P - Y8]);

/**
 * An Ed25519 public key (RFC 8037 §2: x is the 32-byte RFC 8032 encoding) of small order. With
 * such a key, cofactored or lax verifiers accept signatures nobody made (e.g. R = identity,
 * S = 0 for the identity key): the key must never be trusted.
 */
export function ed25519IsSmallOrder(x: string): boolean {
  const bytes = base64urlBytes(x);
  if (bytes.length !== 32) return false; // not an Ed25519 key at all: the import refuses it
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? bytes[i]! & 0x7f : bytes[i]!);
  return SMALL_ORDER_Y.has(y % P);
}
