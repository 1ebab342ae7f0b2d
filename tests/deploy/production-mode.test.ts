import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../../gateway/config/load-config.js';
import { createGateway } from '../../gateway/gateway.js';
import { PEPPER_FILE } from '../../gateway/issuer/bootstrap-secrets.js';
import { generateKeyFile, writeKeyFile } from '../../gateway/issuer/keystore.js';
import { ADMIN_TOKEN, RISK_FEED_TOKEN } from '../helpers/test-gateway.js';
import { fromRoot } from '../../gateway/paths.js';
import { readFileSync } from 'node:fs';

/**
 * GATEWAY_ENV=production (issue 11): what development forgives stops the start, with a message
 * naming the variable; development keeps generating keys and warning.
 */
const PRODUCTION = { GATEWAY_ENV: 'production', RISK_FEED_TOKEN, ADMIN_TOKEN, ISSUER_URL: 'https://hc.xinji.example', ADMIN_PORT: '9090' };

describe('production mode', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcg-production-'));
    mkdirSync(join(dir, 'partners'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const configFor = (env: Record<string, string>) =>
    loadConfig({ ...env, CERTS_DIR: join(dir, 'certs'), DATA_DIR: join(dir, 'data'), PARTNERS_DIR: join(dir, 'partners'), LOG_LEVEL: 'silent' });
  const start = (env: Record<string, string>) => createGateway(configFor(env), { logger: pino({ level: 'silent' }), backgroundRefresh: false });

  test('is off by default: GATEWAY_ENV is development', () => {
    expect(loadConfig({}).environment).toBe('development');
  });

  test('refuses to start without RISK_FEED_TOKEN, naming both variables', () => {
    const attempt = () => loadConfig({ GATEWAY_ENV: 'production' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/GATEWAY_ENV=production: RISK_FEED_TOKEN must be set/);
  });

  test('refuses to start with ALLOW_INSECURE_LOOPBACK_JWKS on, naming it', () => {
    expect(() => loadConfig({ ...PRODUCTION, ALLOW_INSECURE_LOOPBACK_JWKS: 'true' })).toThrow(/GATEWAY_ENV=production: ALLOW_INSECURE_LOOPBACK_JWKS must be off/);
  });

  test('starts with every setting production asks for', () => {
    expect(loadConfig(PRODUCTION).environment).toBe('production');
  });

  // Issue 19, item 5: each refused alone, naming the variable and what to set.
  const without = (name: keyof typeof PRODUCTION): Record<string, string> => Object.fromEntries(Object.entries(PRODUCTION).filter(([k]) => k !== name));
  test.each([
    ['ISSUER_URL unset (every code would name http://localhost)', without('ISSUER_URL'), /ISSUER_URL must be set to the public https:\/\/ URL/],
    ['ISSUER_URL on plain http', { ...PRODUCTION, ISSUER_URL: 'http://hc.xinji.example' }, /ISSUER_URL must be https:\/\//],
    ['no ADMIN_TOKEN', without('ADMIN_TOKEN'), /ADMIN_TOKEN must be set: 32 random characters/],
    ['no ADMIN_PORT (/metrics and /v1/partners public)', without('ADMIN_PORT'), /ADMIN_PORT must be set \(e\.g\. 9090/],
    ['TRUST_PROXY as a hop count (any X-Forwarded-For believed)', { ...PRODUCTION, TRUST_PROXY: '1' }, /TRUST_PROXY=1 believes X-Forwarded-For from whoever connects.*TRUST_PROXY=10\.0\.0\.0\/8/],
    ['TRUST_PROXY=true', { ...PRODUCTION, TRUST_PROXY: 'true' }, /TRUST_PROXY=true believes/],
    ['the placeholder feed token of gateway.env.example', { ...PRODUCTION, RISK_FEED_TOKEN: 'change-me-to-32-random-characters' }, /RISK_FEED_TOKEN is a placeholder/],
    ['the placeholder admin token of gateway.env.example', { ...PRODUCTION, ADMIN_TOKEN: 'change-me-to-32-random-characters' }, /ADMIN_TOKEN is a placeholder/],
    ['one token for the feed and the operators', { ...PRODUCTION, ADMIN_TOKEN: RISK_FEED_TOKEN }, /ADMIN_TOKEN must differ from RISK_FEED_TOKEN/],
  ])('refuses %s', (_what, env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  test('PRODUCTION_OPT_OUT accepts ADMIN_PORT, TRUST_PROXY and an http ISSUER_URL knowingly, never a placeholder or a missing secret', () => {
    const accepted = { ...without('ADMIN_PORT'), TRUST_PROXY: '1', ISSUER_URL: 'http://hc.xinji.example', PRODUCTION_OPT_OUT: 'ADMIN_PORT,TRUST_PROXY,ISSUER_URL' };
    expect(loadConfig(accepted).productionOptOut).toBe('ADMIN_PORT,TRUST_PROXY,ISSUER_URL');
    expect(() => loadConfig({ ...accepted, ADMIN_TOKEN: 'change-me-to-32-random-characters' })).toThrow(/ADMIN_TOKEN is a placeholder/);
    expect(() => loadConfig({ ...without('ISSUER_URL'), PRODUCTION_OPT_OUT: 'ISSUER_URL' })).toThrow(/ISSUER_URL must be set/);
    expect(() => loadConfig({ ...PRODUCTION, PRODUCTION_OPT_OUT: 'RISK_FEED_TOKEN' })).toThrow(/PRODUCTION_OPT_OUT/);
  });

  test('TRUST_PROXY naming the proxies is accepted', () => {
    expect(loadConfig({ ...PRODUCTION, TRUST_PROXY: '10.0.0.0/8' }).http.trustProxy).toBe('10.0.0.0/8');
  });

  test('gateway.env.example as shipped is refused until its placeholders are replaced', () => {
    const example = Object.fromEntries(
      readFileSync(fromRoot('deploy/systemd/gateway.env.example'), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(() => loadConfig({ ...example, GATEWAY_ENV: 'production' })).toThrow(/placeholder/);
    expect(loadConfig({ ...example, GATEWAY_ENV: 'production', RISK_FEED_TOKEN, ADMIN_TOKEN }).environment).toBe('production');
  });

  test('refuses an unknown environment name, naming GATEWAY_ENV', () => {
    expect(() => loadConfig({ GATEWAY_ENV: 'prod' })).toThrow(/GATEWAY_ENV/);
  });

  test('refuses to start rather than generate a signing key, and writes nothing into CERTS_DIR', async () => {
    await expect(start(PRODUCTION)).rejects.toThrow(/GATEWAY_ENV=production: no signing key in .*\(CERTS_DIR\)/);
    expect(existsSync(join(dir, 'certs')) ? readdirSync(join(dir, 'certs')) : []).toEqual([]);
  });

  test('refuses to start rather than generate a document pepper when only the key is provisioned', async () => {
    const { kid, file } = await generateKeyFile('ES256', 'active', Date.now());
    writeKeyFile(join(dir, 'certs'), kid, file);
    await expect(start(PRODUCTION)).rejects.toThrow(/GATEWAY_ENV=production: no document pepper document-pepper\.key/);
    expect(existsSync(join(dir, 'certs', PEPPER_FILE))).toBe(false);
  });

  test('development still generates the key and the pepper on first start', async () => {
    const gw = await start({ RISK_FEED_TOKEN });
    try {
      expect(readdirSync(join(dir, 'certs')).sort()).toEqual(expect.arrayContaining([PEPPER_FILE, expect.stringMatching(/\.key\.json$/)]));
    } finally {
      await gw.close();
    }
  });
});

describe('ISSUER_URL', () => {
  test('defaults to the port the gateway listens on', () => {
    expect(loadConfig({ PORT: '18300' }).issuer.url).toBe('http://localhost:18300');
    expect(loadConfig({}).issuer.url).toBe('http://localhost:8080');
  });

  test('set explicitly, is kept whatever the port', () => {
    expect(loadConfig({ PORT: '18300', ISSUER_URL: 'https://hc.xinji.example' }).issuer.url).toBe('https://hc.xinji.example');
  });
});
