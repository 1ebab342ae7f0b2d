import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromRoot } from '../../gateway/paths.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * `entry` bundled by the library's own build (scripts/build-verifier.mjs), run as a child process:
 * esbuild refuses to run inside Jest's module sandbox (its Uint8Array is of another realm).
 */
export function buildBundle(entry: string, platform: 'browser' | 'node' = 'browser'): string {
  const dir = mkdtempSync(join(tmpdir(), 'hcg-verifier-'));
  const out = join(dir, 'bundle.mjs');
  execFileSync(process.execPath, [fromRoot('scripts', 'build-verifier.mjs'), '--entry', entry, '--out', out, '--platform', platform], { stdio: 'pipe' });
  const code = readFileSync(out, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  return code;
}

/**
 * The system Chromium (apt), never a downloaded browser, driven by playwright-core. Without it
 * the browser half of a test is skipped with a message; REQUIRE_BROWSER=1 (CI) turns that into a
 * failure.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

export const browserPresent = existsSync(CHROMIUM);
export const browserRequired = process.env['REQUIRE_BROWSER'] === '1';

export function describeBrowser(): jest.Describe {
  if (browserPresent) return describe;
  if (browserRequired) throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} is missing`);
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED: the browser half of this test needs ${CHROMIUM} (apt-get install chromium); REQUIRE_BROWSER=1 makes this a failure`);
  return describe.skip;
}

export interface BrowserPage {
  page: Page;
  /** Origin of the loopback server that serves the page and /verifier.js. */
  origin: string;
  close(): Promise<void>;
}

/**
 * A blank page on a loopback origin whose /verifier.js is `entry` bundled for browsers by the
 * library's own build (scripts/build-verifier.mjs), served with a Content-Security-Policy that
 * forbids eval: the library must not generate code at run time.
 */
export async function openVerifierPage(entry: string = fromRoot('verifier', 'index.ts')): Promise<BrowserPage> {
  const code = buildBundle(entry);
  const server: Server = createServer((req, res) => {
    res.setHeader('content-security-policy', "default-src 'none'; script-src 'self'; connect-src 'self'");
    if (req.url === '/verifier.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>verifier</title>');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  const page = await browser.newPage();
  await page.goto(`${origin}/`);
  return {
    page,
    origin,
    close: async () => {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
