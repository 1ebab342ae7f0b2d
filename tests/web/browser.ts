import { jest } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { numericText, qrSegments } from '../../gateway/issuer/qr-segments.js';
import { loadZxingCpp } from '../../bench/qr-image.js';
import { readWithPageOptions } from '../../web/src/checkpoint/frame-decoder.js';
import { registerDevice } from '../helpers/devices.js';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { buildPagesForTest } from '../helpers/built-pages.js';
import { fromRoot } from '../../gateway/paths.js';
import { createTestGateway, type TestGateway, type TestGatewayOptions } from '../helpers/test-gateway.js';

/**
 * The browser tests drive Debian's Chromium (never a downloaded browser) through playwright-core.
 * Without /usr/bin/chromium they skip and say so, unless REQUIRE_BROWSER=1 (.ci/run sets it):
 * then they fail.
 */
export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) return describe(name, body);
  if (process.env['REQUIRE_BROWSER'] === '1') {
    return describe(name, () => {
      test(`needs Chromium at ${CHROMIUM} (REQUIRE_BROWSER=1)`, () => {
        throw new Error(`Chromium is missing at ${CHROMIUM}: apt-get install chromium fonts-noto-cjk`);
      });
    });
  }
  console.warn(`SKIPPED "${name}": no Chromium at ${CHROMIUM} (apt-get install chromium; REQUIRE_BROWSER=1 makes this a failure)`);
  return describe.skip(name, body);
}

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...extraArgs] });
}

/** The token of a checkpoint device registered for this test, as `npm run devices -- add` makes one. */
export async function deviceToken(gateway: TestGateway, deviceId?: string): Promise<string> {
  return registerDevice(gateway, deviceId);
}

/**
 * What the page shows that is an API code rather than words (issue 21, item 1): `ERR_…`,
 * `deny_…`, `reason_…` or a string key the page has no words for. Checked after every test.
 */
export async function rawKeysOnScreen(page: Page): Promise<string[]> {
  if (page.isClosed() || !/^https?:/.test(page.url())) return [];
  const text = await page.locator('body').innerText().catch(() => '');
  return text.match(/\b(ERR_[A-Z_]+|deny_[a-z_]+|reason_[a-z_]+|why_[A-Z_]+|HTTP_\d+)\b/g) ?? [];
}

/** A test gateway on a loopback port serving pages built for this test file (no prior build needed). */
export interface PagesGateway {
  gw: TestGateway;
  base: string;
  close(): Promise<void>;
}

export async function startPagesGateway(options: TestGatewayOptions = {}): Promise<PagesGateway> {
  const web = await buildPagesForTest();
  const gw = await createTestGateway({ ...options, webDir: web.dir, overrides: { port: 0, host: '127.0.0.1', ...options.overrides } });
  const server = await gw.listen();
  return {
    gw,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await gw.close();
      web.remove();
    },
  };
}

/** Watches a page for what must never happen: a CSP violation, an uncaught error. */
export function watchPage(page: Page): { problems: string[] } {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(`csp: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return { problems };
}

const AXE_SOURCE = readFileSync(fromRoot('node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical violations on the page as it is now. axe is evaluated through
 * the DevTools protocol, which the page's CSP does not govern (the page itself still may not run
 * inline script).
 */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
  );
}

/** True when the page is no wider than the window (no horizontal scrolling). */
export async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
}

/** A screenshot for docs/screenshots/ (made by the tests, committed with them when UPDATE_SCREENSHOTS=1). */
export async function screenshot(page: Page, name: string): Promise<void> {
  // The committed screenshots change only when asked (UPDATE_SCREENSHOTS=1): a test run leaves the
  // checkout as it found it. Otherwise the picture is still taken, into the temporary directory.
  const dir = process.env['UPDATE_SCREENSHOTS'] === '1' ? fromRoot('docs', 'screenshots') : join(tmpdir(), 'hcg-screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** The phone the pages are made for: 360 px wide. */
export const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };

/**
 * The luma plane of a 640×480 frame with `jws` drawn as the pages draw a code (numeric mode, M),
 * `pxPerModule` sensor pixels to a module (whole pixels; by default as large as the frame allows).
 */
function qrFrame(jws: string, pxPerModule?: number): { luma: Buffer; width: number; height: number } {
  // Drawn as the pages draw a code (gateway/issuer/qr-segments.ts): numeric mode, error correction M.
  const qr = QRCode.create(qrSegments(jws), { errorCorrectionLevel: 'M' });
  const width = 640;
  const height = 480;
  const quiet = 4;
  const scale = pxPerModule ?? Math.floor(height / (qr.modules.size + 2 * quiet));
  const left = Math.floor((width - qr.modules.size * scale) / 2);
  const top = Math.floor((height - qr.modules.size * scale) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let row = 0; row < qr.modules.size; row++) {
    for (let col = 0; col < qr.modules.size; col++) {
      if (!qr.modules.data[row * qr.modules.size + col]) continue;
      for (let y = 0; y < scale; y++) luma.fill(16, (top + row * scale + y) * width + left + col * scale, (top + row * scale + y) * width + left + (col + 1) * scale);
    }
  }
  return { luma, width, height };
}

/**
 * Whether the page's decoder — zxing-cpp, the same .wasm and options as
 * web/src/checkpoint/camera.ts, here in Node — reads `jws` back from the frame qrVideo would play.
 * A test of the camera path checks this first, so that it fails on the page, not on the decoder.
 * (ZXing's JavaScript port, the page's reader before, missed about a third of dense codes even on
 * a perfect frame; zxing-cpp reads them: docs/performance.md, "The code's QR".)
 */
export async function zxingReadsFrame(jws: string, pxPerModule?: number): Promise<boolean> {
  return zxingReadsWholeFrame(qrFrame(jws, pxPerModule), jws);
}

/** Whether one read of the whole `frame` (the page's first step, without the enlarged centre) gives `jws` back. */
export async function zxingReadsWholeFrame(frame: LumaFrame, jws: string): Promise<boolean> {
  const { luma, width, height } = frame;
  await loadZxingCpp();
  // The RGBA a canvas's getImageData gives the page.
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < luma.length; i++) {
    data[4 * i] = data[4 * i + 1] = data[4 * i + 2] = luma[i]!;
    data[4 * i + 3] = 255;
  }
  return (await readWithPageOptions({ width, height, data })) === `shc:/${numericText(jws)}`;
}

export interface LumaFrame {
  luma: Buffer;
  width: number;
  height: number;
}

/**
 * A video of `jws` as a QR code for Chromium's fake camera (--use-file-for-fake-video-capture):
 * YUV4MPEG2, 4:2:0, the code black on white in the luma plane, a few identical frames (looped).
 */
export function qrVideo(jws: string, file: string, pxPerModule?: number): string {
  return lumaVideo(qrFrame(jws, pxPerModule), file);
}

/** The same for any grey frame (even width and height): its luma plane, neutral chroma. */
export function lumaVideo(frame: LumaFrame, file: string): string {
  const { luma, width, height } = frame;
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const one = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), one, one, one]));
  return file;
}

/** The little of the DOM the tests' predicates use (the tests are compiled without the DOM library). */
export interface Dom {
  document: { getElementById(id: string): { value: string; getAttribute(name: string): string | null } | null };
}

/** A JSON POST to the test gateway over its socket (recorded for the contract like the page's). */
export async function postJson(base: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface BrowserSession {
  pages: PagesGateway;
  browser: Browser;
  /** One phone-sized page the file's tests share, in order. */
  page: Page;
}

/**
 * The hooks of a browser test file: a gateway with freshly built pages and Chromium for the file,
 * one phone page (after `setup`), and after each test: no CSP violation, no uncaught error.
 */
export function browserSession(setup: (page: Page) => Promise<void> = async () => undefined): BrowserSession {
  const session = {} as BrowserSession;
  let watched: { problems: string[] } = { problems: [] };
  // A real browser on a shared machine: steps take seconds, not milliseconds.
  jest.setTimeout(45_000);
  beforeAll(async () => {
    [session.pages, session.browser] = await Promise.all([startPagesGateway(), launchBrowser()]);
    session.page = await (await session.browser.newContext(PHONE)).newPage();
    await setup(session.page);
    watched = watchPage(session.page);
  });
  afterAll(async () => {
    await session.browser?.close();
    await session.pages?.close();
  });
  afterEach(async () => {
    expect(watched.problems).toEqual([]);
    expect(await rawKeysOnScreen(session.page)).toEqual([]);
  });
  return session;
}

/**
 * Waits until the element shows exactly `expected` (10 s at most), then passes; otherwise fails
 * naming what it showed. The pages render after their own fetches, so reading the text once right
 * after a click races the page (a CI failure: the previous person's name still on screen).
 */
export async function expectText(locator: Locator, expected: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let shown = '';
  for (;;) {
    shown = await locator.innerText({ timeout: timeoutMs }).catch(() => shown);
    if (shown === expected || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(shown).toBe(expected);
}
