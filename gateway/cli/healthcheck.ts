#!/usr/bin/env node
// First: an old Node stops here with a sentence, before better-sqlite3 loads (gateway/runtime/node-floor.ts).
import '../runtime/require-node.js';
import { cliConfigOrExit } from './cli-settings.js';
import { parseCommandLine } from './command-line.js';

/**
 * The image's HEALTHCHECK (slim images have no curl): exit 0 when this container's gateway
 * answers GET /healthz with 200 within 3 s, 1 otherwise. Liveness only — readiness (/readyz) is
 * the load balancer's business, and a not-ready gateway must not be restarted for it.
 */
const { values } = parseCommandLine(process.argv.slice(2), { usage: 'usage: healthcheck [--env-file <file>]   exit 0 when this host\'s gateway answers GET /healthz with 200 within 3 s', options: {} });
const config = cliConfigOrExit(values['env-file']);
const wildcard = config.host === '0.0.0.0' || config.host === '::';
const host = wildcard ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
try {
  const res = await fetch(`http://${host}:${config.port}/healthz`, { signal: AbortSignal.timeout(3_000) });
  process.exit(res.status === 200 ? 0 : 1);
} catch (error) {
  console.error(`healthcheck: ${(error as Error).message}`);
  process.exit(1);
}
