import { isGatewayError } from '../errors/gateway-error.js';
import type { KeySource } from '../partners/key-source.js';
import type { Partner } from '../types/schemas.js';
import { checkHeader } from './jws-header.js';
import { verifySignature } from './jws-signature.js';
import { decodePayload, parseCompact } from './parse-compact.js';
import { decodeStatusListClaim, MAX_STATUS_LIST_BYTES, STATUS_LIST_TYP, StatusListError, type StatusArray } from './token-status-list.js';

/** Longest signed list read: 4 MiB of JWT (a million 1-bit statuses at random compress to 170 KB). */
export const MAX_STATUS_LIST_JWT_CHARS = 4 * 1024 * 1024;

/** A partner's list as accepted: what its signed claims say, and the bits. */
export interface AcceptedStatusList {
  uri: string;
  list: StatusArray;
  /** As the issuer signed it, for the trust bundle (it carries the list, not the JWT). */
  lst: string;
  iat: number;
  /** Epoch seconds; null when the list has no exp. */
  exp: number | null;
  /** Seconds the issuer says the list may be cached (draft §5.1 ttl); null when absent. */
  ttl: number | null;
}

const isSeconds = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * A partner's Token Status List as a verifier may take it (draft-ietf-oauth-status-list §8.3):
 * parsed as strictly as a code, `typ` statuslist+jwt (explicit typing, RFC 8725 §3.11, so no code
 * or other JWT of the partner passes for a list), signed by one of the partner's own keys with an
 * algorithm it is pinned to, `sub` equal to the URI it was fetched from (a list of another URI
 * cannot speak for these codes), `iat` present, `exp` not passed, `ttl` a number of seconds, and
 * `status_list` decoding within the size bound (token-status-list.ts). Each refusal is a
 * StatusListError with a stable `problem`; a verifier answers ERR_STATUS_UNAVAILABLE for its
 * codes unless it holds an earlier good list (partners/token-status-cache.ts).
 *
 * Browser-safe: the verifier library could run it with the keys of a trust bundle.
 */
export async function acceptStatusListToken(
  jwt: string,
  partner: Partner,
  uri: string,
  keySource: Pick<KeySource, 'getKey'>,
  options: { now: number; clockToleranceSeconds: number; maxBytes?: number; maxChars?: number },
): Promise<AcceptedStatusList> {
  let payload: Record<string, unknown>;
  try {
    const parsed = parseCompact(jwt.trim(), options.maxChars ?? MAX_STATUS_LIST_JWT_CHARS);
    if (parsed.header['typ'] !== STATUS_LIST_TYP) throw new StatusListError('typ_invalid', `typ is not ${STATUS_LIST_TYP}`);
    const { alg, kid } = checkHeader(parsed.header, { algorithms: partner.algorithms, typ: STATUS_LIST_TYP });
    const key = await keySource.getKey(partner, kid, alg);
    await verifySignature(parsed, alg, key.key);
    payload = decodePayload(parsed);
  } catch (error) {
    if (error instanceof StatusListError) throw error;
    const code = isGatewayError(error) ? error.code : 'error';
    if (code === 'ERR_CODE_TOO_LARGE') throw new StatusListError('too_large', `the list is longer than ${options.maxChars ?? MAX_STATUS_LIST_JWT_CHARS} characters`);
    throw new StatusListError('signature_invalid', `the list is not a JWS of the partner (${code})`);
  }
  if (payload['sub'] !== uri) throw new StatusListError('sub_mismatch', 'sub is not the URI the list was fetched from');
  const { iat, exp, ttl } = payload;
  if (!isSeconds(iat)) throw new StatusListError('claims_invalid', 'iat is missing or not NumericDate');
  if (exp !== undefined && !isSeconds(exp)) throw new StatusListError('claims_invalid', 'exp is not NumericDate');
  if (ttl !== undefined && !isSeconds(ttl)) throw new StatusListError('claims_invalid', 'ttl is not a number of seconds');
  const nowSeconds = options.now / 1000;
  if (exp !== undefined && exp + options.clockToleranceSeconds <= nowSeconds) throw new StatusListError('expired', 'the list is past its exp');
  if (iat - options.clockToleranceSeconds > nowSeconds) throw new StatusListError('claims_invalid', 'iat is in the future');
  const claim = payload['status_list'];
  const list = decodeStatusListClaim(claim, options.maxBytes ?? MAX_STATUS_LIST_BYTES);
  return { uri, list, lst: (claim as { lst: string }).lst, iat, exp: exp ?? null, ttl: ttl ?? null };
}
