import { randomInt } from 'node:crypto';
import { GatewayError } from '../errors/gateway-error.js';
import type { Store } from '../store/store.js';

/**
 * How many statuses Xinji's list holds: 2^21 (2 097 152) indices, 256 KiB of bits before
 * compression. At a million codes held at once it is about half full, so a random probe finds a
 * free index within two tries on average; its compressed size depends only on how many codes
 * were withdrawn (bench/status-list.ts).
 */
export const STATUS_LIST_SIZE = 2 ** 21;

/** Probes before giving up: at 90 % full the chance that all miss is 0.9^32 ≈ 3 %. */
const MAX_PROBES = 32;

/**
 * How long after a credential's exp its index stays taken: past exp + the verifiers' clock
 * tolerance the credential is refused on its exp alone, and this margin covers clocks and lists
 * cached by partners (draft-ietf-oauth-status-list §13.2: an index must not be reused while a
 * token that names it may still be accepted).
 */
export const INDEX_HOLD_MARGIN_MS = 5 * 60_000;

export interface IndexAllocation {
  store: Pick<Store, 'reserveStatusIndex'>;
  now: () => number;
  clockToleranceSeconds: number;
  /** The random source (default node:crypto randomInt); tests and benches may inject one. */
  random?: (size: number) => number;
  size?: number;
}

/**
 * An index of Xinji's Token Status List for a credential (any kind: a health code, a pass) that
 * expires at `expiresAt`, reserved for `ref` (its jti). Indices are drawn uniformly at random from
 * a CSPRNG, not handed out in order: an index says nothing about when or to whom the credential
 * was issued (the draft's §12.5 on herd privacy and correlation). The store takes an index only if
 * it is free or its previous hold ended, in one statement, so two gateways sharing PostgreSQL can
 * never give one index to two live credentials.
 */
export async function allocateStatusIndex(deps: IndexAllocation, ref: string, expiresAt: number): Promise<number> {
  const size = deps.size ?? STATUS_LIST_SIZE;
  const random = deps.random ?? ((n: number) => randomInt(n));
  const heldUntil = expiresAt + deps.clockToleranceSeconds * 1000 + INDEX_HOLD_MARGIN_MS;
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    const idx = random(size);
    if (await deps.store.reserveStatusIndex(idx, ref, heldUntil, deps.now())) return idx;
  }
  // Only a list nearly full of live credentials gets here: the honest answer is "not now".
  throw new GatewayError('ERR_OVERLOADED', 'No free index in the status list; retry in a moment.', { retryAfterSeconds: 5 });
}
