/**
 * A small RFC 6901 JSON Pointer resolver for reading claims out of a partner's payload. It only
 * ever reads own properties of JSON values (Object.hasOwn): no prototype lookups,
 * so `/__proto__`, `/constructor` or `/toString` find nothing unless the issuer really wrote a
 * member of that name (and `__proto__` is refused even then: it is never a claim).
 */
const MAX_SEGMENTS = 32;

function unescape(segment: string): string | undefined {
  // RFC 6901 §4: '~1' → '/', then '~0' → '~'; any other '~' sequence is an error.
  if (/~(?![01])/.test(segment)) return undefined;
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Pointers come from partner files (a handful per partner) and are read for every code: each is
 * split and unescaped once. null: a pointer that can never resolve. Bounded all the same.
 */
const PARSED = new Map<string, readonly string[] | null>();
const MAX_PARSED = 1024;

function parse(pointer: string): readonly string[] | null {
  let segments = PARSED.get(pointer);
  if (segments !== undefined) return segments;
  const raw = pointer.slice(1).split('/');
  const unescaped = raw.length > MAX_SEGMENTS ? [] : raw.map(unescape);
  segments = raw.length > MAX_SEGMENTS || unescaped.some((s) => s === undefined || s === '__proto__') ? null : (unescaped as string[]);
  if (PARSED.size >= MAX_PARSED) PARSED.clear();
  PARSED.set(pointer, segments);
  return segments;
}

/** The value at `pointer` in `document`, or undefined when the pointer is invalid or leads nowhere. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  if (!pointer.startsWith('/')) return undefined;
  const segments = parse(pointer);
  if (segments === null) return undefined;
  let current: unknown = document;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      // §4: array indexes are decimal without leading zeros; '-' (past the end) never has a value.
      if (!/^(0|[1-9][0-9]{0,8})$/.test(segment)) return undefined;
      const index = Number(segment);
      if (index >= current.length) return undefined;
      current = current[index];
    } else if (typeof current === 'object' && current !== null) {
      if (!Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * Writes `value` at `pointer` in `target`, creating objects on the way: the inverse of
 * resolvePointer, for building a payload in a partner's claim layout (the demo's simulated cities
 * and the tests' partner servers sign codes this way).
 */
export function setPointer(target: Record<string, unknown>, pointer: string, value: unknown): void {
  const segments = pointer.slice(1).split('/').map((s) => unescape(s));
  if (!pointer.startsWith('/') || segments.some((s) => s === undefined || s === '__proto__')) {
    throw new Error(`not a writable JSON Pointer: ${pointer}`);
  }
  let node = target;
  for (const segment of segments.slice(0, -1) as string[]) {
    node[segment] ??= {};
    node = node[segment] as Record<string, unknown>;
  }
  node[segments.at(-1)!] = value;
}
