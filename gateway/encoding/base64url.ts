/**
 * Canonical base64url (RFC 7515 §2, RFC 4648 §5) as a JWS must use it: no padding, no characters
 * outside the URL-safe alphabet, and one encoding per byte string. Node's decoder is lenient (it
 * skips unknown characters and ignores the unused low bits of the last character), so two
 * different strings could carry the same signed bytes; that malleability is refused here by
 * decoding and re-encoding, and comparing.
 */
const ALPHABET = /^[A-Za-z0-9_-]*$/;

const SYMBOLS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Node's Buffer where there is one (a native decoder, on every verification's path); in a browser
 * (the verifier library, verifier/) the portable decoder below. Both see only canonical input,
 * checked first, so they return the same bytes.
 */
const NodeBuffer = (globalThis as { Buffer?: { from(text: string, encoding: 'base64url'): Uint8Array } }).Buffer;

function decodePortable(segment: string): Uint8Array {
  const out = new Uint8Array(Math.floor((segment.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (let i = 0; i < segment.length; i++) {
    value = (value << 6) | SYMBOLS.indexOf(segment[i]!);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

/** The bytes of `segment`, or undefined when it is not canonical base64url. */
export function decodeCanonicalBase64url(segment: string): Uint8Array | undefined {
  if (!ALPHABET.test(segment)) return undefined;
  // A length of 4n+1 cannot come from any byte string (RFC 4648 §4).
  const tail = segment.length % 4;
  if (tail === 1) return undefined;
  // With the alphabet and the length right, the only other way two strings decode to the same
  // bytes is the unused low bits of the last character (4 bits after 2 characters, 2 after 3),
  // which must be zero (RFC 4648 §3.5) — checked here instead of re-encoding the whole segment.
  if (tail !== 0) {
    const last = SYMBOLS.indexOf(segment[segment.length - 1]!);
    if ((last & (tail === 2 ? 0b1111 : 0b11)) !== 0) return undefined;
  }
  return NodeBuffer ? NodeBuffer.from(segment, 'base64url') : decodePortable(segment);
}
