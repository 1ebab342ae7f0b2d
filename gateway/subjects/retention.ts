import type { Store } from '../store/store.js';

/**
 * Personal data that ends with its purpose (issue 19, item 6; PIPL art. 19 and 47: kept no longer
 * than the purpose needs, deleted when the purpose is reached). The notice calls the health code
 * 疫情防控期间一项临时性政策: a subject nobody declared for, fetched a code of or scanned for
 * RETENTION_DAYS serves no purpose, and after POLICY_END none does.
 *
 * Order, so that nothing deleted still passes: the subject's codes are listed as revoked, then
 * its personal data is deleted (purgeSubject), then its codes are revoked once more — a code
 * issued in between either sees the purge when it re-reads its subject (code-issuer.ts) or is
 * caught by the second pass. The anonymous row with the code records stays only while those codes
 * could still be presented (the status list names them until their exp); then it goes too.
 */
export interface PurgeRequest {
  /** Subjects with no declaration, code request or scan since this time; undefined with `all`. */
  inactiveSince?: number;
  /** Every subject (after POLICY_END), and every person event of the epidemic feed. */
  all?: boolean;
  now: number;
}

export interface PurgeResult {
  /** Subjects whose personal data was deleted. */
  subjects: number;
  /** Codes listed as revoked for them. */
  codesRevoked: number;
  /** Anonymous rows removed because none of their codes can be presented any more. */
  rowsRemoved: number;
  /** Person events of the epidemic feed deleted (purge --all only). */
  personEvents: number;
}

const BATCH = 500;
export { ACTIVITY_GRANULARITY_MS, recordActivity } from '../store/activity.js';
/** Code records are kept a day past their exp (gateway.ts prunes them on the same margin). */
export const PURGED_ROW_MARGIN_MS = 86_400_000;

export async function purgeSubjects(store: Store, request: PurgeRequest): Promise<PurgeResult> {
  const before = request.all ? undefined : request.inactiveSince;
  if (!request.all && before === undefined) throw new RangeError('purge: inactiveSince or all is required');
  const result: PurgeResult = { subjects: 0, codesRevoked: 0, rowsRemoved: 0, personEvents: 0 };
  for (;;) {
    const ids = await store.subjectIdsToPurge(before, BATCH);
    if (ids.length === 0) break;
    let progressed = false;
    for (const id of ids) {
      result.codesRevoked += (await store.invalidateCredentials(id, 'revoked', request.now)).length;
      if (await store.purgeSubject(id, request.now, before)) {
        result.subjects += 1;
        progressed = true;
      }
      result.codesRevoked += (await store.invalidateCredentials(id, 'revoked', request.now)).length;
    }
    // Every id of the batch became active meanwhile (or was purged by another instance): stop
    // rather than select the same ids again.
    if (!progressed) break;
  }
  result.rowsRemoved = await store.deletePurgedSubjects(request.now - PURGED_ROW_MARGIN_MS);
  if (request.all) result.personEvents = await store.deletePersonEvents();
  return result;
}
