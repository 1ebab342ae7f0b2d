import express from 'express';
import { ConfigError, loadConfig } from '../../gateway/config/load-config.js';
import { createGatewayServer } from '../../gateway/lifecycle/http-server.js';

/** The settings of operations: defaults as documented, bad values refused at start, named. */
describe('operations settings', () => {
  test('default to one worker, a 10 s shutdown bound, 10 s / 5 s / 5 s client timeouts, no trusted proxy and the rate limit on', () => {
    const config = loadConfig({});
    expect(config.workers).toBe(1);
    expect(config.shutdownTimeoutMs).toBe(10_000);
    expect(config.http).toEqual({ requestTimeoutMs: 10_000, headersTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000 });
    expect(config.rateLimit).toEqual({ enabled: true, perSecond: 20, burst: 40, maxClients: 10_000 });
  });

  test('read WORKERS, SHUTDOWN_TIMEOUT_MS, TRUST_PROXY and RATE_LIMIT_* from the environment', () => {
    const config = loadConfig({ WORKERS: '4', SHUTDOWN_TIMEOUT_MS: '30000', TRUST_PROXY: '1', RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_PER_SECOND: '0.5' });
    expect(config.workers).toBe(4);
    expect(config.shutdownTimeoutMs).toBe(30_000);
    expect(config.http.trustProxy).toBe('1');
    expect(config.rateLimit.enabled).toBe(false);
    expect(config.rateLimit.perSecond).toBe(0.5);
  });

  test.each([
    [{ WORKERS: '0' }, 'WORKERS'],
    [{ SHUTDOWN_TIMEOUT_MS: '5' }, 'SHUTDOWN_TIMEOUT_MS'],
    [{ RATE_LIMIT_PER_SECOND: '0' }, 'RATE_LIMIT_PER_SECOND'],
    [{ HEADERS_TIMEOUT_MS: 'soon' }, 'HEADERS_TIMEOUT_MS'],
  ])('refuse %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  test('refuse a headers timeout longer than the request timeout when the server is made', () => {
    const config = loadConfig({ HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '10000' });
    expect(() => createGatewayServer(express(), config.http)).toThrow('HEADERS_TIMEOUT_MS');
  });
});
