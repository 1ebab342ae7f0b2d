import { Inflate } from 'fflate';

/**
 * Raw DEFLATE (RFC 1951) inflation with a bound on the output, for zip "DEF" payloads (the SMART
 * Health Cards convention). fflate, not node:zlib, so that the gateway and the verifier library
 * (verifier/, which runs in browsers) inflate with one implementation and refuse the same inputs
 * with the same code: a browser has no synchronous inflater, and two inflaters would be two
 * behaviours on hostile input.
 *
 * The output is counted as it is produced and inflation stops soon after the first byte past
 * `maxBytes`, so a decompression bomb costs about that much memory. fflate inflates everything it
 * is given in one push before it reports any output (3 MB from a 3 KB code), so the input is
 * pushed INPUT_STEP bytes at a time: one step yields at most ~1032 times its size (the DEFLATE
 * limit, RFC 1951 §3.2.5: 258 bytes from a 2-bit length/distance pair). A stream that does not end
 * with a final block (RFC 1951 §3.2.3 BFINAL) is not valid.
 */
const INPUT_STEP = 64;

export function inflateRawBounded(bytes: Uint8Array, maxBytes: number): Uint8Array | 'too large' | 'invalid' {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  let tooLarge = false;
  const inflater = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > maxBytes) {
      tooLarge = true;
      throw new RangeError('inflated payload too large');
    }
    chunks.push(chunk);
    if (final) ended = true;
  });
  try {
    for (let at = 0; at < bytes.length || at === 0; at += INPUT_STEP) {
      inflater.push(bytes.subarray(at, at + INPUT_STEP), at + INPUT_STEP >= bytes.length);
    }
  } catch {
    return tooLarge ? 'too large' : 'invalid';
  }
  if (!ended) return 'invalid';
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
