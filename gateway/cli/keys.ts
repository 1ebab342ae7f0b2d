#!/usr/bin/env node
// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../runtime/require-node.js';
import { randomBytes } from 'node:crypto';
import { closeSync, fchownSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SigningAlg } from '../issuer/keystore.js';
import type { SigningKeyFile } from '../types/schemas.js';
import { cliConfigOrExit } from './cli-settings.js';
import { parseCommandLine, subcommand, usageExit } from './command-line.js';
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
 * Every command takes `--env-file <file>` (the gateway's settings; gateway/cli/cli-settings.ts).
 * Running gateways pick the change up by themselves (CERTS_DIR is watched; SIGHUP too).
 */
const USAGE = `usage: keys <command> [--env-file <file>]
  list
  init      [--alg ES256|EdDSA] [--secret <name> [--namespace <ns>]]     an empty CERTS_DIR: an active key and the pepper
  add       [--alg ES256|EdDSA] [--status next|active] [--secret …]      a new key (next by default)
  activate  <kid> [--secret …]                                           the key becomes active; the active one retires
  prune     [--secret …]                                                 retired keys whose codes have all expired leave
Settings (CERTS_DIR, GATEWAY_ENV, …) as the gateway's: the environment, --env-file <file>, else
/etc/health-code-gateway/gateway.env when it exists.`;

const argv = process.argv.slice(2);
const command = subcommand(argv, ['list', 'init', 'add', 'activate', 'prune'] as const, USAGE);
const secretOptions = { secret: { type: 'string' }, namespace: { type: 'string' } } as const;
const algOption = { alg: { type: 'string' } } as const;
const { values, positionals } = parseCommandLine(argv.slice(1), {
  usage: USAGE,
  options: {
    list: {},
    init: { ...algOption, ...secretOptions },
    add: { ...algOption, ...secretOptions, status: { type: 'string' } },
    activate: secretOptions,
    prune: secretOptions,
  }[command] as typeof algOption & typeof secretOptions & { status: { type: 'string' } },
  positionals: command === 'activate' ? [1, 1] : [0, 0],
});

if (values.alg !== undefined && values.alg !== 'ES256' && values.alg !== 'EdDSA') usageExit(`--alg must be ES256 or EdDSA, not '${values.alg}'`, USAGE);
if (values.status !== undefined && values.status !== 'next' && values.status !== 'active') usageExit(`--status must be next or active, not '${values.status}'`, USAGE);
if (values.namespace !== undefined && values.secret === undefined) usageExit('--namespace goes with --secret <name>', USAGE);

const config = cliConfigOrExit(values['env-file'], { needsCerts: true });
const dir = config.certsDir;
const now = Date.now();
// Printed passes (通行证) live longer than codes: a retired key stays while either may be shown.
const windowMs = (Math.max(config.credentialTtlSeconds, config.passTtlSeconds) + config.clockToleranceSeconds) * 1000;
const alg = (values.alg ?? config.issuer.signingAlg) as SigningAlg;

function apply(p: Plan): void {
  if (values.secret) {
    process.stdout.write(`${JSON.stringify(secretManifest(dir, p, values.secret, values.namespace), null, 2)}\n`);
    for (const note of p.notes) console.error(note);
    return;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Run as root (sudo without -u) in the gateway user's directory, the files still go to that user:
  // root's 0600 files would be unreadable to the gateway, and its next reload refused.
  const owner = process.getuid?.() === 0 ? statSync(dir) : undefined;
  // Each file is created new beside its name ('wx': O_EXCL, never through a symlink), chowned by
  // its descriptor, then renamed over the name: the directory's owner may have put a symlink there
  // (to /etc/shadow), and root must neither write through it nor give its target away.
  for (const [file, text] of p.writes) {
    const temp = join(dir, `.${file}.${randomBytes(6).toString('hex')}.tmp`);
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeFileSync(fd, text);
      if (owner && owner.uid !== 0) fchownSync(fd, owner.uid, owner.gid);
    } catch (error) {
      closeSync(fd);
      unlinkSync(temp);
      throw error;
    }
    closeSync(fd);
    renameSync(temp, join(dir, file));
  }
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
      apply(await planAdd(dir, alg, (values.status ?? 'next') as SigningKeyFile['status'], now));
      break;
    case 'activate':
      apply(await planActivate(dir, positionals[0], now));
      break;
    case 'prune':
      apply(await planPrune(dir, windowMs, now));
      break;
  }
} catch (error) {
  const { code, path } = error as NodeJS.ErrnoException;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    // The systemd guide's certs directory belongs to the gateway's user: say so rather than a stack trace.
    console.error(
      `cannot ${code === 'EROFS' ? 'write to the read-only' : 'read or write'} ${path ?? dir} (${code}): CERTS_DIR ${dir} must be writable by the user running keys` +
        ' — run it as the directory\'s owner (on a VM: sudo -u health-code-gateway …, docs/deployment.md), or print a Secret with --secret <name>',
    );
    process.exit(2);
  }
  if (!(error instanceof CommandError)) throw error;
  console.error(error.message);
  process.exit(2);
}
