// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../gateway/runtime/require-node.js';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { PublicJwk } from '../gateway/types/schemas.js';
import { TrustStore } from './trust-store.js';

/**
 * npm run --silent verify -- --trust <bundle file or URL> [--pin <JWKS file or URL>] [--now <ISO time>] <code>
 *
 * Prints exactly the JSON POST /v1/verify answers with; exit 0 for a valid code, 1 for a refused
 * one (a bundle that cannot be taken refuses every code, with its ERR_TRUST_BUNDLE_* code), 2 for
 * a wrong command line or a file or URL that cannot be read.
 *
 * The pin: the gateway keys the bundle must be signed with. Without --pin, a bundle read from a URL
 * is checked against the same origin's /.well-known/jwks.json — that trusts the TLS connection to
 * the gateway, as the URL itself does; a bundle read from a file needs --pin. Over plain http there
 * is no TLS to trust: whoever answers (anyone on the path) would serve a bundle and the keys that
 * sign it, so `--trust http://…` needs --pin, and a pin itself is a file or an https URL
 * (issue 19, item 4).
 */
const USAGE = 'usage: npm run --silent verify -- --trust <bundle file or URL> [--pin <JWKS file or URL>] [--now <ISO time>] <code>';

class UsageError extends Error {}

function parseCommandLine(argv: string[]): { trust: string; pin?: string; now?: number; code: string } | 'help' {
  let parsed;
  try {
    // Strict: an unknown or misspelt option is a usage error (exit 2), never ignored.
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { trust: { type: 'string' }, pin: { type: 'string' }, now: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (!values.trust || positionals.length !== 1) throw new UsageError(USAGE);
  const now = values.now === undefined ? undefined : Date.parse(values.now);
  if (now !== undefined && Number.isNaN(now)) throw new UsageError('--now must be an ISO 8601 time');
  return { trust: values.trust, ...(values.pin ? { pin: values.pin } : {}), ...(now === undefined ? {} : { now }), code: positionals[0]! };
}

const isUrl = (where: string): boolean => /^https?:\/\//.test(where);

async function read(where: string): Promise<string> {
  if (!isUrl(where)) return readFile(where, 'utf8');
  const res = await fetch(where, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${where} answered ${res.status}`);
  return res.text();
}

async function main(argv: string[]): Promise<number> {
  const args = parseCommandLine(argv);
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const plainHttp = (where: string): boolean => /^http:\/\//i.test(where);
  if (args.pin === undefined && plainHttp(args.trust)) {
    throw new UsageError(
      'a bundle read over plain http needs --pin <JWKS file or https URL>: without TLS anyone on the path could serve a bundle signed by keys of its own, and the same server\'s /.well-known/jwks.json would vouch for them',
    );
  }
  if (args.pin !== undefined && plainHttp(args.pin)) {
    throw new UsageError('--pin over plain http proves nothing (anyone on the path could answer): pin a JWKS file, or an https URL');
  }
  const pin = args.pin ?? (isUrl(args.trust) ? new URL('/.well-known/jwks.json', args.trust).href : undefined);
  if (pin === undefined) throw new UsageError('a bundle read from a file needs --pin <JWKS file or URL> (the gateway keys it must be signed with)');
  const [bundle, jwks] = await Promise.all([read(args.trust), read(pin)]);
  const keys = (JSON.parse(jwks) as { keys?: PublicJwk[] }).keys;
  if (!Array.isArray(keys)) throw new UsageError(`${pin} is not a JWK Set`);
  const store = await TrustStore.create({ pinnedKeys: keys });
  const now = args.now ?? Date.now();
  const taken = await store.take(bundle, now);
  const result = taken.accepted ? await store.verify(args.code, now) : { valid: false, error: taken.error };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.valid ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
