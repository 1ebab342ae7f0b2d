import { GatewayError, isGatewayError } from '../gateway/errors/gateway-error.js';
import { acceptTrustBundle, importPinnedKeys, usableBundle, type PinnedKey } from '../gateway/trust/accept-bundle.js';
import type { CheckpointDecision, IdentityDocument, Partner, PublicJwk, TrustBundle, TrustedPartner, VerifyResult } from '../gateway/types/schemas.js';
import { decideAtCheckpoint, scryptBindingCheck } from '../gateway/verify/checkpoint-rule.js';
import { createVerifier, type VerifyOutcome } from '../gateway/verify/verify-code.js';
import { checkStatusReference, decodeStatusListClaim, type StatusArray } from '../gateway/verify/token-status-list.js';
import { matchesBinding } from './binding.js';
import { BundleKeySource } from './bundle-key-source.js';

/** What take() answers: the bundle now held, or why the offered one was refused (the held one stays). */
export type TakeResult =
  | { accepted: true; generatedAt: string; expiresAt: string }
  | { accepted: false; error: { code: string; message: string } };

export interface HeldBundle {
  /** The compact JWS as taken: what a page stores (localStorage) and offers again to take() after a reload. */
  jws: string;
  generatedAt: string;
  expiresAt: string;
  /** Seconds since the gateway made the snapshot, at `now`: what a checkpoint shows beside 离线核验. */
  ageSeconds: number;
}

/** The checkpoint rule of the Xinji notice: a reading equal to 37.3 °C is a fever (CHECKPOINT_FEVER_C). */
export const DEFAULT_FEVER_THRESHOLD_C = 37.3;

/** The binding checked with @noble/hashes' scrypt: the page never holds the document pepper. */
const LIBRARY_BINDING_CHECK = scryptBindingCheck(matchesBinding);

interface Loaded {
  jws: string;
  bundle: TrustBundle;
  byIssuer: Map<string, Partner>;
  /** Each partner's status snapshot by jti (revoked outranks superseded, as in status-cache.ts); absent: no list. */
  listed: Map<string, Map<string, 'superseded' | 'revoked'> | null>;
  /** Each partner's Token Status List, decoded once per bundle; null: none usable (or malformed). */
  tokenLists: Map<string, { uri: string; list: StatusArray } | null>;
  keySource: BundleKeySource;
}

/**
 * Verify health codes as POST /v1/verify does, without the gateway: the verify pipeline of the
 * gateway itself (gateway/verify/), fed with a signed trust bundle instead of live registries,
 * key caches and status lists. Runs unchanged in Node and in browsers.
 *
 *   const store = await TrustStore.create({ pinnedKeys: jwks.keys });
 *   await store.take(bundleJws);                  // signed by a pinned key, newer, not expired
 *   const result = await store.verify(code);      // { valid: true, credential } | { valid: false, error }
 *
 * Every `now` is an injected clock (epoch ms, default Date.now()).
 */
export class TrustStore {
  private loaded: Loaded | undefined;

  private constructor(private readonly pinned: readonly PinnedKey[]) {}

  /** `pinnedKeys`: the gateway's public signing keys (its /.well-known/jwks.json `keys`), obtained when it was trusted. */
  static async create(options: { pinnedKeys: readonly PublicJwk[] }): Promise<TrustStore> {
    const pinned = await importPinnedKeys(options.pinnedKeys);
    if (pinned.length === 0) throw new TypeError('TrustStore needs at least one pinned ES256 or EdDSA key with kid and alg');
    return new TrustStore(pinned);
  }

  /** Takes `jws` if it is signed by a pinned key, newer than the bundle held and not expired at `now`. */
  async take(jws: string, now: number = Date.now()): Promise<TakeResult> {
    try {
      const bundle = await acceptTrustBundle(jws, this.pinned, this.loaded?.bundle, now);
      this.loaded = {
        jws: jws.trim(),
        bundle,
        byIssuer: new Map(bundle.partners.map((p) => [p.descriptor.issuer, p.descriptor])),
        listed: listedByPartner(bundle.partners),
        tokenLists: tokenListsByPartner(bundle.partners),
        keySource: new BundleKeySource(bundle),
      };
      return { accepted: true, generatedAt: bundle.generatedAt, expiresAt: bundle.expiresAt };
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      return { accepted: false, error: { code: error.code, message: error.message } };
    }
  }

  /** The bundle held, if any. */
  held(now: number = Date.now()): HeldBundle | undefined {
    if (!this.loaded) return undefined;
    const { jws, bundle } = this.loaded;
    const ageSeconds = Math.max(0, Math.floor((now - Date.parse(bundle.generatedAt)) / 1000));
    return { jws, generatedAt: bundle.generatedAt, expiresAt: bundle.expiresAt, ageSeconds };
  }

  /** The outcome of the gateway's pipeline, then the bundle's status snapshot, as the verify service does. */
  async outcome(code: string, now: number = Date.now()): Promise<VerifyOutcome> {
    let loaded: Loaded;
    try {
      loaded = usableBundle(this.loaded, now);
    } catch (error) {
      return { valid: false, error: error as GatewayError };
    }
    const verifier = createVerifier({
      registry: { byIssuer: (iss) => loaded.byIssuer.get(iss) },
      keySource: loaded.keySource,
      now: () => now,
      clockToleranceSeconds: loaded.bundle.clockToleranceSeconds,
    });
    const outcome = await verifier(code);
    if (!outcome.valid) return outcome;
    // A 通行证 carries no colour: it is green only while its issuer's status data (the Token Status
    // List, or the older jti snapshot) does not list it. Without either, no pass (fail closed).
    const partnerId = outcome.partner.id;
    if (outcome.credential.kind === 'pass' && !loaded.tokenLists.has(partnerId) && !loaded.listed.has(partnerId)) {
      return { valid: false, error: new GatewayError('ERR_PASS_UNVERIFIABLE'), partnerId };
    }
    const listed = statusError(loaded.listed, partnerId, outcome.jti) ?? tokenStatusError(loaded.tokenLists, partnerId, outcome.payload);
    return listed ? { valid: false, error: listed, partnerId } : outcome;
  }

  /** Exactly the body POST /v1/verify answers with. */
  async verify(code: string, now: number = Date.now()): Promise<VerifyResult> {
    const outcome = await this.outcome(code, now);
    return outcome.valid ? { valid: true, credential: outcome.credential } : { valid: false, error: outcome.error.toJSON() };
  }

  /** The checkpoint decision (亮码 + 身份证 + 测温) of POST /v1/checkpoint/scans, offline. */
  async decide(scan: { code: string; document: IdentityDocument; temperatureC: number }, now: number = Date.now(), feverThresholdC = DEFAULT_FEVER_THRESHOLD_C): Promise<CheckpointDecision> {
    const outcome = await this.outcome(scan.code, now);
    return decideAtCheckpoint({ outcome, temperatureC: scan.temperatureC, document: scan.document, feverThresholdC, checkBinding: LIBRARY_BINDING_CHECK });
  }
}

function listedByPartner(partners: readonly TrustedPartner[]): Loaded['listed'] {
  const byPartner: Loaded['listed'] = new Map();
  for (const p of partners) {
    if (p.statusList === undefined) continue;
    if (p.statusList === null) {
      byPartner.set(p.descriptor.id, null);
      continue;
    }
    const listed = new Map<string, 'superseded' | 'revoked'>();
    for (const e of p.statusList.entries) if (listed.get(e.jti) !== 'revoked') listed.set(e.jti, e.status);
    byPartner.set(p.descriptor.id, listed);
  }
  return byPartner;
}

function tokenListsByPartner(partners: readonly TrustedPartner[]): Loaded['tokenLists'] {
  const byPartner: Loaded['tokenLists'] = new Map();
  for (const p of partners) {
    if (p.tokenStatusList === undefined) continue;
    let decoded: { uri: string; list: StatusArray } | null = null;
    try {
      // The bundle is signed by the gateway, which checked the partner's signature; a list that
      // still does not decode leaves that partner's codes unverifiable (fail closed), not the bundle.
      if (p.tokenStatusList) decoded = { uri: p.tokenStatusList.uri, list: decodeStatusListClaim(p.tokenStatusList) };
    } catch {
      decoded = null;
    }
    byPartner.set(p.descriptor.id, decoded);
  }
  return byPartner;
}

/** The answer of the gateway's Token Status List check (token-status-list.ts) from the bundle's copy. */
function tokenStatusError(lists: Loaded['tokenLists'], partnerId: string, payload: Record<string, unknown>): GatewayError | undefined {
  if (!lists.has(partnerId)) return undefined;
  const held = lists.get(partnerId);
  if (!held) return new GatewayError('ERR_STATUS_UNAVAILABLE');
  try {
    checkStatusReference(payload, held.uri, held.list);
    return undefined;
  } catch (error) {
    if (isGatewayError(error)) return error;
    throw error;
  }
}

/** The answer of the gateway's status check (status-cache.ts check) from the bundle's snapshot. */
function statusError(listed: Loaded['listed'], partnerId: string, jti: string): GatewayError | undefined {
  if (!listed.has(partnerId)) return undefined;
  const list = listed.get(partnerId);
  if (!list) return new GatewayError('ERR_STATUS_UNAVAILABLE');
  const status = list.get(jti);
  if (status === 'revoked') return new GatewayError('ERR_CREDENTIAL_REVOKED');
  return status === 'superseded' ? new GatewayError('ERR_CREDENTIAL_SUPERSEDED') : undefined;
}
