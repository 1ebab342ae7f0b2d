import { jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DOCUMENT } from '../hostile/corpus.js';
import { personDeclaration, residentId, TestClock } from '../helpers/test-gateway.js';
import { entry, StatusListServer } from '../partners/status-list-server.js';
import { PartnerCity } from '../recognition/partner-city.js';
import { BEIJING } from '../recognition/profiles.js';
import { JWKS, payloadOf, writePartner } from '../recognition/setup.js';
import { deviceToken, describeInBrowser, fitsWidth, launchBrowser, PHONE, postJson, screenshot, seriousA11yViolations, watchPage, startPagesGateway, type PagesGateway, expectText } from './browser.js';

/**
 * 离线核验 (issue 13): the checkpoint page takes the gateway's signed trust bundle while online and,
 * once the gateway is stopped (its socket really closed), still decides in the page with the
 * verifier library: 通行 for a valid green partner code with the right document, 禁止通行 for a
 * code the bundle's status snapshot lists as revoked, and 无法核验 — never 通行 — with an expired
 * bundle or none at all. A Xinji code is checked offline through its scrypt binding: the page never
 * holds the document pepper.
 */
const MINUTE = 60_000;
const LIFETIME_MS = JWKS.staleMaxSeconds * 1000; // the bundle's expiresAt - generatedAt

async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(base + '/checkpoint');
  await page.getByLabel('设备登录码').fill(token);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByLabel('健康码').waitFor();
}

/** 亮码 + 证件 + 体温 → 核验, and the answer's lines. */
async function decide(page: Page, code: string, number: string, temperature = '36.5'): Promise<{ decision: string; reasons: string[]; mode: string; ms: number }> {
  await page.getByLabel('健康码').fill(code);
  await page.getByLabel('证件号码').fill(number);
  await page.getByLabel('体温（℃）').fill(temperature);
  const start = performance.now();
  await page.getByRole('button', { name: '核验' }).click();
  await page.locator('#result-view').waitFor();
  const ms = Math.round(performance.now() - start);
  const mode = page.locator('#result-mode');
  return {
    decision: await page.locator('#result-decision').innerText(),
    reasons: await page.locator('#result-reasons li').allInnerTexts(),
    mode: (await mode.isVisible()) ? await mode.innerText() : '',
    ms,
  };
}

async function next(page: Page): Promise<void> {
  await page.getByRole('button', { name: '下一位' }).click();
  await page.getByLabel('健康码').waitFor();
}

describeInBrowser('the checkpoint page offline (离线核验 with the trust bundle) in Chromium', () => {
  const clock = new TestClock();
  let beijing: PartnerCity;
  let status: StatusListServer;
  let partnersDir: string;
  let pages: PagesGateway;
  let browser: Browser;
  let token: string;
  let green: string;
  let revoked: string;
  let popup: string;
  let xinji: { code: string; number: string };
  let gatewayOpen = true;
  let offlineMs = 0;
  jest.setTimeout(90_000);

  beforeAll(async () => {
    beijing = await PartnerCity.start(BEIJING);
    status = await new StatusListServer(beijing.issuer, clock.now).start();
    partnersDir = mkdtempSync(join(tmpdir(), 'hcg-offline-'));
    const [started, launched] = await Promise.all([
      (async () => {
        mkdirSync(join(partnersDir, 'partners'), { recursive: true });
        writePartner(partnersDir, beijing.partner({ statusUri: status.url }));
        return startPagesGateway({ dir: partnersDir, clock, overrides: { allowInsecureLoopbackJwks: true, jwks: JWKS } });
      })(),
      launchBrowser(),
    ]);
    [pages, browser] = [started, launched];
    const now = clock.now();
    green = await beijing.code({ color: '未见异常', now, document: DOCUMENT });
    revoked = await beijing.code({ color: '未见异常', now, document: DOCUMENT });
    popup = await beijing.code({ color: '弹窗', now, document: DOCUMENT });
    status.entries = [entry(payloadOf(revoked)['jti'] as string, 'revoked', now)];
    // Online, the gateway fetches Beijing's keys and status list; its bundle carries both.
    const verdicts = await Promise.all([green, revoked].map(async (code) => (await postJson(pages.base, '/v1/verify', { code })).body));
    expect(verdicts.map((v) => (v['valid'] ? 'valid' : (v['error'] as { code: string }).code))).toEqual(['valid', 'ERR_CREDENTIAL_REVOKED']);
    const person = personDeclaration(20);
    const declared = await postJson(pages.base, '/v1/declarations', person);
    xinji = { code: (declared.body['credential'] as { jws: string }).jws, number: (person['applicant'] as { document: { number: string } }).document.number };
    token = await deviceToken(pages.gw);
  });

  afterAll(async () => {
    await browser?.close();
    if (gatewayOpen) await pages?.close();
    await Promise.all([beijing?.close(), status?.close()]);
    rmSync(partnersDir, { recursive: true, force: true });
  });

  test('without a trust bundle on the device, a scan the gateway cannot answer is 无法核验, never 通行', async () => {
    const context = await browser.newContext(PHONE);
    try {
      const page = await context.newPage();
      const watched = watchPage(page);
      await page.clock.setFixedTime(clock.now() + MINUTE);
      // This device never gets a bundle, and then loses the network for the scan itself.
      await page.route('**/.well-known/health-code-trust', (route) => route.abort('internetdisconnected'));
      await signIn(page, pages.base, token);
      await page.getByText('本机尚无离线核验数据，断网时无法核验，请联网').waitFor();
      await page.route('**/v1/checkpoint/scans', (route) => route.abort('internetdisconnected'));
      const answer = await decide(page, green, DOCUMENT.number);
      expect(answer).toMatchObject({ decision: '禁止通行', reasons: ['无法核验（本机没有离线核验数据，请联网后重试）'], mode: '离线核验' });
      expect(await seriousA11yViolations(page)).toEqual([]);
      expect(watched.problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('the page takes the bundle online; with the gateway stopped it still gives 通行 for a green partner code, 禁止通行 for one the bundle lists as revoked, and 无法核验 once the bundle has expired', async () => {
    const page = await (await browser.newContext(PHONE)).newPage();
    const watched = watchPage(page);
    const generatedAt = clock.now();
    // The officer's device clock: five minutes after the gateway made the bundle.
    await page.clock.setFixedTime(generatedAt + 5 * MINUTE);
    await signIn(page, pages.base, token);
    await page.getByText('断网时也能核验（核验数据更新于 5 分钟前）').waitFor();
    expect(await page.evaluate('Object.keys(localStorage).sort()')).toEqual(['hc.deviceId', 'hc.deviceToken', 'hc.trustBundle', 'hc.trustKeys']);

    // Online first: the gateway's answer, without 离线核验.
    expect(await decide(page, green, DOCUMENT.number)).toMatchObject({ decision: '通行', reasons: [], mode: '' });
    await next(page);
    // Beijing's 弹窗 (pop-up) state never passes by itself; the screen says the officer must check by hand.
    expect(await decide(page, popup, DOCUMENT.number)).toMatchObject({
      decision: '需人工核实',
      reasons: ['弹窗状态：发码城市无法确认此人情况，请人工核实（核对证件、询问14天行程）后按规定处理'],
    });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await next(page);

    // A 5xx is the gateway's answer, not an outage: the page says so and decides nothing itself.
    await page.route('**/v1/checkpoint/scans', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'ERR_OVERLOADED', message: 'The gateway is busy.' } }) }));
    await page.getByLabel('健康码').fill(green);
    await page.getByLabel('证件号码').fill(DOCUMENT.number);
    await page.getByLabel('体温（℃）').fill('36.5');
    await page.getByRole('button', { name: '核验' }).click();
    await page.getByText('当前办理人数较多，请稍等几秒后重试，已填写的内容不会丢失。').waitFor();
    expect(await page.locator('#result-view').isVisible()).toBe(false);
    // No answer at all: after the scan timeout (8 s) the page decides offline.
    await page.unroute('**/v1/checkpoint/scans');
    await page.route('**/v1/checkpoint/scans', () => undefined);
    const late = await decide(page, green, DOCUMENT.number);
    expect(late).toMatchObject({ decision: '通行', mode: '离线核验\n核验数据更新于 5 分钟前' });
    expect(late.ms).toBeGreaterThanOrEqual(8_000);
    await page.unroute('**/v1/checkpoint/scans');
    await next(page);

    // The gateway stops: its listening socket is closed, nothing answers on its port.
    gatewayOpen = false;
    await pages.close();
    await expect(fetch(`${pages.base}/health`)).rejects.toThrow();

    const pass = await decide(page, green, DOCUMENT.number);
    expect(pass).toMatchObject({ decision: '通行', reasons: [], mode: '离线核验\n核验数据更新于 5 分钟前' });
    await expectText(page.locator('#result-issuer'), '发码城市：北京市');
    expect(await fitsWidth(page)).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'checkpoint-offline');
    await next(page);
    // The time one offline decision takes in Chromium (issue 13 asks it reported), from the press of
    // 核验 to the answer on the screen, measured from outside (playwright's clock replaces the
    // page's performance timeline): the median of five, beside the same path without the library's
    // work (the expired bundle, below) as the baseline of clicks and rendering.
    const times: number[] = [pass.ms];
    for (let i = 0; i < 4; i++) {
      times.push((await decide(page, green, DOCUMENT.number)).ms);
      await next(page);
    }
    offlineMs = times.sort((x, y) => x - y)[2]!;

    // A Xinji code: the page has no document pepper, so its scrypt binding is checked, like a partner's.
    expect(await decide(page, xinji.code, xinji.number)).toMatchObject({ decision: '通行', reasons: [], mode: '离线核验\n核验数据更新于 5 分钟前' });
    await expectText(page.locator('#result-issuer'), '发码城市：辛集市');
    await next(page);
    expect(await decide(page, xinji.code, DOCUMENT.number)).toMatchObject({ decision: '禁止通行', reasons: ['证件不符，请核对证件号码'] });
    await next(page);

    // The same reasons as online: the bundle's status snapshot, the binding, the temperature.
    expect(await decide(page, revoked, DOCUMENT.number)).toMatchObject({ decision: '禁止通行', reasons: ['无法核验（健康码已作废，请持码人刷新后重新出示）'], mode: '离线核验\n核验数据更新于 5 分钟前' });
    await next(page);
    expect(await decide(page, green, residentId('11010119900101004'), '38.0')).toMatchObject({ decision: '禁止通行', reasons: ['发热，请复测体温', '证件不符，请核对证件号码'], mode: '离线核验\n核验数据更新于 5 分钟前' });
    await next(page);

    // Past the bundle's expiresAt (the device clock moved on): fail closed.
    await page.clock.setFixedTime(generatedAt + LIFETIME_MS + MINUTE);
    await page.getByRole('button', { name: '退出登录' }).waitFor();
    const expired = await decide(page, green, DOCUMENT.number);
    expect(expired.decision).toBe('禁止通行');
    expect(expired.reasons).toEqual(['无法核验（离线核验数据已过期，请联网后重试）']);
    console.log(`one offline decision in Chromium (green Beijing code, logN 10 binding), 核验 to the answer: median ${offlineMs} ms; the same path refused before any verification (expired bundle): ${expired.ms} ms`);
    expect(expired.mode).toBe('离线核验\n核验数据更新于 61 分钟前');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await next(page);
    await expectText(page.locator('#trust-status'), '离线核验数据已过期（核验数据更新于 61 分钟前），断网时无法核验，请联网');
    expect(watched.problems).toEqual([]);
  });
});
