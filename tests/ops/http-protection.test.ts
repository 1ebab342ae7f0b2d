import { connect, type Socket } from 'node:net';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/**
 * What every client meets before any route logic: security headers on every answer, a cap on
 * request bodies however they are framed, and timeouts that cut off clients too slow to finish a
 * request while others are served.
 */
const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;

describe('security headers', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await createTestGateway();
  });
  afterAll(async () => {
    await gw.close();
  });

  const expectLockedDown = (headers: Record<string, unknown>): void => {
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['content-security-policy']).toContain("default-src 'none'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['referrer-policy']).toBe('no-referrer');
  };

  test.each([
    ['GET /v1/partners', () => request(gw.app).get('/v1/partners')],
    ['POST /v1/verify', () => request(gw.app).post('/v1/verify').send({ code: 'x' })],
    ['GET /healthz', () => request(gw.app).get('/healthz')],
    ['an unknown path (404)', () => request(gw.app).get('/nope')],
    ['a refused admin call (401)', () => request(gw.app).post('/v1/admin/partners/reload')],
  ])('are on %s, which is not cached', async (_what, send) => {
    const res = await send();
    expectLockedDown(res.headers);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test.each([
    ['/.well-known/jwks.json', 'public, max-age=300'],
    ['/.well-known/health-code-issuer', 'public, max-age=3600'],
    ['/.well-known/health-code-status', 'public, max-age=30'],
  ])('are on %s, which keeps its own max-age', async (path, cacheControl) => {
    const res = await request(gw.app).get(path);
    expect(res.status).toBe(200);
    expectLockedDown(res.headers);
    expect(res.headers['cache-control']).toBe(cacheControl);
  });
});

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('on a listening gateway', () => {
  let gw: TestGateway;
  let port: number;
  beforeAll(async () => {
    gw = await createTestGateway({
      overrides: {
        port: 0,
        host: '127.0.0.1',
        bodyLimitBytes: 1024,
        http: { requestTimeoutMs: REQUEST_TIMEOUT_MS, headersTimeoutMs: HEADERS_TIMEOUT_MS, keepAliveTimeoutMs: 5_000 },
      },
    });
    port = ((await gw.listen()).address() as AddressInfo).port;
  });
  afterAll(async () => {
    await gw.close();
  });

  /** A POST whose body is written in `chunks` with the given framing headers. */
  function post(path: string, chunks: Buffer[], headers: Record<string, string | number>): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      // The server may answer and close before the whole body is written: that is the point.
      req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  }

  test('answers 413 ERR_BODY_TOO_LARGE to a body whose Content-Length is over the limit', async () => {
    const body = Buffer.from(JSON.stringify({ code: 'x'.repeat(2000) }));
    const res = await post('/v1/verify', [body], { 'content-length': body.length });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('ERR_BODY_TOO_LARGE');
  });

  test('answers 413 ERR_BODY_TOO_LARGE to a chunked body without Content-Length once it passes the limit', async () => {
    const chunks = [Buffer.from('{"code":"'), ...Array.from({ length: 64 }, () => Buffer.alloc(512, 'x')), Buffer.from('"}')];
    const res = await post('/v1/verify', chunks, { 'transfer-encoding': 'chunked' });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('ERR_BODY_TOO_LARGE');
  });

  /**
   * Sends `text` one byte every `intervalMs` (slowloris) and resolves with how long the server
   * kept the connection open, and what it sent before closing.
   */
  function trickle(text: string, intervalMs: number): Promise<{ openMs: number; received: string }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const socket: Socket = connect(port, '127.0.0.1');
      let received = '';
      let i = 0;
      const timer = setInterval(() => {
        if (i < text.length && !socket.destroyed) socket.write(text[i++]!);
      }, intervalMs);
      socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ openMs: Date.now() - started, received });
      });
    });
  }

  async function healthzWhile<T>(slow: Promise<T>): Promise<number[]> {
    const statuses: number[] = [];
    let done = false;
    void slow.finally(() => (done = true));
    while (!done) {
      statuses.push((await request(`http://127.0.0.1:${port}`).get('/healthz')).status);
      await new Promise((r) => setTimeout(r, 100));
    }
    return statuses;
  }

  test('cuts off a client that sends its headers a byte at a time within the headers timeout, while serving others', async () => {
    // Endless headers: the request line, then one header line that never ends.
    const endless = 'GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ' + 'a'.repeat(500);
    const slow = trickle(endless, 20);
    const others = await healthzWhile(slow);
    const { openMs, received } = await slow;
    expect(openMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(openMs).toBeLessThan(HEADERS_TIMEOUT_MS + 1_500);
    expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);
    expect(others.length).toBeGreaterThan(2);
    expect(others.every((s) => s === 200)).toBe(true);
  });

  test('cuts off a client that sends its body a byte at a time within the request timeout, while serving others', async () => {
    const body = JSON.stringify({ code: 'y'.repeat(400) });
    const head = `POST /v1/verify HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
    const slow = trickle(head + body, 10);
    const others = await healthzWhile(slow);
    const { openMs } = await slow;
    expect(openMs).toBeLessThan(REQUEST_TIMEOUT_MS + 1_500);
    expect(others.every((s) => s === 200)).toBe(true);
  });
});
