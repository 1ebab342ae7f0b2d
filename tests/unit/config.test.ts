import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../gateway/config/load-config.js';
import { loadRules } from '../../gateway/color/rules-file.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to refuse the environment');
}

describe('loadConfig', () => {
  test.each(['abc', '70000', '-1', '80.5'])('refuses PORT=%s with a message naming config.port and PORT', (port) => {
    const error = configError({ PORT: port });
    expect(error.message).toContain('config.port');
    expect(error.message).toContain('PORT');
  });

  test('refuses an unknown signing algorithm naming SIGNING_ALG', () => {
    expect(configError({ SIGNING_ALG: 'HS256' }).message).toContain('SIGNING_ALG');
  });

  test('refuses a risk-feed token shorter than 16 characters naming RISK_FEED_TOKEN', () => {
    expect(configError({ RISK_FEED_TOKEN: 'short' }).message).toContain('RISK_FEED_TOKEN');
  });

  test('gives the documented defaults: port 8080, region 130181, ES256, 15-minute codes', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.issuer.region).toBe('130181');
    expect(config.issuer.signingAlg).toBe('ES256');
    expect(config.credentialTtlSeconds).toBe(900);
  });

  test('reads SIGNING_ALG=EdDSA into issuer.signingAlg', () => {
    expect(loadConfig({ SIGNING_ALG: 'EdDSA' }).issuer.signingAlg).toBe('EdDSA');
  });

  test('returns a deeply frozen configuration', () => {
    const config = loadConfig({ PORT: '9090' });
    expect(config.port).toBe(9090);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.issuer)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.issuer as { region: string }).region = '110000';
    }).toThrow(TypeError);
  });
});

describe('colour rules file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcg-rules-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('loads the default rules', () => {
    expect(loadRules().rules.length).toBeGreaterThan(0);
  });

  test.each([
    ['a rule that would set green', { version: '1', rules: [{ reason: 'declared_symptoms', color: 'green', when: 'declared:symptoms' }] }],
    ['an unknown condition', { version: '1', rules: [{ reason: 'declared_symptoms', color: 'yellow', when: 'declared:mood' }] }],
    ['an unknown member', { version: '1', rules: [], extra: true }],
  ])('refuses a rules file with %s, naming the file', (_what, content) => {
    const path = join(dir, `rules-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(content));
    expect(() => loadRules(path)).toThrow(path);
  });

  test('refuses a rules file that is not JSON, naming the file', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "version": ');
    expect(() => loadRules(path)).toThrow(path);
  });
});
