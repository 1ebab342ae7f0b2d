/**
 * JSON objects parsed strictly, for JWS headers (RFC 7515 §5.2 step 4: duplicate header names are
 * rejected) and payloads. JSON.parse silently keeps the last of two duplicate members, so two
 * readers of one signed text could see different claims; a token walk finds duplicates at every
 * depth before JSON.parse builds the value. Depth is bounded so hostile nesting costs nothing.
 */
export const MAX_JSON_DEPTH = 32;

export type StrictJsonProblem = 'not_utf8' | 'not_json' | 'not_object' | 'duplicate_key' | 'too_deep';

export class StrictJsonError extends Error {
  constructor(readonly problem: StrictJsonProblem) {
    super(`strict JSON: ${problem}`);
    this.name = 'StrictJsonError';
  }
}

interface Frame {
  keys: Set<string> | undefined; // undefined for arrays
  expectKey: boolean;
}

/** Walks the tokens of `text`; throws on duplicate keys or excessive depth. Grammar is left to JSON.parse. */
function checkMembers(text: string): void {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      let escaped = false;
      while (end < text.length && text[end] !== '"') {
        if (text[end] === '\\') {
          escaped = true;
          end += 2;
        } else end += 1;
      }
      if (end >= text.length) throw new StrictJsonError('not_json');
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        let key: unknown;
        // Without an escape the name is the text between the quotes (control characters are
        // refused by JSON.parse below); only escaped names need decoding to compare them.
        try {
          key = escaped ? JSON.parse(text.slice(i, end + 1)) : text.slice(i + 1, end);
        } catch {
          throw new StrictJsonError('not_json');
        }
        if (typeof key !== 'string') throw new StrictJsonError('not_json');
        if (top.keys.has(key)) throw new StrictJsonError('duplicate_key');
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    } else if (c === '{' || c === '[') {
      if (stack.length >= MAX_JSON_DEPTH) throw new StrictJsonError('too_deep');
      stack.push({ keys: c === '{' ? new Set() : undefined, expectKey: c === '{' });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    }
  }
}

/** The JSON object in `text`; throws StrictJsonError unless it is one object without duplicate names. */
export function parseStrictJsonObject(text: string): Record<string, unknown> {
  checkMembers(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StrictJsonError('not_json');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new StrictJsonError('not_object');
  return value as Record<string, unknown>;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** As parseStrictJsonObject, from bytes that must be well-formed UTF-8 (RFC 8259 §8.1). */
export function parseStrictJsonBytes(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new StrictJsonError('not_utf8');
  }
  return parseStrictJsonObject(text);
}
