import { GatewayError } from '../errors/gateway-error.js';

/** What an issuer allows in its JWS headers: a subset of its Partner record. */
export interface HeaderRules {
  /** Algorithms pinned for this issuer (RFC 8725 §3.1). */
  algorithms: readonly string[];
  /** When set, the typ header must equal it or one of typAliases (RFC 8725 §3.11). */
  typ?: string | undefined;
  /** Other typ values of the same codes: a shorter typ of a newer claim layout (Xinji's layout 3). */
  typAliases?: readonly string[] | undefined;
  /**
   * "DEF": payloads must be raw-DEFLATE compressed; "optional": they may be (an issuer moving to
   * compressed codes while its older ones are still valid); absent: zip is refused.
   */
  zip?: 'DEF' | 'optional' | undefined;
}

export const MAX_KID_CHARS = 128;

/**
 * Header members that would let the token choose its own verification key (RFC 7515 §4.1.2–4.1.5).
 * Keys come only from the issuer's registered JWKS (RFC 8725 §3.10), so a token that offers one is
 * refused outright rather than silently ignored. x5c is left alone: it is never read.
 */
const KEY_CARRYING = ['jwk', 'jku', 'x5u'] as const;

/** Never acceptable whatever a configuration says: unsigned, or a shared-secret MAC. */
function isForbiddenAlg(alg: string): boolean {
  return alg.toLowerCase() === 'none' || alg.toUpperCase().startsWith('HS');
}

/** Checks `header` against the issuer's rules and returns the algorithm and key id. Throws GatewayError. */
export function checkHeader(header: Record<string, unknown>, rules: HeaderRules): { alg: string; kid: string | undefined } {
  const alg = header['alg'];
  if (typeof alg !== 'string' || alg.length === 0) throw new GatewayError('ERR_JWS_HEADER_INVALID', 'The JWS header has no alg.');
  if (isForbiddenAlg(alg) || !rules.algorithms.includes(alg)) throw new GatewayError('ERR_JWS_ALG_NOT_ALLOWED');
  // RFC 7515 §4.1.11: a recipient must reject a JWS naming extensions it does not understand; we understand none.
  if (Object.hasOwn(header, 'crit')) throw new GatewayError('ERR_JWS_CRIT_UNSUPPORTED');
  for (const member of KEY_CARRYING) {
    if (Object.hasOwn(header, member)) {
      throw new GatewayError('ERR_JWS_HEADER_INVALID', `The JWS header carries ${member}; keys come only from the issuer's JWKS.`);
    }
  }
  // RFC 7797 unencoded payloads are an extension we do not implement (and b64 without crit is meaningless).
  if (Object.hasOwn(header, 'b64')) throw new GatewayError('ERR_JWS_HEADER_INVALID', 'The b64 header is not supported.');
  // kid is OPTIONAL (RFC 7515 §4.1.4): without it, the issuer's only key for alg is used
  // (key-lookup.ts). When present it must be a usable string.
  const kid = header['kid'];
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_CHARS)) {
    throw new GatewayError('ERR_JWS_HEADER_INVALID', `The JWS kid, when present, must be 1 to ${MAX_KID_CHARS} characters.`);
  }
  const typ = header['typ'];
  if (rules.typ !== undefined && typ !== rules.typ && !(typeof typ === 'string' && rules.typAliases?.includes(typ))) {
    throw new GatewayError('ERR_JWS_HEADER_INVALID', 'The JWS typ is not the one this issuer uses.');
  }
  const zip = header['zip'];
  if (rules.zip === 'DEF' && zip !== 'DEF') throw new GatewayError('ERR_JWS_HEADER_INVALID', 'This issuer compresses every payload (zip "DEF").');
  if (rules.zip === 'optional' && zip !== undefined && zip !== 'DEF') throw new GatewayError('ERR_JWS_HEADER_INVALID', 'Only zip "DEF" is understood.');
  if (rules.zip === undefined && zip !== undefined) throw new GatewayError('ERR_JWS_HEADER_INVALID', 'This issuer does not compress payloads.');
  return { alg, kid };
}
