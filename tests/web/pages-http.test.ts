import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { buildPagesForTest } from '../helpers/built-pages.js';
import { createTestGateway, type TestGateway } from '../helpers/test-gateway.js';

/**
 * The pages as HTTP answers (no browser): served by the gateway from its own build, under a
 * policy that lets no inline or foreign script run, with the camera for the checkpoint page only.
 */
describe('the pages over HTTP', () => {
  let web: { dir: string; remove(): void };
  let gw: TestGateway;
  beforeAll(async () => {
    web = await buildPagesForTest();
    gw = await createTestGateway({ webDir: web.dir });
  });
  afterAll(async () => {
    await gw.close();
    web.remove();
  });

  test.each([
    ['/', 'camera=()', "script-src 'self';"],
    ['/pass', 'camera=()', "script-src 'self';"],
    // The officer's page alone may compile WebAssembly (its QR decoder, fetched from /assets/):
    // 'wasm-unsafe-eval' allows WebAssembly.compile/instantiate, never eval() or inline script.
    ['/checkpoint', 'camera=(self)', "script-src 'self' 'wasm-unsafe-eval';"],
  ])('GET %s is an HTML page whose CSP allows scripts and styles from the gateway only (%s)', async (path, camera, scriptSrc) => {
    const res = await request(gw.app).get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain(scriptSrc);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/\*|https?:/);
    // No 'unsafe-inline' or 'unsafe-eval' anywhere; the one WebAssembly exception on the checkpoint page only.
    expect(csp.match(/'[a-z-]*unsafe[a-z-]*'/g) ?? []).toEqual(path === '/checkpoint' ? ["'wasm-unsafe-eval'"] : []);
    expect(res.headers['permissions-policy']).toContain(camera);
    // Nothing inline for the policy to refuse: every script has a src, no handler or style attributes.
    const html = res.text;
    expect(html.match(/<script\b[^>]*>/g)?.every((tag) => / src="\/assets\/[a-z]+\.js"/.test(tag))).toBe(true);
    expect(html).not.toMatch(/\son[a-z]+=|\sstyle=|javascript:/i);
    expect(html).toMatch(/<html lang="zh-CN">/);
  });

  test('GET /assets/:name serves the bundled scripts, the stylesheet and the QR decoder, and nothing else', async () => {
    const script = await request(gw.app).get('/assets/checkpoint.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.text.length).toBeGreaterThan(50_000);
    // The checkpoint page's QR decoder (zxing-cpp) is served by the gateway itself, as WebAssembly
    // (the type instantiateStreaming requires), the very bytes of the package: no CDN.
    const wasm = await request(gw.app).get('/assets/zxing_reader.wasm').buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(wasm.status).toBe(200);
    expect(wasm.headers['content-type']).toBe('application/wasm');
    expect((wasm.body as Buffer).equals(readFileSync(createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm')))).toBe(true);
    expect((await request(gw.app).get('/assets/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    for (const path of ['/assets/resident.html', '/assets/nope.js', '/assets/..%2Fpackage.json', '/assets/%2e%2e%2fopenapi.yaml']) {
      const res = await request(gw.app).get(path);
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 404, code: 'ERR_NOT_FOUND' });
    }
  });

  test('the QR decoder goes gzipped to a client that accepts it (less than 60 % of its size) and as it is to one that does not', async () => {
    const { gunzipSync } = await import('node:zlib');
    const server = await gw.listen();
    try {
      const port = (server.address() as { port: number }).port;
      const wasmFile = readFileSync(createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm'));
      const zipped = await fetch(`http://127.0.0.1:${port}/assets/zxing_reader.wasm`, { headers: { 'accept-encoding': 'gzip' } }).then(async (r) => ({ r, bytes: Buffer.from(await r.arrayBuffer()) }));
      // fetch (undici) inflates a gzip body itself: what arrived is the file, and the headers say how it travelled.
      expect({ encoding: zipped.r.headers.get('content-encoding'), vary: zipped.r.headers.get('vary'), same: zipped.bytes.equals(wasmFile) }).toEqual({ encoding: 'gzip', vary: 'Accept-Encoding', same: true });
      const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
        import('node:http').then(({ get }) => get({ port, path: '/assets/zxing_reader.wasm', headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
        }).on('error', reject), reject);
      });
      expect(raw.body.length).toBeLessThan(wasmFile.length * 0.6);
      expect(gunzipSync(raw.body).equals(wasmFile)).toBe(true);
      const plain = await new Promise<{ encoding: string | undefined; length: number }>((resolve, reject) => {
        import('node:http').then(({ get }) => get({ port, path: '/assets/zxing_reader.wasm', headers: { 'accept-encoding': 'identity' } }, (res) => {
          let length = 0;
          res.on('data', (c: Buffer) => (length += c.length));
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'], length }));
        }).on('error', reject), reject);
      });
      expect(plain).toEqual({ encoding: undefined, length: wasmFile.length });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a page or asset fetched again with its ETag is a 304 without a body, and its gzipped and plain bytes have ETags of their own', async () => {
    for (const path of ['/checkpoint', '/assets/checkpoint.js', '/assets/zxing_reader.wasm']) {
      const zipped = await request(gw.app).get(path).set('accept-encoding', 'gzip');
      const plain = await request(gw.app).get(path).set('accept-encoding', 'identity');
      expect({ path, zipped: zipped.headers['content-encoding'], plain: plain.headers['content-encoding'] }).toEqual({ path, zipped: 'gzip', plain: undefined });
      const etag = String(zipped.headers['etag']);
      // Strong validators, one per representation (RFC 9110 §8.8.3): a cache never mixes them up.
      expect(etag).toMatch(/^"[^"]+"$/);
      expect(plain.headers['etag']).toMatch(/^"[^"]+"$/);
      expect(plain.headers['etag']).not.toBe(etag);
      for (const [encoding, tag] of [['gzip', etag], ['identity', String(plain.headers['etag'])]] as const) {
        const again = await request(gw.app).get(path).set('accept-encoding', encoding).set('if-none-match', tag);
        expect({ path, encoding, status: again.status, bytes: Number(again.headers['content-length'] ?? 0), etag: again.headers['etag'] }).toEqual({ path, encoding, status: 304, bytes: 0, etag: tag });
      }
      // The other representation's ETag does not match: the full answer comes.
      expect((await request(gw.app).get(path).set('accept-encoding', 'identity').set('if-none-match', etag)).status).toBe(200);
    }
  });

  test('a gateway whose pages were not built answers 404 and says how to build them', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'hcg-noweb-'));
    const bare = await createTestGateway({ webDir: join(empty, 'missing') });
    try {
      const res = await request(bare.app).get('/');
      expect(res.status).toBe(404);
      expect(res.body.error).toEqual({ code: 'ERR_NOT_FOUND', message: 'The pages are not built: run npm run build.' });
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
