#!/usr/bin/env node
// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../runtime/require-node.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { checkMembers } from '../federation/partner-sources.js';
import { federationPublicJwk, readPinnedKeys, signTrustList, TrustListError, verifyTrustList } from '../federation/trust-list-jws.js';
import { loadPartners } from '../partners/registry.js';
import { cliConfigOrExit } from './cli-settings.js';
import { parseCommandLine, subcommand } from './command-line.js';

/**
 * The federation's tool for its signed list of member cities (docs/federation.md):
 *   npm run --silent trust-list -- keygen --out <private JWK file> [--alg ES256|EdDSA]
 *       writes the private key (mode 0600) and prints the public JWK Set (TRUST_LIST_KEYS)
 *   npm run --silent trust-list -- sign <folder of partner files> --key <private JWK file> [--sequence N] [--ttl-seconds S]
 *       prints the signed list (a compact JWS) to stdout
 *   npm run --silent trust-list -- verify <file> --keys <JWK Set file>
 *       exit 0 when the list verifies with one of the keys and has not expired
 * Exit 1: the list is refused; exit 2: a usage or file problem.
 */
const USAGE = 'usage: trust-list keygen --out <file> [--alg ES256|EdDSA] | sign <folder> --key <file> [--sequence N] [--ttl-seconds S] | verify <file> --keys <file>';
const DEFAULT_TTL_SECONDS = 86_400;
const MAX_TTL_SECONDS = 31 * 86_400;

const argv = process.argv.slice(2);
const command = subcommand(argv, ['keygen', 'sign', 'verify'] as const, USAGE);
const { values, positionals } = parseCommandLine(argv.slice(1), {
  usage: USAGE,
  options: {
    keygen: { out: { type: 'string' }, alg: { type: 'string' } },
    sign: { key: { type: 'string' }, sequence: { type: 'string' }, 'ttl-seconds': { type: 'string' } },
    verify: { keys: { type: 'string' } },
  }[command] as Record<string, { type: 'string' }>,
  positionals: command === 'keygen' ? [0, 0] : [1, 1],
});
const config = cliConfigOrExit(values['env-file']);
const partnerOptions = { allowInsecureLoopback: config.allowInsecureLoopbackJwks };

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

function option(name: string): string | undefined {
  return (values as Record<string, string | undefined>)[name];
}

function integerOption(name: string, fallback: number, min: number, max: number): number {
  const raw = option(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || n < min || n > max) fail(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** A bare private JWK, or a key file of `npm run keys -- add` ({ privateJwk, … }). */
function readPrivateJwk(path: string): JWK {
  let value: { privateJwk?: JWK } & JWK;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as { privateJwk?: JWK } & JWK;
  } catch (error) {
    return fail(`${path}: not a readable JSON file (${(error as Error).message})`);
  }
  const jwk = value.privateJwk ?? value;
  if (typeof jwk.d !== 'string') fail(`${path}: not a private key (no "d" member)`);
  return jwk;
}

const positional = positionals[0];
const now = Date.now();
try {
  switch (command) {
    case 'keygen': {
      const out = option('out') ?? fail(`keygen needs --out <file>\n${USAGE}`);
      const alg = option('alg') ?? 'ES256';
      if (alg !== 'ES256' && alg !== 'EdDSA') fail('--alg must be ES256 or EdDSA');
      const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
      const jwk = await exportJWK(privateKey);
      const pub = await federationPublicJwk(jwk);
      writeFileSync(out, `${JSON.stringify({ ...jwk, kid: pub.kid, alg: pub.alg }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      console.log(JSON.stringify({ keys: [pub] }, null, 2));
      break;
    }
    case 'sign': {
      const folder = positional ?? fail(`sign needs a folder of partner files\n${USAGE}`);
      const jwk = readPrivateJwk(option('key') ?? fail(`sign needs --key <private JWK file>\n${USAGE}`));
      const sequence = integerOption('sequence', Math.floor(now / 1000), 1, Number.MAX_SAFE_INTEGER);
      const ttlSeconds = integerOption('ttl-seconds', DEFAULT_TTL_SECONDS, 60, MAX_TTL_SECONDS);
      let members;
      try {
        members = checkMembers(loadPartners(folder, partnerOptions), partnerOptions);
      } catch (error) {
        fail((error as Error).message);
      }
      process.stdout.write(`${await signTrustList(members, jwk, { sequence, now, ttlSeconds })}\n`);
      break;
    }
    case 'verify': {
      const file = positional ?? fail(`verify needs the list file\n${USAGE}`);
      const keys = await readPinnedKeys(option('keys') ?? fail(`verify needs --keys <JWK Set file>\n${USAGE}`));
      const list = await verifyTrustList(readFileSync(file, 'utf8'), keys, now);
      try {
        checkMembers(list.members, partnerOptions);
      } catch (error) {
        throw new TrustListError('invalid_list', (error as Error).message);
      }
      console.log(`valid: sequence ${list.sequence}, generated ${list.generatedAt}, expires ${list.expiresAt}`);
      console.log(`${list.members.length} members: ${list.members.map((m) => `${m.id} (${m.status})`).join(', ') || 'none'}`);
      break;
    }
    default:
      fail(USAGE);
  }
} catch (error) {
  if (error instanceof TrustListError) fail(`refused (${error.reason}): ${error.detail}`, 1);
  fail((error as Error).message);
}
