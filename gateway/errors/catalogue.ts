/**
 * Every error code the gateway can answer with. Codes are API: once published they are never
 * renamed, never reused for another meaning, never removed (mark them deprecated in docs/errors.md
 * instead). `tests/unit/error-catalogue.test.ts` checks this list against docs/errors.md and
 * openapi.yaml in both directions, and checks that every code here is thrown somewhere.
 */
export const ERROR_CATALOGUE = {
  // --- request shape (any endpoint)
  ERR_INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body is larger than the gateway accepts.' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the request body as application/json.' },
  ERR_VALIDATION: { status: 400, message: 'The request does not match the schema.' },
  ERR_NOT_FOUND: { status: 404, message: 'No such resource.' },
  ERR_INTERNAL: { status: 500, message: 'ERR_INTERNAL' },
  ERR_RATE_LIMITED: { status: 429, message: 'Too many requests from this client; retry after the number of seconds in Retry-After.' },
  // Refused by Node's HTTP parser before any route (gateway/http/client-error.ts).
  ERR_MALFORMED_REQUEST: { status: 400, message: 'The request is not well-formed HTTP.' },
  ERR_HEADERS_TOO_LARGE: { status: 431, message: 'The request line and headers are larger than the gateway accepts.' },
  // Admission control (gateway/admission/work-pool.ts): slow work is refused at once, never queued without bound.
  ERR_OVERLOADED: { status: 503, message: 'The gateway is busy with this kind of work; nothing was done, retry after the number of seconds in Retry-After.' },

  // --- declarations (Xinji notice rules)
  ERR_DOCUMENT_INVALID: { status: 400, message: 'The document number does not match the format of its document type.' },
  ERR_DOCUMENT_CHECKSUM: { status: 400, message: 'The check character of the ID number is wrong.' },
  ERR_PHONE_INVALID: { status: 400, message: 'The phone number is not a mainland mobile number.' },
  ERR_PHONE_FOREIGN: { status: 400, message: 'Foreign mobile numbers are not supported; use a mainland mobile number.' },
  ERR_ATTESTATION_REQUIRED: { status: 400, message: 'The declaration must be attested as truthful.' },
  ERR_DOCUMENT_ALREADY_REGISTERED: { status: 409, message: 'A health code already exists for this document.' },
  ERR_UNAUTHENTICATED: { status: 401, message: 'A valid bearer token is required.' },
  ERR_FORBIDDEN: { status: 403, message: 'This token may not act on this subject.' },
  ERR_PROXY_NOT_GREEN: { status: 403, message: 'Only a holder whose code is green may declare for others.' },
  ERR_PROXY_HOLDER_LIMIT: { status: 409, message: 'This holder already declares for the maximum of 3 people.' },
  ERR_PROXY_SUBJECT_LIMIT: { status: 409, message: 'This person already has the maximum of 3 proxies.' },
  ERR_PROXY_SELF: { status: 400, message: 'A holder cannot declare for itself as a proxy.' },
  ERR_MODIFICATION_LIMIT: { status: 429, message: 'The declaration was already modified today (Asia/Shanghai); try again tomorrow.' },
  // POLICY_END (issue 19, item 6): the health code was a temporary policy; it has ended.
  ERR_POLICY_ENDED: { status: 410, message: 'The health-code policy has ended: no declarations, codes or scans any more.' },
  ERR_SUBJECT_NOT_FOUND: { status: 404, message: 'No such subject.' },
  ERR_DECLARATION_QUEUED: { status: 409, message: 'The declaration is still queued; it can be modified once its code is ready.' },
  ERR_PROXY_REQUEST_NOT_FOUND: { status: 404, message: 'No pending proxy request with this id: it expired, was answered, or never existed.' },
  ERR_PROXY_NOT_FOUND: { status: 404, message: 'This person has no proxy with this id.' },
  ERR_PROXY_IDENTITY_CHANGE: {
    status: 403,
    message: 'A proxy may change only the health facts (travel, symptoms, contact); the name, phone and document stay as the person declared them.',
  },
  ERR_CHECK_IN_LIMIT: { status: 409, message: 'This person already checked in today (Asia/Shanghai); the next check-in is possible tomorrow.' },

  // --- people: owners, recovery, the counter's claim (issue 17)
  ERR_HOLDER_TOKEN_EXPIRED: { status: 401, message: 'This holder token was not used for too long and has ended; recover the code (找回健康码).' },
  ERR_RECOVERY_CODE_INVALID: { status: 400, message: 'The one-time code is wrong, used up or expired; ask for a new one.' },
  ERR_RECOVERY_UNAVAILABLE: { status: 503, message: 'Recovery by phone is not configured on this gateway; sign in, or ask at a counter.' },
  ERR_DOCUMENT_CLAIM_REQUIRED: {
    status: 409,
    message: 'This document was released at a counter for its owner: declare it with the claim code given there.',
  },

  ERR_SIGN_IN_UNAVAILABLE: { status: 404, message: 'Sign-in with the identity provider is not configured on this gateway.' },
  ERR_SIGN_IN_PROVIDER_UNAVAILABLE: { status: 503, message: 'The identity provider cannot be reached; nothing was changed, retry later.' },
  ERR_SIGN_IN_STATE: { status: 400, message: 'This sign-in was not started here, was started too long ago, or was answered already; start again.' },
  ERR_SIGN_IN_REFUSED: { status: 401, message: "The identity provider's answer did not verify (code, ID token signature, audience, expiry or nonce); nothing was changed." },
  ERR_SIGN_IN_CLAIMS: { status: 403, message: 'The identity provider did not vouch for a name and resident ID matching this health code.' },

  // --- printed passes (通行证)
  ERR_PASS_NOT_GREEN: { status: 409, message: 'A 通行证 is printed only for a person whose colour is green now.' },
  ERR_PASS_NOT_FOUND: { status: 404, message: 'No 通行证 with this id.' },

  // --- checkpoint devices
  ERR_DEVICE_UNAUTHORIZED: { status: 401, message: 'A checkpoint device token is missing, unknown or revoked.' },

  // --- risk feed
  ERR_RISK_FEED_UNAUTHORIZED: { status: 401, message: 'The risk-feed token is missing or wrong.' },

  // --- partners
  ERR_PARTNER_ADMIN_UNAUTHORIZED: { status: 401, message: 'The admin token is missing or wrong.' },
  ERR_PARTNER_CONFIG_INVALID: { status: 400, message: 'The partner files are invalid; the current partners stay in force.' },

  // --- verification results (answered inside 200 { valid: false, error }) and checkpoint reasons
  ERR_CODE_MALFORMED: { status: 400, message: 'The code is not a well-formed compact JWS or QR text.' },
  ERR_CODE_TOO_LARGE: { status: 400, message: 'The code is longer than any health code.' },
  ERR_JWS_HEADER_INVALID: { status: 400, message: 'The JWS header is not acceptable.' },
  ERR_JWS_ALG_NOT_ALLOWED: { status: 400, message: 'The signing algorithm is not allowed for this issuer.' },
  ERR_JWS_CRIT_UNSUPPORTED: { status: 400, message: 'The JWS names a critical extension the gateway does not understand.' },
  ERR_JWS_SIGNATURE_INVALID: { status: 400, message: 'The signature does not verify with the issuer\'s key.' },
  ERR_KID_UNKNOWN: { status: 400, message: 'The issuer has no key with this key id.' },
  ERR_ISSUER_UNKNOWN: { status: 400, message: 'The issuer is not a registered partner.' },
  ERR_ISSUER_SUSPENDED: { status: 400, message: 'The issuer is suspended.' },
  ERR_KEYS_UNAVAILABLE: { status: 400, message: 'The issuer\'s keys cannot be obtained right now.' },
  ERR_CLAIMS_INVALID: { status: 400, message: 'The code lacks a required claim or a claim has the wrong type.' },
  ERR_TOKEN_EXPIRED: { status: 400, message: 'The code has expired.' },
  ERR_TOKEN_LIFETIME_TOO_LONG: { status: 400, message: "The code is valid for longer than its issuer's codes may be (partner maxLifetimeSeconds)." },
  ERR_TOKEN_NOT_YET_VALID: { status: 400, message: 'The code is not valid yet.' },
  ERR_TOKEN_ISSUED_IN_FUTURE: { status: 400, message: 'The code claims to be issued in the future.' },
  ERR_COLOR_UNMAPPED: { status: 400, message: 'The issuer\'s colour value is not in its registered vocabulary.' },
  ERR_CREDENTIAL_SUPERSEDED: { status: 400, message: 'The code was superseded by a newer colour.' },
  ERR_CREDENTIAL_REVOKED: { status: 400, message: 'The code was revoked.' },
  ERR_STATUS_UNAVAILABLE: { status: 400, message: 'The issuer\'s status list cannot be obtained right now.' },
  ERR_PASS_UNVERIFIABLE: { status: 400, message: 'This 通行证 carries no colour and its issuer publishes no status list, so whether its holder is green now cannot be known.' },
  ERR_STATUS_REFERENCE_INVALID: { status: 400, message: 'The code\'s status claim is missing, malformed, names another list or an index outside its issuer\'s status list.' },
  // The verifier library's trust bundle (gateway/trust/accept-bundle.ts): never an HTTP answer of
  // this gateway, but the same `{ valid: false, error }` the library returns where POST /v1/verify would.
  ERR_TRUST_BUNDLE_INVALID: { status: 400, message: 'The trust bundle is not a health-code-trust JWS signed by a pinned key.' },
  ERR_TRUST_BUNDLE_NOT_NEWER: { status: 400, message: 'The trust bundle is not newer than the one already held.' },
  ERR_TRUST_BUNDLE_FROM_FUTURE: { status: 400, message: 'The trust bundle was made in the future (beyond the clock tolerance): check the clocks of the gateway and of this device.' },
  ERR_TRUST_BUNDLE_EXPIRED: { status: 400, message: 'The trust bundle has expired: fetch a new one from the gateway before verifying offline.' },
  ERR_TRUST_BUNDLE_MISSING: { status: 400, message: 'No trust bundle is held yet: fetch one from the gateway before verifying offline.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}
