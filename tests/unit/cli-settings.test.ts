import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, loadCliConfig } from '../../gateway/cli/cli-settings.js';

/**
 * The tools read the gateway's settings (issue 20): --env-file, else the systemd guide's documented
 * file when it exists, under the tool's own environment; the server-only production checks are not
 * theirs to make.
 */
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hcg-cli-settings-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the settings a tool reads', () => {
  test('the documented env file is read when it exists and no --env-file is given', () => {
    const documented = join(dir, 'gateway.env');
    writeFileSync(documented, 'CERTS_DIR=/etc/health-code-gateway/certs\nGATEWAY_ENV=production\n# a comment\nNOT_A_GATEWAY_VARIABLE=x\n');
    const { env, from } = cliEnv(undefined, documented);
    expect(from).toBe(documented);
    expect(env['CERTS_DIR']).toBe('/etc/health-code-gateway/certs');
    expect(env['GATEWAY_ENV']).toBe('production');
    expect(env['NOT_A_GATEWAY_VARIABLE']).toBeUndefined();
  });

  test('without an env file the tool has its environment only', () => {
    expect(cliEnv(undefined, join(dir, 'absent.env')).from).toBeUndefined();
  });

  test('--env-file wins over the documented file', () => {
    const documented = join(dir, 'documented.env');
    const named = join(dir, 'named.env');
    writeFileSync(documented, 'DATA_DIR=/documented\n');
    writeFileSync(named, 'DATA_DIR=/named\n');
    expect(cliEnv(named, documented).env['DATA_DIR']).toBe('/named');
  });

  test('a production env file without RISK_FEED_TOKEN is enough for a tool', () => {
    const file = join(dir, 'production.env');
    writeFileSync(file, `GATEWAY_ENV=production\nCERTS_DIR=${join(dir, 'certs')}\n`);
    const config = loadCliConfig(file, { needsCerts: true, documented: join(dir, 'absent.env') });
    expect(config.certsDir).toBe(join(dir, 'certs'));
  });

  test('production with the development key directory is refused for key commands, naming CERTS_DIR', () => {
    const file = join(dir, 'no-certs.env');
    writeFileSync(file, 'GATEWAY_ENV=production\n');
    expect(() => loadCliConfig(file, { needsCerts: true })).toThrow(/GATEWAY_ENV=production: CERTS_DIR is the development key directory/);
  });

  test('a relative key directory in an env file is refused, since the gateway resolves it from its own working directory', () => {
    const file = join(dir, 'relative.env');
    writeFileSync(file, 'GATEWAY_ENV=production\nCERTS_DIR=certs\n');
    expect(() => loadCliConfig(file, { needsCerts: true, documented: join(dir, 'absent.env') })).toThrow(/CERTS_DIR=certs is a relative path/);
  });
});
