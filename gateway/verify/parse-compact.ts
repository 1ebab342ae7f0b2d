import { GatewayError } from '../errors/gateway-error.js';
import { decodeCanonicalBase64url } from '../encoding/base64url.js';
import { inflateRawBounded } from './inflate-raw.js';
import { parseStrictJsonBytes, StrictJsonError } from './strict-json.js';

/**
 * Strict reading of a compact JWS (RFC 7515 §7.1) before any cryptography: the structure, the
 * encoding and the JSON are checked here so that the signature code only ever sees well-formed,
 * bounded input, and so that one signed text has exactly one meaning.
 */

/** Longest compact JWS accepted. Health codes are a few hundred characters (SHC example: 804). */
export const MAX_JWS_CHARS = 4096;
/** Largest inflated payload (zip: "DEF"); bounds a decompression bomb to this many bytes. */
export const MAX_INFLATED_BYTES = 32 * 1024;

export interface ParsedCompact {
  /** The compact JWS as received (the signature is verified over its first two segments). */
  jws: string;
  header: Record<string, unknown>;
  /** The payload bytes as signed (still compressed when header.zip is "DEF"). */
  payloadBytes: Uint8Array;
  signature: Uint8Array;
}

function strictJson(parse: () => Record<string, unknown>, code: 'ERR_JWS_HEADER_INVALID' | 'ERR_CODE_MALFORMED', what: string) {
  try {
    return parse();
  } catch (error) {
    if (error instanceof StrictJsonError) {
      throw new GatewayError(code, `The ${what} is not one JSON object without duplicate names (${error.problem}).`);
    }
    throw error;
  }
}

/**
 * Structure, canonical base64url and a strict JSON header. Throws GatewayError. `maxChars` is the
 * health-code bound unless the caller reads a longer signed document (a trust bundle or trust list).
 */
export function parseCompact(jws: string, maxChars = MAX_JWS_CHARS): ParsedCompact {
  if (jws.length > maxChars) throw new GatewayError('ERR_CODE_TOO_LARGE');
  const segments = jws.split('.');
  if (segments.length !== 3) throw new GatewayError('ERR_CODE_MALFORMED', 'A compact JWS has exactly three segments.');
  const [headerB64, payloadB64, signatureB64] = segments as [string, string, string];
  const headerBytes = decodeCanonicalBase64url(headerB64);
  const payloadBytes = decodeCanonicalBase64url(payloadB64);
  const signature = decodeCanonicalBase64url(signatureB64);
  if (!headerBytes || !payloadBytes || !signature) {
    throw new GatewayError('ERR_CODE_MALFORMED', 'A JWS segment is not canonical base64url (RFC 7515 §2).');
  }
  const header = strictJson(() => parseStrictJsonBytes(headerBytes), 'ERR_JWS_HEADER_INVALID', 'JWS header');
  return { jws, header, payloadBytes, signature };
}

function inflate(bytes: Uint8Array): Uint8Array {
  const inflated = inflateRawBounded(bytes, MAX_INFLATED_BYTES);
  if (inflated === 'too large') throw new GatewayError('ERR_CODE_TOO_LARGE', 'The inflated payload is larger than any health code.');
  if (inflated === 'invalid') throw new GatewayError('ERR_CODE_MALFORMED', 'The payload is not valid raw DEFLATE data (RFC 1951).');
  return inflated;
}

/**
 * The claims of a parsed JWS: inflated first when the header says zip "DEF" (the SMART Health
 * Cards convention; whether the issuer may use it is checked against its rules later), then one
 * strict JSON object. Any other zip value is refused: we cannot know what it means.
 */
export function decodePayload(parsed: ParsedCompact): Record<string, unknown> {
  const zip = parsed.header['zip'];
  if (zip !== undefined && zip !== 'DEF') throw new GatewayError('ERR_JWS_HEADER_INVALID', 'Only zip "DEF" is understood.');
  const bytes = zip === 'DEF' ? inflate(parsed.payloadBytes) : parsed.payloadBytes;
  return strictJson(() => parseStrictJsonBytes(bytes), 'ERR_CODE_MALFORMED', 'JWS payload');
}
