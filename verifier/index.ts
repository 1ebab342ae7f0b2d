/**
 * The health-code verifier library: verify Xinji's and its partners' codes as POST /v1/verify does,
 * in Node or in a browser, with a signed trust bundle (GET /.well-known/health-code-trust) instead
 * of a network. docs/verifier.md shows how to use it.
 */
export { TrustStore, DEFAULT_FEVER_THRESHOLD_C, type HeldBundle, type TakeResult } from './trust-store.js';
export { matchesBinding } from './binding.js';
export { TRUST_BUNDLE_PATH, TRUST_BUNDLE_TYP } from '../gateway/trust/trust-bundle-typ.js';
export type {
  CheckpointDecision,
  IdentityDocument,
  NormalizedCredential,
  PublicJwk,
  TrustBundle,
  VerifyResult,
} from '../gateway/types/schemas.js';
