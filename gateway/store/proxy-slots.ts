import { MAX_PEOPLE_PER_PROXY, MAX_PROXIES_PER_PERSON, StoreConflict } from './store.js';

/**
 * Slot choice for a new proxy link. The choice is only a proposal: the UNIQUE constraints on
 * (proxy_id, proxy_slot) and (subject_id, subject_slot) decide. When two transactions propose
 * the same slot, one commits and the other gets a unique violation and proposes again with a
 * fresh view; after the last free slot is taken, the proposal itself fails with the limit.
 */

/**
 * How often a link insert is tried. A slot violation means a competing link committed, and at
 * most 3 can commit on the proxy side and 3 on the subject side before the limits answer, so
 * 7 attempts always suffice; the bound only guards against a bug looping forever.
 */
export const MAX_SLOT_ATTEMPTS = 8;

function lowestFree(used: readonly number[], max: number): number | undefined {
  const taken = new Set(used);
  for (let slot = 1; slot <= max; slot++) if (!taken.has(slot)) return slot;
  return undefined;
}

export interface SlotView {
  /** Whether the (proxy, subject) pair is already linked. */
  linked: boolean;
  proxySlots: readonly number[];
  subjectSlots: readonly number[];
}

/** The slots to try, or the conflict a client can act upon. */
export function pickSlots(view: SlotView): { proxySlot: number; subjectSlot: number } {
  if (view.linked) throw new StoreConflict('proxy_exists');
  const proxySlot = lowestFree(view.proxySlots, MAX_PEOPLE_PER_PROXY);
  if (proxySlot === undefined) throw new StoreConflict('proxy_holder_limit');
  const subjectSlot = lowestFree(view.subjectSlots, MAX_PROXIES_PER_PERSON);
  if (subjectSlot === undefined) throw new StoreConflict('proxy_subject_limit');
  return { proxySlot, subjectSlot };
}

/** Which constraint a unique violation hit, whatever the dialect's way of saying it. */
export type UniqueTarget = 'pair' | 'slot' | 'document' | 'other';

/** Thrown when every attempt lost a slot race: the request fails closed (a 5xx, never a 4th link). */
export class SlotContention extends Error {
  override name = 'SlotContention';
  constructor() {
    super('store: proxy slot contention persisted; no link was written');
  }
}
