import type { AddressInfo } from 'node:net';
import { ADMIN_TOKEN, createTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/**
 * ADMIN_PORT: the operators' routes (/metrics, /v1/partners, /v1/admin/*) move to a listener of
 * their own, so a public HOST=0.0.0.0 no longer exposes them; the public port answers 404 for
 * them. Probes answer on both. Unset, one port serves everything, as before.
 * (The admin app's handlers are the ones every other suite checks against openapi.yaml; its
 * answers to public paths are not recorded, since the contract describes the public port.)
 */
let split: TestGateway;
let whole: TestGateway;
let publicPort: number;
let adminPort: number;
let wholePort: number;

beforeAll(async () => {
  split = await createTestGateway({ overrides: { port: 0, host: '127.0.0.1', adminPort: 0, adminHost: '127.0.0.1' } });
  publicPort = ((await split.listen()).address() as AddressInfo).port;
  adminPort = (split.adminServer()!.address() as AddressInfo).port;
  whole = await createTestGateway({ overrides: { port: 0, host: '127.0.0.1' } });
  wholePort = ((await whole.listen()).address() as AddressInfo).port;
});
afterAll(async () => {
  await split?.close();
  await whole?.close();
});

async function call(port: number, method: string, path: string, token?: string): Promise<{ status: number; code?: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  const code = res.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(text) as { error?: { code: string } }).error?.code : undefined;
  return code === undefined ? { status: res.status } : { status: res.status, code };
}

const OPERATOR_ROUTES: Array<[method: string, path: string, token?: string]> = [
  ['GET', '/metrics'],
  ['GET', '/v1/partners'],
  ['POST', '/v1/admin/partners/reload', ADMIN_TOKEN],
];

describe('ADMIN_PORT set', () => {
  it('serves metrics, partners and the partner reload on the admin port', async () => {
    expect(adminPort).not.toBe(publicPort);
    for (const [method, path, token] of OPERATOR_ROUTES) expect({ path, ...(await call(adminPort, method, path, token)) }).toEqual({ path, status: 200 });
  });

  it('answers 404 ERR_NOT_FOUND for them on the public port', async () => {
    for (const [method, path, token] of OPERATOR_ROUTES) {
      expect({ path, ...(await call(publicPort, method, path, token)) }).toEqual({ path, status: 404, code: 'ERR_NOT_FOUND' });
    }
  });

  it('keeps the public routes off the admin port, and answers the probes on both', async () => {
    expect(await call(publicPort, 'GET', '/.well-known/jwks.json')).toEqual({ status: 200 });
    expect(await call(adminPort, 'GET', '/.well-known/jwks.json')).toEqual({ status: 404, code: 'ERR_NOT_FOUND' });
    expect(await call(adminPort, 'GET', '/openapi.yaml')).toEqual({ status: 404, code: 'ERR_NOT_FOUND' });
    for (const port of [publicPort, adminPort]) {
      expect(await call(port, 'GET', '/healthz')).toEqual({ status: 200 });
      expect(await call(port, 'GET', '/readyz')).toEqual({ status: 200 });
    }
  });

  it('counts the public port\'s requests in the metrics scraped from the admin port', async () => {
    await call(publicPort, 'GET', '/.well-known/jwks.json');
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    expect(text).toMatch(/gateway_http_request_duration_seconds_count\{method="GET",route="\/\.well-known\/jwks\.json",status_class="2xx"\} [1-9]/);
  });
});

describe('ADMIN_PORT unset', () => {
  it('serves every route on the one port, as before', async () => {
    expect(whole.adminApp).toBeUndefined();
    for (const [method, path, token] of OPERATOR_ROUTES) expect({ path, ...(await call(wholePort, method, path, token)) }).toEqual({ path, status: 200 });
    expect(await call(wholePort, 'GET', '/.well-known/jwks.json')).toEqual({ status: 200 });
  });
});
