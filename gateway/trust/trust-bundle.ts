import { CompactSign } from 'jose';
import type { KeySource } from '../partners/key-source.js';
import type { CredentialStatusList, Partner, TrustBundle, TrustedPartner } from '../types/schemas.js';
import type { LoadedKey } from '../issuer/keystore.js';

import { TRUST_BUNDLE_TYP } from './trust-bundle-typ.js';

export { TRUST_BUNDLE_PATH, TRUST_BUNDLE_TYP } from './trust-bundle-typ.js';

export interface TrustBundleDeps {
  issuer: string;
  registry: { list(): readonly Partner[]; readonly selfId?: string | undefined };
  keySource: KeySource;
  /** Partners' status lists (partners/status-cache.ts). */
  statusLists: { snapshot(partner: Partner): Promise<Array<{ jti: string; status: 'superseded' | 'revoked' }> | 'none' | null> };
  /** The gateway's own status list, as GET /.well-known/health-code-status publishes it. */
  ownStatusList: () => Promise<CredentialStatusList>;
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
  // list of the same records (own-code-status.ts), like any partner's.
  if (partner.id === deps.registry.selfId) {
    const own = await deps.ownStatusList();
    entry.statusList = { entries: own.entries.map((e) => ({ jti: e.jti, status: e.status })) };
    return entry;
  }
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
