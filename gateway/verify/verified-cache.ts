import { LRUCache } from 'lru-cache';
import type { VerificationKey } from '../partners/key-source.js';
import type { Partner } from '../types/schemas.js';

/**
 * Results of codes whose signature verified moments ago, so that a checkpoint scanning the same
 * code again (a queue re-scanned, a phone shown twice) skips the parsing, the signature and the
 * normalisation. Keyed by the whole compact JWS: a code differing in one bit is another key and
 * is verified in full.
 *
 * An entry is only a claim to be re-checked, never an answer by itself (verify-code.ts does it on
 * every hit, with the injected clock):
 * - exp / nbf / iat are checked again against the current time (RFC 7519 §4.1.4): the entry can
 *   never outlive the code;
 * - the issuer's registry entry must be the very object the code was verified against, and active:
 *   a partner reload (removed, suspended, changed colour map or keys URI) empties it in effect;
 * - the key source must still hand out the very key object that verified the signature: a key
 *   rotated out, a JWKS refetch, keys stale beyond their bound all send the code to full
 *   verification, which then answers what is true now.
 * Status (superseded, revoked, a partner's status list) is not cached at all: verify-service.ts
 * evaluates it after every verification, hit or miss.
 *
 * Bounded by entries (VERIFY_CACHE_MAX_ENTRIES): least recently used entries go first. Only codes
 * that verified are stored, so refused input cannot fill it; at most 4 KiB of JWS per entry.
 */
export interface VerifiedEntry<T> {
  /** The verifier's valid outcome, as first computed. */
  outcome: T;
  partner: Partner;
  key: VerificationKey;
  /** As the code's header named it (absent: RFC 7515 §4.1.4 allows a code without kid). */
  kid: string | undefined;
  alg: string;
}

export class VerifiedCache<T extends object> {
  private readonly entries: LRUCache<string, VerifiedEntry<T>>;
  hits = 0;
  misses = 0;

  /** `onLookup` is told of every lookup (the gateway counts them in gateway_verified_cache_lookups_total). */
  constructor(
    readonly maxEntries: number,
    private readonly onLookup: (hit: boolean) => void = () => undefined,
  ) {
    this.entries = new LRUCache<string, VerifiedEntry<T>>({ max: maxEntries });
  }

  get(jws: string): VerifiedEntry<T> | undefined {
    const entry = this.entries.get(jws);
    if (entry) this.hits += 1;
    else this.misses += 1;
    this.onLookup(entry !== undefined);
    return entry;
  }

  set(jws: string, entry: VerifiedEntry<T>): void {
    this.entries.set(jws, entry);
  }

  delete(jws: string): void {
    this.entries.delete(jws);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
