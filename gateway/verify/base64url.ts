/**
 * Canonical base64url (RFC 7515 §2, RFC 4648 §5) as a JWS must use it: no padding, no characters
 * outside the URL-safe alphabet, and one encoding per byte string. Node's decoder is lenient (it
 * skips unknown characters and ignores the unused low bits of the last character), so two
 * different strings could carry the same signed bytes; that malleability is refused here by
 * decoding and re-encoding, and comparing.
 */
const ALPHABET = /^[A-Za-z0-9_-]*$/;

/** The bytes of `segment`, or undefined when it is not canonical base64url. */
export function decodeCanonicalBase64url(segment: string): Buffer | undefined {
  if (!ALPHABET.test(segment)) return undefined;
  // A length of 4n+1 cannot come from any byte string (RFC 4648 §4).
  if (segment.length % 4 === 1) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  if (bytes.toString('base64url') !== segment) return undefined;
  return bytes;
}
