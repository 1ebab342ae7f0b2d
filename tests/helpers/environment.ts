import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { projectRoot } from '../../gateway/paths.js';

/**
 * What the suite needs from outside the checkout, found in one place. On a newcomer's machine a
 * missing piece skips its tests with a visible warning; in CI (.ci/run sets REQUIRE_SHARED and
 * TEST_DATABASE_URL) a missing piece fails the run instead of skipping silently.
 */

/** `<repo>/../shared/<parts>` when present; undefined (with a warning) when absent. */
export function sharedPath(...parts: string[]): string | undefined {
  const path = resolve(projectRoot(), '..', 'shared', ...parts);
  if (existsSync(path)) return path;
  if (process.env['REQUIRE_SHARED']) throw new Error(`REQUIRE_SHARED is set but ${path} is missing`);
  console.warn(`${path} not found: the tests that read it are SKIPPED`);
  return undefined;
}

/** The PostgreSQL URL of the test server, or undefined (with a warning) when not configured. */
export function postgresUrl(what: string): string | undefined {
  const url = process.env['TEST_DATABASE_URL'];
  if (!url) console.warn(`TEST_DATABASE_URL is not set: ${what} against PostgreSQL are SKIPPED`);
  return url;
}

/**
 * The path of Prometheus' promtool (Debian package prometheus), or undefined (with a warning) when
 * it is not installed; with REQUIRE_PROMTOOL set (.ci/run) a missing promtool throws instead.
 */
export function promtoolPath(): string | undefined {
  const found = (process.env['PATH'] ?? '').split(':').map((dir) => resolve(dir || '.', 'promtool')).find((p) => existsSync(p));
  if (found) return found;
  if (process.env['REQUIRE_PROMTOOL'] === '1') throw new Error('REQUIRE_PROMTOOL=1 but promtool is not on PATH (apt-get install prometheus)');
  console.warn('promtool not found: the unit tests of the alerting rules are SKIPPED (apt-get install prometheus)');
  return undefined;
}

/**
 * The Redis URL of the test server (TEST_REDIS_URL, e.g. redis://127.0.0.1:6379), or undefined
 * (with a warning) when not configured; with REQUIRE_REDIS=1 (.ci/run) a missing one throws instead.
 */
export function redisUrl(what: string): string | undefined {
  const url = process.env['TEST_REDIS_URL'];
  if (url) return url;
  if (process.env['REQUIRE_REDIS'] === '1') throw new Error(`REQUIRE_REDIS=1 but TEST_REDIS_URL is not set (${what})`);
  console.warn(`TEST_REDIS_URL is not set: ${what} against Redis are SKIPPED`);
  return undefined;
}

/**
 * A `node` older than `floor` on this machine (Debian's /usr/bin/node is 20, or OLD_NODE), to
 * show what an operator with it sees; undefined (with a warning) when there is none.
 */
export function oldNodePath(isTooOld: (version: string) => boolean): string | undefined {
  const candidates = [process.env['OLD_NODE'], '/usr/bin/node', ...(process.env['PATH'] ?? '').split(':').map((dir) => resolve(dir || '.', 'node'))];
  for (const path of candidates) {
    if (!path || !existsSync(path)) continue;
    try {
      const version = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
      if (isTooOld(version)) return path;
    } catch {
      // not runnable: try the next one
    }
  }
  console.warn('no Node.js older than the floor on this machine (/usr/bin/node, PATH, OLD_NODE): the old-Node runs are SKIPPED');
  return undefined;
}
