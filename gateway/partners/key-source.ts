import type { Partner, PublicJwk } from '../types/schemas.js';
import type { CryptoKey } from 'jose';
import type { SkippedKey } from './key-skip-reasons.js';

/** A verification key ready for jose, with the JWK it came from. */
export interface VerificationKey {
  /** null for a key published without kid (RFC 7517 §4.5: kid is optional); only a code without kid can use it. */
  kid: string | null;
  alg: string;
  jwk: PublicJwk;
  key: CryptoKey | Uint8Array;
}

export interface KeyStatus {
  keyCount: number;
  /** Epoch ms of the last successful fetch (or load, for local keys); null if never. */
  lastFetchAt: number | null;
  lastErrorCode: string | null;
  /** Finer reason of the last failure (e.g. JwksFailureReason); null after a success. */
  lastErrorReason?: string | null;
  /** The keys of the last key set seen that are not used, and why (absent before any set was read). */
  skippedKeys?: SkippedKey[];
}

/**
 * Where the verifier gets a partner's keys. Keys belong to their issuer: a source only ever
 * answers with keys from `partner`'s own JWKS.
 */
export interface KeySource {
  /**
   * The key of `partner` with this kid, usable with `alg`; without kid (RFC 7515 §4.1.4: optional),
   * the partner's only key for `alg`. Throws GatewayError ERR_KID_UNKNOWN when the partner's
   * current keys lack it, ERR_JWS_HEADER_INVALID for a code without kid when several keys fit, ERR_KEYS_UNAVAILABLE when the keys cannot be had
   * (never fetched, or stale beyond the bound).
   */
  getKey(partner: Partner, kid: string | undefined, alg: string): Promise<VerificationKey>;
  status(partnerId: string): KeyStatus;
  /**
   * The keys verification of `partner`'s codes would use now, for the signed trust bundle
   * (gateway/trust/); null when they cannot be had (getKey would answer ERR_KEYS_UNAVAILABLE).
   */
  snapshot?(partner: Partner): Promise<readonly VerificationKey[] | null>;
  close(): Promise<void>;
}
