/**
 * When a queued holder should ask for its code again (Retry-After, RFC 9110 §10.2.3): a fraction
 * of the estimate, within bounds, so a million phones do not poll every second on launch morning
 * yet none waits long past its code being ready.
 */
const MIN_SECONDS = 2;
const MAX_SECONDS = 60;

export function retryAfter(etaSeconds: number): number {
  return Math.min(MAX_SECONDS, Math.max(MIN_SECONDS, Math.ceil(etaSeconds / 2)));
}
