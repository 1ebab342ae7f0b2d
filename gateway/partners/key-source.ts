import type { Partner, PublicJwk } from '../types/schemas.js';
import type { CryptoKey } from 'jose';

/** A verification key ready for jose, with the JWK it came from. */
export interface VerificationKey {
  kid: string;
  alg: string;
  jwk: PublicJwk;
  key: CryptoKey | Uint8Array;
}

export interface KeyStatus {
  keyCount: number;
  /** Epoch ms of the last successful fetch (or load, for local keys); null if never. */
  lastFetchAt: number | null;
  lastErrorCode: string | null;
}

/**
 * Where the verifier gets a partner's keys. Keys belong to their issuer: a source only ever
 * answers with keys from `partner`'s own JWKS.
 */
export interface KeySource {
  /**
   * The key of `partner` with this kid, usable with `alg`. Throws GatewayError ERR_KID_UNKNOWN
   * when the partner's current keys lack it, ERR_KEYS_UNAVAILABLE when the keys cannot be had
   * (never fetched, or stale beyond the bound).
   */
  getKey(partner: Partner, kid: string, alg: string): Promise<VerificationKey>;
  status(partnerId: string): KeyStatus;
  /**
   * The keys verification of `partner`'s codes would use now, for the signed trust bundle
   * (gateway/trust/); null when they cannot be had (getKey would answer ERR_KEYS_UNAVAILABLE).
   */
  snapshot?(partner: Partner): Promise<readonly VerificationKey[] | null>;
  close(): Promise<void>;
}
