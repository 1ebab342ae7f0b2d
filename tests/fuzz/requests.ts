import fc from 'fast-check';
import { bodyOf, printable, secretsOf, type Mutated, type Seed } from './fuzz-harness.js';
import { bodyMutation, contentTypes, edgeMutation, extraHeaders, methods, pathMutation, serialise, textMutation, type BodyMutation, type Json } from './mutations.js';

/** The requests the fuzz properties send, built from the seeds of tests/fuzz/fuzz-harness.ts. */

/** A valid request for an operation, then changed by a few mutations. */
export function mutatedRequest(all: Seed[]): fc.Arbitrary<Mutated> {
  return fc
    .record({
      // Endpoints with a body have the most to get wrong: they are picked three times as often.
      seed: fc.constantFrom(...all.flatMap((s) => (s.body === undefined ? [s] : [s, s, s]))),
      body: fc.array(bodyMutation, { maxLength: 3 }),
      text: textMutation,
      contentType: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: contentTypes }),
      method: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: methods }),
      path: fc.oneof({ weight: 3, arbitrary: fc.constant((p: string) => p) }, { weight: 1, arbitrary: pathMutation }),
      headers: fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraHeaders }),
      dropAuth: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    })
    .map(({ seed, body, text, contentType, method, path, headers, dropAuth }) => {
      let value: Json | undefined = (bodyOf(seed) ?? null) as Json;
      const secrets = secretsOf(value);
      const raws: string[] = [];
      for (const m of body) value = value === undefined ? undefined : m(value, raws);
      const raw = seed.body === undefined && body.length === 0 ? undefined : text(serialise(value, raws));
      const h: Record<string, string> = { ...seed.headers, ...headers };
      if (dropAuth) delete h['authorization'];
      if (raw !== undefined) h['content-type'] = contentType ?? 'application/json';
      return printable({ operation: seed.operation, method: method ?? seed.method, path: path(seed.path), headers: h, secrets, ...(raw ? { body: raw } : {}) });
    });
}

/** Anything at all at any documented path (and some undocumented ones). */
export function randomRequest(all: Seed[]): fc.Arbitrary<Mutated> {
  return fc
    .record({
      seed: fc.constantFrom(...all),
      method: methods,
      path: pathMutation,
      body: fc.oneof(
        fc.constant(undefined),
        fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
        fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
        fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
      ),
      contentType: fc.option(contentTypes),
      headers: extraHeaders,
    })
    .map(({ seed, method, path, body, contentType, headers }) =>
      printable({
        operation: seed.operation,
        method,
        path: path(seed.path),
        headers: { ...headers, ...(contentType !== null ? { 'content-type': contentType } : {}) },
        ...(body ? { body } : {}),
      }),
    );
}

/**
 * A valid request whose fields are set to edge values and nothing else changed: these pass the
 * schema far more often than blind mutations and so reach the rules behind it.
 */
export function edgeRequest(all: Seed[]): fc.Arbitrary<Mutated> {
  const withBody = all.filter((s) => s.body !== undefined);
  return fc
    .record({ seed: fc.constantFrom(...withBody), edits: fc.array(edgeMutation, { minLength: 1, maxLength: 4 }) })
    .map(({ seed, edits }) => editedRequest(seed, edits));
}

/** A seed's valid body with edge-value edits applied, sent as JSON. */
function editedRequest(seed: Seed, edits: readonly BodyMutation[]): Mutated {
  let value = bodyOf(seed) as Json;
  for (const edit of edits) value = edit(value, []) ?? value;
  return printable({
    operation: seed.operation,
    method: seed.method,
    path: seed.path,
    headers: { ...seed.headers, 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(value)),
    secrets: secretsOf(value),
  });
}

/**
 * Several requests at once: the same fresh valid request repeated (two people racing for one
 * document, a batch of events delivered twice) mixed with mutated ones.
 */
export function concurrentRequests(all: Seed[]): fc.Arbitrary<Mutated[]> {
  const withBody = all.filter((s) => s.fresh !== undefined || s.body !== undefined);
  return fc
    .record({
      seed: fc.constantFrom(...withBody),
      copies: fc.integer({ min: 2, max: 8 }),
      edits: fc.array(edgeMutation, { maxLength: 1 }),
      others: fc.array(mutatedRequest(all), { maxLength: 4 }),
    })
    .map(({ seed, copies, edits, others }) => {
      const same = editedRequest(seed, edits);
      return [...Array.from({ length: copies }, () => same), ...others];
    });
}
