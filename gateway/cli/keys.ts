#!/usr/bin/env node
// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../runtime/require-node.js';
import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { SigningAlg } from '../issuer/keystore.js';
import type { SigningKeyFile } from '../types/schemas.js';
import { CommandError, keyEntries, planActivate, planAdd, planInit, planPrune, secretManifest, type Plan } from './key-commands.js';

/**
 * Key management (docs/deployment.md, "Key rotation without restarts"):
 *   keys list
 *   keys init     [--alg ES256|EdDSA]                  (an empty CERTS_DIR: active key + pepper)
 *   keys add      [--alg ES256|EdDSA] [--status next|active]
 *   keys activate <kid>                                 (the active key retires, retiredAt = now)
 *   keys prune                                          (retired keys whose codes have all expired)
 * Each changing command rewrites CERTS_DIR, or with `--secret <name> [--namespace <ns>]` leaves it
 * alone and prints the whole new directory as a Kubernetes Secret (JSON) for `kubectl replace -f -`.
 * Running gateways pick the change up by themselves (CERTS_DIR is watched; SIGHUP too).
 */
const config = loadConfig();
const dir = config.certsDir;
const [command, ...args] = process.argv.slice(2);
const now = Date.now();
const windowMs = (config.credentialTtlSeconds + config.clockToleranceSeconds) * 1000;

function option(name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}
const secret = option('secret');
const alg = (option('alg') ?? config.issuer.signingAlg) as SigningAlg;

function apply(p: Plan): void {
  if (secret) {
    process.stdout.write(`${JSON.stringify(secretManifest(dir, p, secret, option('namespace')), null, 2)}\n`);
    for (const note of p.notes) console.error(note);
    return;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [file, text] of p.writes) writeFileSync(join(dir, file), text, { mode: 0o600 });
  for (const file of p.deletes) unlinkSync(join(dir, file));
  for (const note of p.notes) console.log(note);
}

try {
  switch (command) {
    case 'list':
      for (const { kid, file } of await keyEntries(dir)) console.log(`${kid}  ${file.status}${file.retiredAt ? ` since ${file.retiredAt}` : ''}`);
      break;
    case 'init':
      apply(await planInit(dir, alg, now));
      break;
    case 'add':
      apply(await planAdd(dir, alg, (option('status') ?? 'next') as SigningKeyFile['status'], now));
      break;
    case 'activate':
      apply(await planActivate(dir, args[0], now));
      break;
    case 'prune':
      apply(await planPrune(dir, windowMs, now));
      break;
    default:
      throw new CommandError('usage: keys list | init | add [--alg ES256|EdDSA] [--status next|active] | activate <kid> | prune   [--secret <name> [--namespace <ns>]]');
  }
} catch (error) {
  if (!(error instanceof CommandError)) throw error;
  console.error(error.message);
  process.exit(2);
}
