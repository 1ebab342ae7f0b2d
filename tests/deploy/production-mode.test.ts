import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../../gateway/config/load-config.js';
import { createGateway } from '../../gateway/gateway.js';
import { PEPPER_FILE } from '../../gateway/issuer/bootstrap-secrets.js';
import { generateKeyFile, writeKeyFile } from '../../gateway/issuer/keystore.js';
import { RISK_FEED_TOKEN } from '../helpers/test-gateway.js';

/**
 * GATEWAY_ENV=production (issue 11): what development forgives stops the start, with a message
 * naming the variable; development keeps generating keys and warning.
 */
const PRODUCTION = { GATEWAY_ENV: 'production', RISK_FEED_TOKEN };

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
