import { compactVerify, type CryptoKey } from 'jose';
import { isGatewayError } from '../errors/gateway-error.js';
import { checkHeader } from './jws-header.js';
import { parseCompact, type ParsedCompact } from './parse-compact.js';
import { parseStrictJsonBytes } from './strict-json.js';

/**
 * The one reader of documents signed with keys the reader pinned beforehand — the trust bundle
 * (trust/accept-bundle.ts), the federation's trust list (federation/trust-list-jws.ts), and the
 * next ones (a token status list, a 通行证). In this order, each step refusing with a reason:
 *
 *   parse as strictly as a code (parse-compact.ts)        malformed
 *   header rules and the document's typ (RFC 8725 §3.11)  bad_header; no kid: no_kid
 *   a pinned key by kid and alg, never one the document
 *   names or carries (RFC 8725 §3.10), never tried in turn  unpinned_key
 *   the signature                                          bad_signature
 *   one JSON object, then the document's schema            bad_payload, invalid_payload
 *   not expired                                            expired
 *   newer than the one held, by the document's rule        not_newer
 *
 * Each document maps the reasons onto its own errors (codes that are API stay as they were) and
 * keeps what is only its own (members, partners' status lists). Runs unchanged in browsers.
 */
export type PinnedRefusal =
  | 'malformed' | 'bad_header' | 'no_kid' | 'unpinned_key' | 'bad_signature' | 'bad_payload' | 'invalid_payload' | 'expired' | 'not_newer';

export class PinnedDocumentError extends Error {
  override name = 'PinnedDocumentError';
  constructor(readonly reason: PinnedRefusal, readonly detail: string) {
    super(`${reason}: ${detail}`);
  }
}

/** A key held before any document arrived: the verifier's pinned JWK Set, the federation's TRUST_LIST_KEYS. */
export interface PinnedKeyEntry {
  kid: string | null;
  alg: string;
  key: CryptoKey | Uint8Array;
}

/** What makes one kind of document: its typ, its algorithms, its bound, its schema, its times and its order. */
export interface PinnedDocumentType<T, Held> {
  /** Said in details: "list", "bundle". */
  noun: string;
  typ: string;
  /** Algorithms the header may name; absent: those of the pinned keys. */
  algorithms?: readonly string[];
  /** Longest compact JWS read (before any decoding). */
  maxChars: number;
  /** Undefined when the payload is a T; otherwise what is wrong, for the refusal's detail. */
  checkPayload(payload: Record<string, unknown>): string | undefined;
  /** When the document stops being usable (RFC 3339). */
  expiresAt(document: T): string;
  /** Undefined when `document` may replace `held`; otherwise why not. */
  notNewer(document: T, held: Held, signed: SignedParts): string | undefined;
}

/** The signed parts, for a rule that compares what was signed (e.g. the same sequence must be the same list). */
export interface SignedParts {
  /** The payload segment (base64url) as it was signed. */
  payloadSegment: string;
}

function parse(jws: string, maxChars: number): ParsedCompact {
  try {
    return parseCompact(jws, maxChars);
  } catch {
    throw new PinnedDocumentError('malformed', 'not a compact JWS of three base64url segments with a JSON object header');
  }
}

/** `jws` as a T, when it may replace `held` (absent: nothing held yet) at `now` (epoch ms); throws PinnedDocumentError. */
export async function readPinnedDocument<T, Held>(
  type: PinnedDocumentType<T, Held>,
  jws: string,
  pinned: readonly PinnedKeyEntry[],
  now: number,
  held?: Held,
): Promise<{ document: T } & SignedParts> {
  const parsed = parse(jws.trim(), type.maxChars);
  let alg: string;
  let kid: string | undefined;
  try {
    ({ alg, kid } = checkHeader(parsed.header, { algorithms: type.algorithms ?? [...new Set(pinned.map((k) => k.alg))], typ: type.typ }));
  } catch (error) {
    throw new PinnedDocumentError('bad_header', isGatewayError(error) ? error.message : 'the JWS header is not acceptable');
  }
  // A document names its key: several pinned keys (a rotation) must never be tried in turn.
  if (kid === undefined) throw new PinnedDocumentError('no_kid', 'the JWS header needs the kid of a pinned key');
  // A pinned kid of another key type is still not a pinned key for this alg.
  const key = pinned.find((k) => k.kid === kid && k.alg === alg);
  if (!key) throw new PinnedDocumentError('unpinned_key', `kid ${kid.slice(0, 64)} with ${alg} is not one of the pinned keys`);
  try {
    await compactVerify(parsed.jws, key.key, { algorithms: [alg] });
  } catch {
    throw new PinnedDocumentError('bad_signature', 'the signature does not verify with the pinned key');
  }
  let payload: Record<string, unknown>;
  try {
    payload = parseStrictJsonBytes(parsed.payloadBytes);
  } catch {
    throw new PinnedDocumentError('bad_payload', 'the payload is not one JSON object');
  }
  const problem = type.checkPayload(payload);
  if (problem !== undefined) throw new PinnedDocumentError('invalid_payload', problem);
  const document = payload as T;
  const expiresAt = type.expiresAt(document);
  if (Date.parse(expiresAt) <= now) throw new PinnedDocumentError('expired', `the ${type.noun} expired at ${expiresAt}`);
  const signed = { payloadSegment: parsed.jws.split('.')[1]! };
  if (held !== undefined) {
    const why = type.notNewer(document, held, signed);
    if (why !== undefined) throw new PinnedDocumentError('not_newer', why);
  }
  return { document, ...signed };
}
