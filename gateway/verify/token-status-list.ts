import { Unzlib } from 'fflate';
import { GatewayError } from '../errors/gateway-error.js';
import { decodeCanonicalBase64url } from '../encoding/base64url.js';

/**
 * The IETF Token Status List (draft-ietf-oauth-status-list §4): a bit array of `bits` bits per
 * token (1, 2, 4 or 8), ZLIB-compressed (RFC 1950 over DEFLATE) and base64url-encoded as `lst`.
 * The status of index i sits in byte ⌊i·bits/8⌋, starting at bit (i·bits mod 8) counted from the
 * least significant bit (§4.1). Status 0 is VALID, 1 INVALID, 2 SUSPENDED (§7.1).
 *
 * fflate, not node:zlib: this file runs in browsers too (the verifier library and the checkpoint
 * page), and one inflater means one behaviour on hostile input (as inflate-raw.ts). Only the
 * gateway compresses (status-list/compress-status-list.ts).
 */
export type StatusBits = 1 | 2 | 4 | 8;
export const STATUS_BITS: readonly StatusBits[] = [1, 2, 4, 8];
export const STATUS_VALID = 0;
export const STATUS_INVALID = 1;

/** The media type and JWT typ of a signed list (§5.1, §14). */
export const STATUS_LIST_TYP = 'statuslist+jwt';
export const STATUS_LIST_MEDIA_TYPE = 'application/statuslist+jwt';

/** Longest inflated list taken: 4 MiB, 2^22 statuses of 8 bits or 3.3·10^7 of 1 bit (Xinji's is 256 KiB). */
export const MAX_STATUS_LIST_BYTES = 4 * 1024 * 1024;

/** Why a list or a reference to it was refused: stable reasons, for logs, status and the hostile corpus. */
export type StatusListProblem =
  | 'bits_invalid'
  | 'lst_not_base64url'
  | 'zlib_invalid'
  | 'too_large'
  | 'typ_invalid'
  | 'sub_mismatch'
  | 'claims_invalid'
  | 'expired'
  | 'signature_invalid'
  | 'index_out_of_range'
  | 'reference_invalid';

/** A malformed list (refused as a whole) or a malformed reference to one (the code is refused). */
export class StatusListError extends GatewayError {
  constructor(readonly problem: StatusListProblem, detail: string) {
    super(problem === 'index_out_of_range' || problem === 'reference_invalid' ? 'ERR_STATUS_REFERENCE_INVALID' : 'ERR_STATUS_UNAVAILABLE', `${problem}: ${detail}`);
  }
}

/** A decoded list: the raw bit array. */
export interface StatusArray {
  bits: StatusBits;
  bytes: Uint8Array;
}

/** How many statuses the list holds. */
export function statusCount(list: StatusArray): number {
  return (list.bytes.length * 8) / list.bits;
}

/** The list with `size` statuses of `bits` bits each, every one VALID. */
export function emptyStatusArray(size: number, bits: StatusBits = 1): StatusArray {
  return { bits, bytes: new Uint8Array(Math.ceil((size * bits) / 8)) };
}

export function setStatus(list: StatusArray, idx: number, value: number): void {
  const at = idx * list.bits;
  const byte = at >> 3;
  const shift = at & 7;
  const mask = ((1 << list.bits) - 1) << shift;
  list.bytes[byte] = (list.bytes[byte]! & ~mask) | ((value << shift) & mask);
}

/** The status of `idx`; an index the list does not hold is a malformed reference, never VALID. */
export function getStatus(list: StatusArray, idx: number): number {
  if (!Number.isSafeInteger(idx) || idx < 0 || idx >= statusCount(list)) throw new StatusListError('index_out_of_range', `index ${idx} is not in a list of ${statusCount(list)}`);
  const at = idx * list.bits;
  return (list.bytes[at >> 3]! >> (at & 7)) & ((1 << list.bits) - 1);
}

/**
 * The bit array of a `status_list` claim `{ bits, lst }`, refusing: bits not 1/2/4/8, `lst` not
 * canonical base64url, a stream that is not ZLIB (header, Adler-32 or an unfinished stream) and an
 * inflated list past `maxBytes` (inflation stops at the first byte past it: no bomb).
 */
export function decodeStatusListClaim(claim: unknown, maxBytes = MAX_STATUS_LIST_BYTES): StatusArray {
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) throw new StatusListError('claims_invalid', 'status_list is not an object');
  const { bits, lst } = claim as { bits?: unknown; lst?: unknown };
  if (!STATUS_BITS.includes(bits as StatusBits)) throw new StatusListError('bits_invalid', 'bits must be 1, 2, 4 or 8');
  if (typeof lst !== 'string' || lst.length === 0) throw new StatusListError('lst_not_base64url', 'lst is not a string');
  const compressed = decodeCanonicalBase64url(lst);
  if (!compressed) throw new StatusListError('lst_not_base64url', 'lst is not canonical base64url');
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  let tooLarge = false;
  const inflater = new Unzlib((chunk, final) => {
    total += chunk.length;
    if (total > maxBytes) {
      tooLarge = true;
      throw new RangeError('status list too large');
    }
    chunks.push(chunk);
    if (final) ended = true;
  });
  try {
    inflater.push(compressed, true);
  } catch {
    throw tooLarge ? new StatusListError('too_large', `the list inflates past ${maxBytes} bytes`) : new StatusListError('zlib_invalid', 'lst is not a ZLIB stream');
  }
  if (!ended) throw new StatusListError('zlib_invalid', 'the ZLIB stream does not end');
  if (total === 0) throw new StatusListError('zlib_invalid', 'the list is empty');
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { bits: bits as StatusBits, bytes };
}

/** A token's reference into a list: its `status.status_list` claim (§6.1). */
export interface StatusReference {
  idx: number;
  uri: string;
}

/**
 * The `status.status_list` of a token's payload; undefined when the token has no `status` claim,
 * and a StatusListError (ERR_STATUS_REFERENCE_INVALID) when the claim is there but malformed.
 */
export function statusReferenceOf(payload: Record<string, unknown>): StatusReference | undefined {
  const status = payload['status'];
  if (status === undefined) return undefined;
  const ref = typeof status === 'object' && status !== null ? (status as Record<string, unknown>)['status_list'] : undefined;
  if (typeof ref !== 'object' || ref === null) throw new StatusListError('reference_invalid', 'status has no status_list object');
  const { idx, uri } = ref as Record<string, unknown>;
  if (typeof idx !== 'number' || !Number.isSafeInteger(idx) || idx < 0) throw new StatusListError('reference_invalid', 'idx is not a non-negative integer');
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > 2048) throw new StatusListError('reference_invalid', 'uri is not a string');
  return { idx, uri };
}

/**
 * What a verifier holding `list` (published at `uri`) says of a token with `payload`: resolves
 * for VALID; ERR_STATUS_REFERENCE_INVALID for a token without a reference, with one to another
 * list, or with an index outside the list; ERR_CREDENTIAL_REVOKED for any other status — INVALID,
 * SUSPENDED or one this gateway does not know is never a pass (fail closed).
 */
export function checkStatusReference(payload: Record<string, unknown>, uri: string, list: StatusArray): void {
  const ref = statusReferenceOf(payload);
  if (!ref) throw new StatusListError('reference_invalid', 'the code has no status claim but its issuer publishes a status list');
  if (ref.uri !== uri) throw new StatusListError('reference_invalid', 'the code names another status list');
  if (getStatus(list, ref.idx) !== STATUS_VALID) throw new GatewayError('ERR_CREDENTIAL_REVOKED');
}
