import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ENV_VARS } from '../../gateway/config/env.js';
import { fromRoot } from '../../gateway/paths.js';

/**
 * deploy/systemd/ (issue 11): the unit for cities that run VMs. Its directives are checked here;
 * `systemd-analyze verify` and the offline security score run too where systemd-analyze exists
 * (REQUIRE_SYSTEMD_ANALYZE=1 makes its absence a failure).
 */
const UNIT = fromRoot('deploy', 'systemd', 'health-code-gateway.service');
const text = readFileSync(UNIT, 'utf8');
const directives = new Map<string, string[]>();
for (const line of text.split('\n')) {
  const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
  if (m) directives.set(m[1]!, [...(directives.get(m[1]!) ?? []), m[2]!]);
}
const value = (key: string): string | undefined => directives.get(key)?.at(-1);
const environment = new Map((directives.get('Environment') ?? []).map((e) => e.split('=', 2) as [string, string]));

const analyze = ((): string | undefined => {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    return 'systemd-analyze';
  } catch {
    return undefined;
  }
})();
const withAnalyze = analyze || process.env['REQUIRE_SYSTEMD_ANALYZE'] === '1' ? test : test.skip;
if (!analyze) console.warn('systemd-analyze is not installed: the unit is checked by its directives only');

describe('the systemd unit', () => {
  test('runs the built gateway as its own user, settings from an EnvironmentFile, state in a StateDirectory', () => {
    const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(value('ExecStart')).toMatch(new RegExp(`/node /opt/health-code-gateway/${pkg.scripts['start']!.split(' ')[1]}$`));
    expect(value('User')).toBe('health-code-gateway');
    expect(value('EnvironmentFile')).toBe('/etc/health-code-gateway/gateway.env');
    expect(value('StateDirectory')).toBe('health-code-gateway');
    expect(environment.get('DATA_DIR')).toBe(`/var/lib/${value('StateDirectory')}`);
    expect(environment.get('GATEWAY_ENV')).toBe('production');
    for (const name of environment.keys()) expect({ name, known: name === 'NODE_ENV' || ENV_VARS.some((v) => v.name === name) }).toEqual({ name, known: true });
  });

  test("starts a Node the operator installed, not Debian's /usr/bin/node (20 and older: refused by the gateway)", () => {
    expect(value('ExecStart')).toMatch(/^\/usr\/local\/bin\/node /);
  });

  test('stops by SIGTERM with more time than the gateway drains, and reloads keys and partners on SIGHUP', () => {
    const drainMs = ENV_VARS.find((v) => v.name === 'SHUTDOWN_TIMEOUT_MS')!.default as number;
    expect(value('KillSignal')).toBe('SIGTERM');
    expect(Number(value('TimeoutStopSec')!.replace(/s$/, '')) * 1000).toBeGreaterThan(drainMs);
    expect(value('ExecReload')).toMatch(/kill -HUP \$MAINPID$/);
  });

  test('is hardened: no privileges, read-only system, private /tmp and devices, filtered system calls', () => {
    expect(Object.fromEntries(['NoNewPrivileges', 'ProtectSystem', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'RestrictSUIDSGID', 'LockPersonality'].map((k) => [k, value(k)]))).toEqual({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      RestrictSUIDSGID: 'yes',
      LockPersonality: 'yes',
    });
    expect(value('CapabilityBoundingSet')).toBe('');
    expect(directives.get('SystemCallFilter')).toContain('@system-service');
    // V8 compiles to writable-executable memory: this option would kill the process at start.
    expect(value('MemoryDenyWriteExecute')).toBeUndefined();
  });

  withAnalyze('passes systemd-analyze verify, with an exposure level of at most 2.0 (OK)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcg-unit-'));
    try {
      const copy = join(dir, 'health-code-gateway.service');
      // verify wants ExecStart's binary to exist: this machine's node stands in for /usr/local/bin/node.
      writeFileSync(copy, readFileSync(UNIT, 'utf8').replace('ExecStart=/usr/local/bin/node ', `ExecStart=${process.execPath} `));
      const run = promisify(execFile);
      const verify = await run('systemd-analyze', ['verify', copy], { timeout: 30_000 });
      expect(verify.stderr.split('\n').filter((l) => l.includes('health-code-gateway.service'))).toEqual([]);
      const security = await run('systemd-analyze', ['security', '--offline=yes', copy], { timeout: 30_000 });
      const level = Number(/Overall exposure level for [^:]+: ([\d.]+)/.exec(security.stdout)?.[1]);
      expect(level).toBeLessThanOrEqual(2.0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
