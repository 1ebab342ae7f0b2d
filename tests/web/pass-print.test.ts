import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { loadZxingCpp } from '../../bench/qr-image.js';
import { decodeFrame, readWithPageOptions } from '../../web/src/checkpoint/frame-decoder.js';
import request from 'supertest';
import { runPassesCommand } from '../../gateway/cli/passes-command.js';
import { personDeclaration } from '../helpers/test-gateway.js';
import { browserSession, describeInBrowser, seriousA11yViolations, type PagesGateway } from './browser.js';
import type { Browser, Page } from 'playwright-core';

/**
 * The print view of a 通行证 (issue 25, §2): printed to PDF by Chromium as a browser prints it
 * (A6 from the page's @page rule), turned into an image by pdftoppm (Debian poppler-utils), and
 * its QR decoded back to the very pass the counter issued.
 */
/**
 * The printed page's QR as the checkpoint page's decoder reads it (zxing-cpp, with the page's
 * options and steps). ZXing's JavaScript port, used here before, missed a printed pass now and then
 * (a FormatException on one CI run): a scanner that fails on a clean print is the scanner's fault.
 */
async function decodeQr(pngFile: string): Promise<string | undefined> {
  const png = PNG.sync.read(readFileSync(pngFile));
  await loadZxingCpp();
  return decodeFrame({ width: png.width, height: png.height, data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length) }, readWithPageOptions);
}

describeInBrowser('the print view of a 通行证 (GET /pass)', () => {
  const session = browserSession();
  let pages: PagesGateway;
  let browser: Browser;
  let page: Page;
  beforeAll(() => {
    ({ pages, browser, page } = session);
  });

  test('prints an A6 page whose QR decodes back to the pass, with the masked name, the dates and the notice\'s words', async () => {
    const res = await request(pages.gw.app).post('/v1/declarations').send(personDeclaration(2801)).expect(201);
    const out: string[] = [];
    expect(await runPassesCommand(['issue', res.body.subjectId], { deps: pages.gw.deps, out: (l) => out.push(l), err: () => undefined })).toBe(0);
    const jws = out.at(-1)!;
    await page.goto(`${pages.base}/pass#${jws}`);
    await page.locator('body[data-ready="true"]').waitFor();
    const text = await page.locator('#pass-card').innerText();
    expect(text).toContain('测*****号');
    expect(text).toMatch(/签发日期\s*2026年11月27日/);
    expect(text).toMatch(/有效期至\s*2026年12月27日/);
    expect(text).toContain('可凭“通行证”出行');
    expect(text).toContain('0311-83283507、83283500');
    expect(await seriousA11yViolations(page)).toEqual([]);

    if (!existsSync('/usr/bin/pdftoppm')) {
      if (process.env['REQUIRE_BROWSER'] === '1') throw new Error('pdftoppm is missing: apt-get install poppler-utils');
      console.warn('SKIPPED the printed QR check: no /usr/bin/pdftoppm (apt-get install poppler-utils)');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'hcg-pass-'));
    try {
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('#btn-print').isVisible()).toBe(false);
      await page.pdf({ path: join(dir, 'pass.pdf'), preferCSSPageSize: true, printBackground: true });
      const info = execFileSync('pdfinfo', [join(dir, 'pass.pdf')], { encoding: 'utf8' });
      // One A6 page: 105 × 148 mm is 297.6 × 419.5 pt.
      expect(info).toMatch(/Pages:\s+1\b/);
      const [, w, h] = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info)!;
      expect([Math.round(Number(w)), Math.round(Number(h))]).toEqual([298, 420]);
      execFileSync('pdftoppm', ['-png', '-r', '200', '-singlefile', join(dir, 'pass.pdf'), join(dir, 'pass')]);
      expect(await decodeQr(join(dir, 'pass.png'))).toBe(jws);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('says plainly when there is no pass to print', async () => {
    await page.emulateMedia({ media: 'screen' });
    await page.goto('about:blank');
    await page.goto(`${pages.base}/pass#not-a-pass`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toContain('没有可打印的通行证');
    expect(await page.locator('#pass-card').isVisible()).toBe(false);
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
});
