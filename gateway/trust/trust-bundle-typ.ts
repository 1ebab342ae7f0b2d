/** Explicit typing (RFC 8725 §3.11): a trust bundle can never be taken for a health code, nor one for it. */
export const TRUST_BUNDLE_TYP = 'health-code-trust+jwt';
export const TRUST_BUNDLE_PATH = '/.well-known/health-code-trust';
