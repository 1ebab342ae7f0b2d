/**
 * How a code is drawn as a QR: `shc:/` in byte mode, then the JWS as two digits per character in
 * numeric mode — the SMART Health Cards encoding ("Encoding Chunks as QR codes": each character's
 * code point minus 45; base64url and '.' all fall in 0–77). Numeric mode spends 10 bits on three
 * digits, so a JWS character costs 6.7 bits instead of byte mode's 8: about 17 % fewer modules
 * for the same code. Every reader of codes (gateway/verify/decode-qr.ts: the gateway, the
 * verifier library, the checkpoint page) turns the text back into the JWS.
 *
 * Shared by the gateway's QR images and the resident page; no Node-only imports.
 */
export type QrSegment = { data: Uint8Array; mode: 'byte' } | { data: string; mode: 'numeric' };

export const QR_PREFIX = 'shc:/';
const OFFSET = 45;

/** The digits of `jws` in the SHC numeric encoding. */
export function numericText(jws: string): string {
  let digits = '';
  for (let i = 0; i < jws.length; i++) digits += String(jws.charCodeAt(i) - OFFSET).padStart(2, '0');
  return digits;
}

/** The segments to draw for a compact JWS (error correction M, as the pages draw it). */
export function qrSegments(jws: string): QrSegment[] {
  return [
    { data: new TextEncoder().encode(QR_PREFIX), mode: 'byte' },
    { data: numericText(jws), mode: 'numeric' },
  ];
}

/** The text a reader gets back from `segments` (what ZXing's getText() returns). */
export function segmentsText(segments: readonly QrSegment[]): string {
  return segments.map((s) => (s.mode === 'byte' ? new TextDecoder().decode(s.data) : s.data)).join('');
}
