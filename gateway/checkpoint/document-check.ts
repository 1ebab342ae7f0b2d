import { createHmac, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { WorkPool } from '../admission/work-pool.js';
import { limiterFactory, type Limiter } from '../limits/limiter.js';
import { LOCK_AFTER } from '../limits/limits.js';
import { documentKey } from '../declarations/secrets.js';
import { isCheckableBinding, matchesBinding } from '../identity/binding.js';
import { normalizeDocumentNumber } from '../identity/documents.js';
import type { IdentityDocument } from '../types/schemas.js';
import type { BindingVerdict } from '../verify/checkpoint-rule.js';
import type { ValidOutcome } from '../verify/verify-code.js';

/**
 * Is the presented document the one the code was issued for? Three ways to know, cheapest first:
 *
 * - Xinji's own codes: the gateway holds the subject's keyed document hash (documentKey, HMAC with
 *   the pepper) and the binding it wrote into the subject's codes. The presented document's keyed
 *   hash is compared with it in constant time — microseconds, no scrypt — and the code's binding
 *   must be the subject's current one, so a code issued before the document changed never matches
 *   the new document (nor the old: the stored hash is the new one).
 * - Partner codes matched moments ago: remembered under HMAC(pepper, partner, jti, document) until
 *   the code expires, so a person scanned again costs nothing. Only matches are remembered, and the
 *   key reveals neither the document nor the code.
 * - Other partner codes: the scrypt binding (identity/binding.ts) on the bounded binding pool; when
 *   that pool is full the scan is refused with 503 ERR_OVERLOADED (work-pool.ts).
 *
 * The answer must not become an oracle for guessing a document number: after LOCK_AFTER
 * mismatches for one code (partner + jti) every further scan of it is denied with
 * document_mismatch_locked until it expires, without computing anything. The counters live where
 * the rate limits do (limits/limiter.ts): with Redis or PostgreSQL one lock holds for every worker
 * and instance (issue 19, item 2), against ~10^8 candidate numbers (binding.ts), behind an
 * authenticated, rate-limited device. A scrypt check takes its count before it runs and gives it
 * back on a match, so concurrent scans of one code cannot all get past the lock, on any instance.
 *
 * The lock is per code, never per person (issue 19, item 4): a stranger's mismatches on one code
 * lock that code until its exp, at most CREDENTIAL_TTL_SECONDS (15 minutes); the holder's next
 * fresh code (a new jti) is not locked, so nobody can keep a holder out for longer than that.
 */
export { LOCK_AFTER };

export interface BindingCheckDeps {
  pepper: Buffer;
  pool: WorkPool;
  now: () => number;
  clockToleranceSeconds: number;
  /** Partner matches remembered (CHECKPOINT_MATCH_CACHE_MAX_ENTRIES); 0: none. */
  matchCacheMaxEntries: number;
  /** Told how each check was answered (a metric). */
  onCheck?: (method: 'lookup' | 'cache' | 'scrypt' | 'locked', verdict: BindingVerdict) => void;
  /** Told when a code becomes locked (a metric). */
  onLocked?: () => void;
  /** The mismatch counters (Limits.mismatches); default: this process's memory. */
  mismatches?: Limiter;
}

export type BindingCheck = (outcome: ValidOutcome, document: IdentityDocument) => Promise<BindingVerdict>;

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function createBindingCheck(deps: BindingCheckDeps): BindingCheck {
  const mismatches = deps.mismatches ?? limiterFactory({ kind: 'memory' })('mismatch', { points: LOCK_AFTER, windowSeconds: 900 });
  const matches = deps.matchCacheMaxEntries > 0 ? new LRUCache<string, number>({ max: deps.matchCacheMaxEntries }) : undefined;
  const report = deps.onCheck ?? (() => undefined);

  const matchKey = (lockKey: string, document: IdentityDocument): string =>
    createHmac('sha256', deps.pepper).update(`match\0${lockKey}\0${document.type}:${normalizeDocumentNumber(document.number)}`).digest('base64url');

  return async (outcome, document) => {
    // Valid until exp plus the tolerance the verifier grants: the lock and the memory end with the code.
    const until = Date.parse(outcome.credential.expiresAt) + deps.clockToleranceSeconds * 1000;
    const lockKey = `${outcome.partner.id}\0${outcome.jti}`;
    // The counter of a code ends with the code (whole seconds, at least one).
    const lifetime = Math.max(1, Math.ceil((until - deps.now()) / 1000));
    const counterKey = createHmac('sha256', deps.pepper).update(`lock\0${lockKey}`).digest('base64url');
    if ((await mismatches.peek(counterKey)).consumed >= LOCK_AFTER) {
      report('locked', 'document_mismatch_locked');
      return 'document_mismatch_locked';
    }
    let counted: number | undefined;

    let method: 'lookup' | 'cache' | 'scrypt';
    let matched: boolean;
    if (outcome.own) {
      method = 'lookup';
      matched = sameHex(documentKey(deps.pepper, document), outcome.own.documentKey) && outcome.binding === outcome.own.binding;
    } else {
      if (!isCheckableBinding(outcome.binding)) {
        report('lookup', 'binding_missing');
        return 'binding_missing';
      }
      const binding = outcome.binding;
      const key = matches && matchKey(lockKey, document);
      const remembered = key === undefined ? undefined : matches!.get(key);
      if (remembered !== undefined && remembered > deps.now()) {
        method = 'cache';
        matched = true;
      } else {
        method = 'scrypt';
        // Counted before the scrypt runs (so concurrent scans see it), given back on a match.
        const reserved = await mismatches.take(counterKey, 1, lifetime);
        if (!reserved.ok) {
          report('locked', 'document_mismatch_locked');
          return 'document_mismatch_locked';
        }
        counted = reserved.consumed;
        try {
          matched = await deps.pool.run(() => matchesBinding(binding, document));
        } catch (error) {
          await mismatches.giveBack(counterKey);
          throw error;
        }
        if (matched) await mismatches.giveBack(counterKey);
        if (matched && key !== undefined) matches!.set(key, until);
      }
    }

    if (matched) {
      report(method, 'match');
      return 'match';
    }
    counted ??= (await mismatches.take(counterKey, 1, lifetime)).consumed;
    if (counted === LOCK_AFTER) deps.onLocked?.();
    report(method, 'document_mismatch');
    return 'document_mismatch';
  };
}
