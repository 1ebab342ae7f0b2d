import { GatewayError } from '../../../gateway/errors/gateway-error.js';
import { decideAtCheckpoint } from '../../../gateway/verify/checkpoint-rule.js';
import { DEFAULT_FEVER_THRESHOLD_C, TRUST_BUNDLE_PATH, TrustStore, type CheckpointDecision, type HeldBundle, type IdentityDocument, type PublicJwk } from '../../../verifier/index.js';
import { store } from '../shared/dom.js';

/**
 * 离线核验: the verifier library (verifier/, bundled into this page's script) with the last trust
 * bundle this device took, for when the gateway cannot be reached. docs/verifier.md ("In the
 * browser") and docs/pages.md say why the keys are pinned on the device and what differs offline.
 *
 * On the device (localStorage): the gateway's public keys (hc.trustKeys, pinned once) and the
 * bundle's compact JWS (hc.trustBundle). Neither holds anything personal: keys, partner
 * descriptors and status lists (jti + status). The document pepper is never here: Xinji codes are
 * checked through their scrypt binding like any partner's.
 */
const KEYS = 'hc.trustKeys';
const BUNDLE = 'hc.trustBundle';
const FETCH_TIMEOUT_MS = 10_000;
/** The gateway's status snapshot is only as fresh as the bundle: take a new one this often while online. */
export const REFRESH_MS = 5 * 60_000;
/** One offline decision as a performance measure: on a real device, DevTools' performance timeline shows what it costs. */
export const DECISION_MEASURE = 'hc.offline-decision';

let trust: TrustStore | undefined;

async function fetchText(path: string): Promise<string | undefined> {
  try {
    const res = await fetch(path, { cache: 'no-store', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

async function fetchKeys(): Promise<PublicJwk[] | undefined> {
  const text = await fetchText('/.well-known/jwks.json');
  try {
    const keys = text === undefined ? undefined : (JSON.parse(text) as { keys?: unknown }).keys;
    return Array.isArray(keys) ? (keys as PublicJwk[]) : undefined;
  } catch {
    return undefined;
  }
}

/** A store trusting `keys`, holding `jws` when it is still takeable; undefined for keys it cannot use. */
async function storeOf(keys: PublicJwk[], jws: string | undefined): Promise<TrustStore | undefined> {
  try {
    const created = await TrustStore.create({ pinnedKeys: keys });
    if (jws) await created.take(jws);
    return created;
  } catch {
    return undefined;
  }
}

/** On load: the keys and bundle kept on this device, so the page can decide offline from the start. */
export async function restore(): Promise<void> {
  const keys = store.get<PublicJwk[]>(KEYS);
  trust = keys ? await storeOf(keys, store.get<string>(BUNDLE)) : undefined;
}

/**
 * While online: pin the gateway's keys if this device has none, then offer the gateway's current
 * bundle to the library, which takes it only when signed by a pinned key, newer and unexpired.
 * When the gateway has rotated its key (the bundle is signed by a key not pinned), the keys are
 * pinned again from the same origin the page's own script comes from.
 */
export async function refresh(): Promise<void> {
  if (!trust) {
    const keys = await fetchKeys();
    trust = keys ? await storeOf(keys, undefined) : undefined;
    if (!trust) return;
    store.set(KEYS, keys);
  }
  const jws = await fetchText(TRUST_BUNDLE_PATH);
  if (jws === undefined) return;
  let taken = await trust.take(jws);
  if (!taken.accepted && taken.error.code === 'ERR_TRUST_BUNDLE_INVALID') {
    const keys = await fetchKeys();
    const repinned = keys ? await storeOf(keys, trust.held()?.jws) : undefined;
    if (!repinned) return;
    taken = await repinned.take(jws);
    if (!taken.accepted) return;
    trust = repinned;
    store.set(KEYS, keys);
  }
  if (taken.accepted) store.set(BUNDLE, trust.held()!.jws);
}

/** Forgets the keys and the bundle (退出登录: the device may change hands). */
export function forget(): void {
  trust = undefined;
  store.remove(KEYS);
  store.remove(BUNDLE);
}

/** The bundle held now, with its age; undefined when none. */
export function heldBundle(now: number = Date.now()): HeldBundle | undefined {
  return trust?.held(now);
}

/**
 * The checkpoint decision of POST /v1/checkpoint/scans, made in the page. Without keys, without a
 * bundle, or past its expiresAt, every code is 无法核验 (ERR_TRUST_BUNDLE_MISSING / _EXPIRED):
 * fail closed, never 通行.
 */
export async function decideOffline(scan: { code: string; document: IdentityDocument; temperatureC: number }): Promise<CheckpointDecision> {
  const start = performance.now();
  const decision = trust ? await trust.decide(scan, Date.now()) : await refused(new GatewayError('ERR_TRUST_BUNDLE_MISSING'), scan);
  performance.measure(DECISION_MEASURE, { start });
  return decision;
}

function refused(error: GatewayError, scan: { document: IdentityDocument; temperatureC: number }): Promise<CheckpointDecision> {
  return decideAtCheckpoint({
    outcome: { valid: false, error },
    temperatureC: scan.temperatureC,
    document: scan.document,
    feverThresholdC: DEFAULT_FEVER_THRESHOLD_C,
    checkBinding: () => Promise.reject(new Error('not called for an invalid code')),
  });
}
