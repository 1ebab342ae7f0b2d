import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint, CompactSign, importJWK, type JWK } from 'jose';
import { toVerificationKeys, type PartnerAlg } from '../partners/jwk-filter.js';
import type { VerificationKey } from '../partners/key-source.js';
import { jwksEntries } from '../partners/jwks-shape.js';
import { describeSchemaErrors } from '../partners/registry.js';
import { validator } from '../schemas/registry.js';
import type { TrustListHeld } from '../store/store.js';
import type { Partner, TrustList } from '../types/schemas.js';
import { PinnedDocumentError, readPinnedDocument, type PinnedDocumentType, type PinnedRefusal } from '../verify/pinned-document.js';

/**
 * Explicit typing (RFC 8725 §3.11): a trust list cannot be mistaken for a health code or any
 * other JWS signed with the same key, and the reverse.
 */
export const TRUST_LIST_TYP = 'health-code-trust-list+jwt';
/** Algorithms a federation key may sign with (the gateway's own signing algorithms, plus P-384). */
export const FEDERATION_ALGS: readonly PartnerAlg[] = ['ES256', 'ES384', 'EdDSA'];

/** Why a list was refused: stable words for metrics, logs and the CLI. */
export type TrustListRefusal =
  | 'malformed' | 'bad_header' | 'unpinned_key' | 'bad_signature' | 'invalid_list' | 'expired' | 'replayed';

export class TrustListError extends Error {
  override name = 'TrustListError';
  constructor(readonly reason: TrustListRefusal, readonly detail: string) {
    super(`${reason}: ${detail}`);
  }
}

/**
 * The federation's pinned public keys (TRUST_LIST_KEYS), through the same key filter as partner
 * keys. A file with a private member, or without one usable key, stops the start.
 */
export async function readPinnedKeys(path: string): Promise<VerificationKey[]> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not a readable JSON file (${(error as Error).message})`);
  }
  const entries = jwksEntries(value);
  if (typeof entries === 'string') throw new Error(`${path}: not a public JWK Set (${entries})`);
  const { keys, skipped } = await toVerificationKeys(entries, FEDERATION_ALGS);
  if (keys.length === 0) throw new Error(`${path}: no usable key (${skipped.map((s) => `${s.kid ?? '-'}: ${s.reason}`).join('; ') || 'the set is empty'})`);
  return keys;
}

export interface SignOptions {
  sequence: number;
  /** Epoch ms of generatedAt. */
  now: number;
  ttlSeconds: number;
}

const ALG_OF_CURVE: Record<string, PartnerAlg> = { 'P-256': 'ES256', 'P-384': 'ES384', Ed25519: 'EdDSA' };

/** The algorithm a federation key signs with: its own alg, or the one its curve implies. */
export function federationAlgOf(jwk: JWK): PartnerAlg {
  const alg = jwk.alg ?? ALG_OF_CURVE[jwk.crv ?? ''];
  if (!alg || !(FEDERATION_ALGS as readonly string[]).includes(alg)) throw new Error(`a federation key must be ES256, ES384 or EdDSA (this one is ${jwk.kty}/${jwk.crv ?? jwk.alg ?? '-'})`);
  return alg as PartnerAlg;
}

/** The public half of a federation key, as it goes into the TRUST_LIST_KEYS JWK Set (kid: RFC 7638 thumbprint). */
export async function federationPublicJwk(privateJwk: JWK): Promise<JWK> {
  const { kty, crv, x, y } = privateJwk;
  const pub: JWK = { kty, crv, x, ...(y ? { y } : {}) };
  return { ...pub, kid: privateJwk.kid ?? (await calculateJwkThumbprint(pub, 'sha256')), alg: federationAlgOf(privateJwk), use: 'sig' };
}

/** Signs `members` as a trust list with a private JWK (ES256, ES384 or EdDSA). */
export async function signTrustList(members: readonly Partner[], privateJwk: JWK, options: SignOptions): Promise<string> {
  const { alg, kid } = await federationPublicJwk(privateJwk);
  const payload: TrustList = {
    sequence: options.sequence,
    generatedAt: new Date(options.now).toISOString(),
    expiresAt: new Date(options.now + options.ttlSeconds * 1000).toISOString(),
    members: [...members],
  };
  const key = await importJWK(privateJwk, alg);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: alg!, kid: kid!, typ: TRUST_LIST_TYP })
    .sign(key);
}

/** The hash that ties a sequence to one list: the same sequence must always mean the same payload. */
export function listPayloadHash(payloadSegment: string): string {
  return createHash('sha256').update(payloadSegment).digest('base64url');
}

/**
 * The trust list as a document signed with pinned keys (verify/pinned-document.ts reads it). No
 * length bound of its own: a fetched list is bounded by trustList.maxBytes. Newer means a sequence
 * not lower than the one held — an older list, even validly signed, may name a city since removed —
 * and the same sequence only for the same list.
 */
const TRUST_LIST: PinnedDocumentType<TrustList, TrustListHeld> = {
  noun: 'list',
  typ: TRUST_LIST_TYP,
  algorithms: FEDERATION_ALGS,
  maxChars: Number.POSITIVE_INFINITY,
  checkPayload(payload) {
    const validate = validator<TrustList>('trust-list');
    return validate(payload) ? undefined : describeSchemaErrors(validate.errors);
  },
  expiresAt: (list) => list.expiresAt,
  notNewer(list, floor, { payloadSegment }) {
    if (list.sequence < floor.sequence) return `sequence ${list.sequence} is lower than the ${floor.sequence} held`;
    if (list.sequence === floor.sequence && listPayloadHash(payloadSegment) !== floor.payloadHash) return `sequence ${list.sequence} was already used for another list`;
    return undefined;
  },
};

/** Each refusal of the reader as the list's own reason word (metrics, logs, the CLI). */
const REASONS: Record<PinnedRefusal, TrustListRefusal> = {
  malformed: 'malformed',
  bad_header: 'bad_header',
  no_kid: 'bad_header',
  unpinned_key: 'unpinned_key',
  bad_signature: 'bad_signature',
  bad_payload: 'invalid_list',
  invalid_payload: 'invalid_list',
  expired: 'expired',
  not_newer: 'replayed',
};

/**
 * Checks a trust list: typ and header rules (no key-carrying members, no crit), a key pinned by
 * kid for the header's alg, the signature, the payload schema, expiresAt and, given the sequence
 * held (`floor`), replay. What is refused here never reaches the registry.
 */
export async function verifyTrustList(jws: string, pinned: readonly VerificationKey[], nowMs: number, floor?: TrustListHeld): Promise<TrustList> {
  try {
    return (await readPinnedDocument(TRUST_LIST, jws, pinned, nowMs, floor)).document;
  } catch (error) {
    throw error instanceof PinnedDocumentError ? new TrustListError(REASONS[error.reason], error.detail) : error;
  }
}
