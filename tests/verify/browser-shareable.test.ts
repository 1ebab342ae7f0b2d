import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fromRoot } from '../../gateway/paths.js';

/**
 * Issue 9, item 4: the signature check is jose.compactVerify (WebCrypto), and the code around it —
 * the header rules, the partner key filter, the key lookup — imports no Node-only module, so a
 * verifier library for browsers can share it. Followed through every runtime import (type-only
 * imports vanish at compile time); `Buffer` and `process` are Node globals and count too.
 */
const ENTRIES = [
  'gateway/verify/jws-signature.ts',
  'gateway/verify/jws-header.ts',
  'gateway/partners/jwk-filter.ts',
  'gateway/partners/key-lookup.ts',
  'gateway/partners/jwks-shape.ts',
  'gateway/partners/key-strength.ts',
  'gateway/partners/key-skip-reasons.ts',
  // The verifier library (issue 13) runs the whole pipeline in browsers: the checkpoint rule, the
  // trust bundle's acceptance, and the library itself.
  'gateway/verify/verify-code.ts',
  'gateway/verify/checkpoint-rule.ts',
  'gateway/verify/pinned-document.ts',
  'gateway/trust/accept-bundle.ts',
  'verifier/index.ts',
  // Issue 18: the Token Status List codec and the reader of a partner's signed list.
  'gateway/verify/token-status-list.ts',
  'gateway/verify/status-list-token.ts',
];

function nodeDependencies(entry: string, seen = new Set<string>()): string[] {
  if (seen.has(entry)) return [];
  seen.add(entry);
  const text = readFileSync(fromRoot(entry), 'utf8');
  const found: string[] = [];
  if (/\bBuffer\.|\bprocess\./.test(text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))) found.push(`${entry}: uses a Node global`);
  for (const m of text.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gm)) {
    const spec = m[1]!;
    if (spec.startsWith('node:')) found.push(`${entry}: imports ${spec}`);
    else if (spec.startsWith('.')) found.push(...nodeDependencies(relative(fromRoot(), join(fromRoot(), dirname(entry), spec.replace(/\.js$/, '.ts'))), seen));
  }
  return found;
}

test('the signature check is jose.compactVerify, not node:crypto', () => {
  const text = readFileSync(fromRoot('gateway/verify/jws-signature.ts'), 'utf8');
  expect(text).toMatch(/import \{ compactVerify[^}]*\} from 'jose'/);
  expect(text).not.toMatch(/from 'node:crypto'/);
});

test.each(ENTRIES)('%s and everything it imports at run time need no Node-only module', (entry) => {
  expect(nodeDependencies(entry)).toEqual([]);
});
