/**
 * Canonical base64url (RFC 7515 §2, RFC 4648 §5) as a JWS must use it: no padding, no characters
 * outside the URL-safe alphabet, and one encoding per byte string. Node's decoder is lenient (it
 * skips unknown characters and ignores the unused low bits of the last character), so two
 * different strings could carry the same signed bytes; that malleability is refused here by
 * decoding and re-encoding, and comparing.
 */
const ALPHABET = /^[A-Za-z0-9_-]*$/;

const SYMBOLS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The bytes of `segment`, or undefined when it is not canonical base64url. */
export function decodeCanonicalBase64url(segment: string): Buffer | undefined {
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
  return Buffer.from(segment, 'base64url');
}
