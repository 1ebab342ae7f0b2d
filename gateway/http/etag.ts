/**
 * Whether an If-None-Match header names `etag` (RFC 9110 §13.1.2): `*`, or a list of entity tags
 * compared weakly (a W/ prefix is ignored), so a cache that revalidates gets 304 Not Modified.
 */
export function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === bare;
  });
}
