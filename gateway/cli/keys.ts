#!/usr/bin/env node
import { unlinkSync } from 'node:fs';
import { loadConfig } from '../config/load-config.js';
import { generateKeyFile, publicJwkOf, readKeyFiles, writeKeyFile, type SigningAlg } from '../issuer/keystore.js';
import type { SigningKeyFile } from '../types/schemas.js';
import type { JWK } from 'jose';

/**
 * Key management for the rotation recipe in docs/partners-and-keys.md:
 *   npm run keys -- list
 *   npm run keys -- add [--alg ES256|EdDSA] [--status next|active]
 *   npm run keys -- activate <kid>     (the active key becomes retired, retiredAt = now)
 *   npm run keys -- prune              (deletes retired keys whose codes have all expired)
 * Operates on CERTS_DIR. Restart (or SIGHUP) the gateway instances afterwards.
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

async function entries(): Promise<Array<{ path: string; kid: string; file: SigningKeyFile }>> {
  return Promise.all(readKeyFiles(dir).map(async ({ path, file }) => ({ path, file, kid: (await publicJwkOf(file.privateJwk as JWK)).kid! })));
}

switch (command) {
  case 'list':
    for (const { kid, file } of await entries()) console.log(`${kid}  ${file.status}${file.retiredAt ? ` since ${file.retiredAt}` : ''}`);
    break;
  case 'add': {
    const alg = (option('alg') ?? config.issuer.signingAlg) as SigningAlg;
    const status = (option('status') ?? 'next') as SigningKeyFile['status'];
    if (status === 'active' && (await entries()).some((e) => e.file.status === 'active')) {
      console.error('an active key exists: add with --status next, then activate it');
      process.exit(2);
    }
    const { kid, file } = await generateKeyFile(alg, status, now);
    console.log(`${writeKeyFile(dir, kid, file)}  ${status}`);
    break;
  }
  case 'activate': {
    const target = args[0];
    const all = await entries();
    if (!all.some((e) => e.kid === target)) {
      console.error(`no key ${target ?? '(missing kid)'} in ${dir}`);
      process.exit(2);
    }
    for (const e of all) {
      if (e.kid === target) writeKeyFile(dir, e.kid, { ...e.file, status: 'active' });
      else if (e.file.status === 'active') writeKeyFile(dir, e.kid, { ...e.file, status: 'retired', retiredAt: new Date(now).toISOString() });
    }
    console.log(`active: ${target}`);
    break;
  }
  case 'prune':
    for (const e of await entries()) {
      const retiredAt = e.file.retiredAt ? Date.parse(e.file.retiredAt) : null;
      if (e.file.status === 'retired' && retiredAt !== null && now >= retiredAt + windowMs) {
        unlinkSync(e.path);
        console.log(`deleted ${e.kid}`);
      }
    }
    break;
  default:
    console.error('usage: keys list | add [--alg ES256|EdDSA] [--status next|active] | activate <kid> | prune');
    process.exit(2);
}
