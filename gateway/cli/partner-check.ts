#!/usr/bin/env node
// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../runtime/require-node.js';
import { readFileSync } from 'node:fs';
import { checkPartner } from '../federation/partner-check.js';
import { renderReport } from '../federation/partner-check-report.js';
import { createSafeDispatcher } from '../partners/safe-dispatcher.js';
import { cliConfigOrExit } from './cli-settings.js';
import { parseCommandLine } from './command-line.js';

/**
 * A joining city's self-test (docs/federation.md):
 *   npm run --silent partner-check -- <partner file> [--codes <file of sample codes>] [--json]
 * Fetches the partner's keys and status list the way the gateway does (same timeouts, caps,
 * address guard: JWKS_* and ALLOW_INSECURE_LOOPBACK_JWKS apply), verifies each sample code (one
 * per line; blank lines and lines starting with # are skipped) and says what to fix.
 * Exit 0: ready; 1: not ready; 2: usage.
 */
const USAGE = 'usage: partner-check <partner file> [--codes <file of sample codes, one per line>] [--json] [--env-file <file>]';
const { values, positionals } = parseCommandLine(process.argv.slice(2), {
  usage: USAGE,
  options: { codes: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [1, 1],
});
const json = values.json === true;
const codesFile = values.codes;
const file = positionals[0]!;

let codes: string[] = [];
if (codesFile) {
  try {
    codes = readFileSync(codesFile, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  } catch (error) {
    console.error(`${codesFile}: cannot be read (${(error as Error).message})`);
    process.exit(2);
  }
}

const config = cliConfigOrExit(values['env-file']);
const dispatcher = createSafeDispatcher({ timeoutMs: config.jwks.timeoutMs, allowInsecureLoopback: config.allowInsecureLoopbackJwks });
const result = await checkPartner(file, codes, {
  dispatcher,
  timeoutMs: config.jwks.timeoutMs,
  maxBytes: config.jwks.maxBytes,
  maxKeys: config.jwks.maxKeys,
  allowInsecureLoopback: config.allowInsecureLoopbackJwks,
  clockToleranceSeconds: config.clockToleranceSeconds,
  now: Date.now,
});
await dispatcher.close();
process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : renderReport(result, file));
process.exit(result.ready ? 0 : 1);
