import { mkdtempSync, rmSync } from 'node:fs';
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
    ['/', 'camera=()'],
    ['/checkpoint', 'camera=(self)'],
  ])('GET %s is an HTML page whose CSP allows scripts and styles from the gateway only (%s)', async (path, camera) => {
    const res = await request(gw.app).get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/unsafe-|\*|https?:/);
    expect(res.headers['permissions-policy']).toContain(camera);
    // Nothing inline for the policy to refuse: every script has a src, no handler or style attributes.
    const html = res.text;
    expect(html.match(/<script\b[^>]*>/g)?.every((tag) => / src="\/assets\/[a-z]+\.js"/.test(tag))).toBe(true);
    expect(html).not.toMatch(/\son[a-z]+=|\sstyle=|javascript:/i);
    expect(html).toMatch(/<html lang="zh-CN">/);
  });

  test('GET /assets/:name serves the bundled scripts and the stylesheet, and nothing else', async () => {
    const script = await request(gw.app).get('/assets/checkpoint.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    // The QR decoder is bundled, not fetched: the checkpoint script holds ZXing's QR reader.
    expect(script.text.length).toBeGreaterThan(50_000);
    expect((await request(gw.app).get('/assets/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    for (const path of ['/assets/resident.html', '/assets/nope.js', '/assets/..%2Fpackage.json', '/assets/%2e%2e%2fopenapi.yaml']) {
      const res = await request(gw.app).get(path);
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 404, code: 'ERR_NOT_FOUND' });
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
