/**
 * Private key members (RFC 7518 §6.2.2, §6.3.2, §6.4: d, p, q, dp, dq, qi, oth, k). A set carrying
 * any of them, on any key, is refused whole: a partner that publishes a private key has a bigger
 * problem than one bad entry (RFC 7517 §9.2), and none of its keys can be trusted.
 */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * The entries of a JWK Set (RFC 7517 §5), or why the set as a whole is refused. Only what makes
 * the whole set untrustworthy or unreadable refuses it: not an object, no `keys` array, or a
 * private member on any entry. Members of the set other than `keys` ("issuer", "updated_at", …)
 * are ignored, as §5 requires, and each entry is judged on its own later (jwk-filter.ts), so one
 * odd key never silences the partner's other keys.
 */
export function jwksEntries(value: unknown): unknown[] | string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return '/ must be an object';
  const keys = (value as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return '/keys must be an array';
  for (const [i, entry] of keys.entries()) {
    if (!entry || typeof entry !== 'object') continue;
    const member = PRIVATE_MEMBERS.find((m) => Object.hasOwn(entry, m));
    if (member !== undefined) return `/keys/${i}/${member} is a private key member`;
  }
  return keys as unknown[];
}
