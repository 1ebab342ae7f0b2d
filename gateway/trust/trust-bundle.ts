import { CompactSign } from 'jose';
import type { KeySource } from '../partners/key-source.js';
import type { Partner, TrustBundle, TrustedPartner, TrustedTokenStatusList } from '../types/schemas.js';
import type { LoadedKey } from '../issuer/keystore.js';

import { TRUST_BUNDLE_TYP } from './trust-bundle-typ.js';

export { TRUST_BUNDLE_PATH, TRUST_BUNDLE_TYP } from './trust-bundle-typ.js';

export interface TrustBundleDeps {
  issuer: string;
  registry: { list(): readonly Partner[]; readonly selfId?: string | undefined };
  keySource: KeySource;
  /** Partners' status lists (partners/status-cache.ts). */
  statusLists: { snapshot(partner: Partner): Promise<Array<{ jti: string; status: 'superseded' | 'revoked' }> | 'none' | null> };
  /** The gateway's own Token Status List, as GET /sl/1 publishes it (status-list/own-status-list.ts). */
  ownStatusList: () => Promise<TrustedTokenStatusList>;
  /** Partners' Token Status Lists (partners/token-status-cache.ts): 'none' without statusListUri, null without a usable copy. */
  tokenStatusLists?: { snapshot(partner: Partner): Promise<TrustedTokenStatusList | 'none' | null> };
  clockToleranceSeconds: number;
  /** How long a bundle may be used: JWKS_STALE_MAX_SECONDS, the bound the gateway keeps unrefreshable keys and lists. */
  lifetimeSeconds: number;
  now: () => number;
}

async function trustedPartner(deps: TrustBundleDeps, partner: Partner): Promise<TrustedPartner> {
  // A suspended partner is named, without keys, so that its codes are refused offline as
  // ERR_ISSUER_SUSPENDED, as the gateway refuses them, not as an unknown issuer.
  if (partner.status !== 'active') return { descriptor: partner, keys: null };
  const keys = deps.keySource.snapshot ? await deps.keySource.snapshot(partner) : null;
  const entry: TrustedPartner = {
    descriptor: partner,
    keys: keys === null ? null : keys.map((k) => ({ kid: k.kid, alg: k.alg as NonNullable<TrustedPartner['keys']>[number]['alg'], jwk: k.jwk })),
  };
  // The gateway checks its own codes against its records; an offline verifier has the published
  // Token Status List of the same records (own-status-list.ts): a few hundred bytes for a quiet
  // province, where the JSON list of withdrawn jti grew by 141 bytes a code.
  if (partner.id === deps.registry.selfId) {
    const { uri, bits, lst } = await deps.ownStatusList();
    entry.tokenStatusList = { uri, bits, lst };
    return entry;
  }
  const token = deps.tokenStatusLists ? await deps.tokenStatusLists.snapshot(partner) : 'none';
  if (token !== 'none') entry.tokenStatusList = token;
  const listed = await deps.statusLists.snapshot(partner);
  if (listed !== 'none') entry.statusList = listed === null ? null : { entries: listed };
  return entry;
}

/**
 * A snapshot of everything POST /v1/verify decides with, for verifiers without a network: each
 * active partner (the gateway's own issuer first) with the keys and status list the gateway holds
 * now, and each suspended one by its descriptor alone.
 */
export async function buildTrustBundle(deps: TrustBundleDeps): Promise<TrustBundle> {
  const now = deps.now();
  return {
    iss: deps.issuer,
    generatedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + deps.lifetimeSeconds * 1000).toISOString(),
    clockToleranceSeconds: deps.clockToleranceSeconds,
    partners: await Promise.all(deps.registry.list().map((p) => trustedPartner(deps, p))),
  };
}

/** The bundle as a compact JWS signed by the gateway's active issuer key (the key its codes are signed with). */
export async function signTrustBundle(bundle: TrustBundle, key: LoadedKey): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(bundle)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: TRUST_BUNDLE_TYP })
    .sign(key.privateKey);
}
