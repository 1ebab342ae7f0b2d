/**
 * Why one key of a partner's JWK Set is not used. The codes are API, like error codes: shown in
 * GET /v1/partners (`skippedKeys[].reason`), in the `gateway_partner_keys_skipped` metric label,
 * in the log line of each fetch, and reused by the partner self-test. Add codes; never rename or
 * reuse one. Each skip concerns one key only: the partner's other keys keep working
 * (RFC 7517 §5: a member or key that cannot be used is ignored, not fatal to the set).
 */
export const KEY_SKIP_REASONS = {
  malformed: 'The entry is not a JWK object, or one of its members has the wrong type or is over its length bound.',
  unsupported_kty: 'The key type (kty) is not one this gateway verifies with (EC, OKP, RSA), e.g. a post-quantum AKP key.',
  kid_invalid: 'The kid is not a string of 1 to 128 characters.',
  not_for_signing: 'The key says it is not for verifying signatures (use other than "sig", or key_ops without "verify"; RFC 7517 §4.2, §4.3).',
  alg_not_pinned: "The key's own alg is not one of the algorithms the partner file pins (RFC 8725 §3.1).",
  type_mismatch: "The key's type or curve fits none of the partner's pinned algorithms (or not its own alg).",
  rsa_alg_ambiguous: 'An RSA key without alg while the partner pins both RS256 and PS256: it is bound to one algorithm only when the partner lists exactly one.',
  rsa_too_short: 'An RSA modulus under 2048 bits (NIST SP 800-131A rev. 2).',
  rsa_weak_exponent: 'An RSA public exponent of 1, even, or under 65537: with e = 1 anyone can forge signatures, small or even exponents are unsafe.',
  ed25519_small_order: 'An Ed25519 public key of small order (one of the 8 torsion points, the identity included): signatures under it can be forged without any secret.',
  duplicate_kid: 'Two keys usable for the same algorithm share this kid: the gateway cannot tell which one the issuer meant (RFC 7517 §4.5).',
  not_importable: 'The key material is not a valid public key (e.g. a point off its curve).',
} as const;

export type KeySkipReason = keyof typeof KEY_SKIP_REASONS;

/** The stable list of skip codes, for metric label sets and the partner self-test. */
export const KEY_SKIP_REASON_CODES = Object.keys(KEY_SKIP_REASONS) as KeySkipReason[];

/** Skip codes of keys that would let anyone forge the partner's codes: refused, not just unusable. */
export const FORGEABLE_KEY_REASONS: readonly KeySkipReason[] = ['rsa_weak_exponent', 'ed25519_small_order'];

/** One skipped key: where it sits in the set, its kid (as published, cut to 128 characters), why. */
export interface SkippedKey {
  index: number;
  kid: string | null;
  reason: KeySkipReason;
}
