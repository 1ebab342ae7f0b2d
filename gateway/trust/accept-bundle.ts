import { importJWK, type CryptoKey, type JWK } from 'jose';
import { GatewayError } from '../errors/gateway-error.js';
import { validateTrustBundle } from '../schemas/standalone-validators.js';
import type { PublicJwk, TrustBundle } from '../types/schemas.js';
import { PinnedDocumentError, readPinnedDocument, type PinnedDocumentType } from '../verify/pinned-document.js';
import { TRUST_BUNDLE_TYP } from './trust-bundle-typ.js';

/**
 * Whether a verifier may take a trust bundle (GET /.well-known/health-code-trust): a compact JWS
 * of typ health-code-trust+jwt (RFC 8725 §3.11), parsed as strictly as a code (parse-compact.ts),
 * signed by one of the keys the verifier pinned — never a key named or carried by the bundle
 * itself (RFC 8725 §3.10) — whose payload matches trust-bundle.schema.json, newer than the bundle
 * held (a replayed old bundle would bring back revoked codes and withdrawn keys) and not expired.
 *
 * Runs unchanged in browsers (jose on WebCrypto): the verifier library and the checkpoint page use it.
 */
export interface PinnedKey {
  kid: string;
  alg: string;
  key: CryptoKey;
}

/** The pinned keys from a JWK Set (e.g. the gateway's /.well-known/jwks.json, saved when it was trusted). */
export async function importPinnedKeys(jwks: readonly PublicJwk[]): Promise<PinnedKey[]> {
  const keys: PinnedKey[] = [];
  for (const jwk of jwks) {
    if (typeof jwk.kid !== 'string' || (jwk.alg !== 'ES256' && jwk.alg !== 'EdDSA')) continue;
    const { kty, crv, x, y } = jwk;
    const key = await importJWK({ kty, crv, x, ...(y === undefined ? {} : { y }) } as JWK, jwk.alg);
    keys.push({ kid: jwk.kid, alg: jwk.alg, key: key as CryptoKey });
  }
  return keys;
}

/**
 * Longest bundle taken. Not the health-code bound (4 096): a bundle carries every partner's status
 * list, up to 100 000 entries each (trust-bundle.schema.json), about 8 MB of base64url for a full
 * list; the bound only keeps a hostile offer from costing unbounded work.
 */
export const MAX_TRUST_BUNDLE_CHARS = 16 * 1024 * 1024;

const invalid = (message?: string): GatewayError => new GatewayError('ERR_TRUST_BUNDLE_INVALID', message);

/** The trust bundle as a document signed with pinned keys (verify/pinned-document.ts reads it). */
const TRUST_BUNDLE: PinnedDocumentType<TrustBundle, TrustBundle> = {
  noun: 'bundle',
  typ: TRUST_BUNDLE_TYP,
  maxChars: MAX_TRUST_BUNDLE_CHARS,
  checkPayload: (payload) => (validateTrustBundle(payload) ? undefined : 'The trust bundle does not match trust-bundle.schema.json.'),
  expiresAt: (bundle) => bundle.expiresAt,
  // A replayed old bundle would bring back revoked codes and withdrawn keys.
  notNewer: (bundle, held) => (Date.parse(bundle.generatedAt) > Date.parse(held.generatedAt) ? undefined : 'not newer than the bundle held'),
};

/** Each refusal as the ERR_TRUST_BUNDLE_* code it has always had (codes are API). */
function bundleError({ reason, detail }: PinnedDocumentError): GatewayError {
  switch (reason) {
    case 'no_kid':
    case 'unpinned_key': return invalid('The trust bundle is not signed by a pinned key.');
    case 'invalid_payload': return invalid(detail);
    case 'expired': return new GatewayError('ERR_TRUST_BUNDLE_EXPIRED');
    case 'not_newer': return new GatewayError('ERR_TRUST_BUNDLE_NOT_NEWER');
    default: return invalid();
  }
}

/** The clock skew granted between the gateway that made a bundle and the verifier (CLOCK_TOLERANCE_SECONDS' default). */
export const BUNDLE_CLOCK_TOLERANCE_SECONDS = 60;

/**
 * The bundle's payload when `jws` may replace `held` at `now`; throws GatewayError ERR_TRUST_BUNDLE_*.
 *
 * A bundle made in the future (beyond the clock tolerance) is refused (issue 19, item 4): taken,
 * it would make every honest bundle after it "not newer" until the verifier's clock caught up
 * with it — days, for a gateway whose clock ran ahead — and the device would keep deciding with
 * its old status lists. For the same reason a held bundle that is itself from the future (taken
 * before this rule, or before the device's clock was corrected) does not block the next bundle.
 */
export async function acceptTrustBundle(
  jws: string,
  pinned: readonly PinnedKey[],
  held: TrustBundle | undefined,
  now: number,
  clockToleranceSeconds: number = BUNDLE_CLOCK_TOLERANCE_SECONDS,
): Promise<TrustBundle> {
  const latest = now + clockToleranceSeconds * 1000;
  const comparable = held && Date.parse(held.generatedAt) <= latest ? held : undefined;
  let bundle: TrustBundle;
  try {
    bundle = (await readPinnedDocument(TRUST_BUNDLE, jws, pinned, now, comparable)).document;
  } catch (error) {
    throw error instanceof PinnedDocumentError ? bundleError(error) : error;
  }
  if (Date.parse(bundle.generatedAt) > latest) throw new GatewayError('ERR_TRUST_BUNDLE_FROM_FUTURE');
  return bundle;
}

/**
 * The bundle a verifier may decide with at `now`. Fail closed without one, and past its expiresAt:
 * its keys may have been withdrawn since and its status list no longer says which codes were.
 */
export function usableBundle<T extends { bundle: TrustBundle }>(held: T | undefined, now: number): T {
  if (!held) throw new GatewayError('ERR_TRUST_BUNDLE_MISSING');
  if (Date.parse(held.bundle.expiresAt) <= now) throw new GatewayError('ERR_TRUST_BUNDLE_EXPIRED');
  return held;
}
