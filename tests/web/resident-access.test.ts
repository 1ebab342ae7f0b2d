import type { Page } from 'playwright-core';
import { residentId } from '../helpers/test-gateway.js';
import { browserSession, describeInBrowser, expectText, fitsWidth, seriousA11yViolations, type PagesGateway } from './browser.js';

/**
 * The resident page serves people the phone-first page left behind (issue 25, §4): 大字版 (1.5×
 * text, the code as large as the screen allows, nothing cut at a 200 % browser font size,
 * remembered on the device), 帮助 (the notice's questions and answers and its hotlines), and, for
 * a yellow or red code, when it may turn green.
 */
const LI = { name: '李小红', number: residentId('13018119520307123'), phone: '13112340605' };

async function declareWithCough(page: Page): Promise<void> {
  await page.getByLabel('姓名').fill(LI.name);
  await page.getByLabel('证件号码').fill(LI.number);
  await page.getByLabel('手机号码').fill(LI.phone);
  await page.getByLabel('石家庄市').check();
  await page.getByLabel('咳嗽', { exact: true }).check();
  await page.getByLabel('本人承诺以上信息真实').check();
  await page.getByRole('button', { name: '提交' }).click();
  await page.getByRole('button', { name: '确认提交' }).click();
  await page.getByRole('img', { name: '健康码' }).waitFor();
}

/** Elements whose text is wider than their box: what a reader at a large font size would lose. */
const CLIPPED = `[...document.querySelectorAll('h1, h2, h3, p, li, label, button, dt, dd, legend, span')]
  .filter((e) => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map((e) => e.id || e.tagName + ':' + e.textContent.slice(0, 20))`;

const rootFontPx = (page: Page): Promise<number> => page.evaluate('parseFloat(getComputedStyle(document.documentElement).fontSize)');
const qrWidth = (page: Page): Promise<number> => page.evaluate("document.getElementById('code-qr').getBoundingClientRect().width");

describeInBrowser('the resident page\'s 大字版, 帮助 and "when it may turn green" in Chromium', () => {
  const session = browserSession((page) => page.clock.install({ time: new Date('2026-11-27T08:00:00+08:00') }));
  let pages: PagesGateway;
  let page: Page;
  beforeAll(() => {
    ({ pages, page } = session);
  });

  test('a yellow code says when each reason ends: 14 days after the declaration', async () => {
    await page.goto(pages.base + '/');
    await declareWithCough(page);
    await expectText(page.locator('#code-reasons'), '申报有症状（预计 12月11日 08:00 后可转为绿码）');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  test('大字版 makes the text 1.5× and the code larger, is remembered on the device, and cuts nothing at a 200 % font size', async () => {
    const [normalFont, normalQr] = [await rootFontPx(page), await qrWidth(page)];
    const toggle = page.getByRole('button', { name: '大字版' });
    await toggle.click();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await rootFontPx(page)).toBeCloseTo(normalFont * 1.5, 1);
    expect(await qrWidth(page)).toBeGreaterThan(normalQr);
    expect(await qrWidth(page)).toBeGreaterThan(0.8 * 360);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.reload();
    await page.getByRole('img', { name: '健康码' }).waitFor();
    expect(await page.getByRole('button', { name: '大字版' }).getAttribute('aria-pressed')).toBe('true');
    expect(await rootFontPx(page)).toBeCloseTo(normalFont * 1.5, 1);

    // The browser's own font size at 200 % (Chromium's setting, through the DevTools protocol).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 32, fixed: 26 } });
    expect(await rootFontPx(page)).toBeCloseTo(normalFont * 3, 1);
    expect(await fitsWidth(page)).toBe(true);
    expect(await page.evaluate(CLIPPED)).toEqual([]);
    await page.getByRole('button', { name: '帮助' }).click();
    expect(await page.evaluate(CLIPPED)).toEqual([]);
    await page.getByRole('button', { name: '关闭' }).click();
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: 16, fixed: 13 } });
    await page.getByRole('button', { name: '大字版' }).click();
    expect(await rootFontPx(page)).toBeCloseTo(normalFont, 1);
  });

  test('帮助 shows the notice\'s questions and answers and its hotlines, and closes again', async () => {
    await page.getByRole('button', { name: '帮助' }).click();
    const dialog = page.getByRole('dialog', { name: '帮助 · 常见问题' });
    await dialog.waitFor();
    const text = await dialog.innerText();
    for (const words of ['红码、黄码是怎么判定的', '返回辛集', '代人申请', '海外地区', '每天可修改1次', '不设申请上限', '境外手机号', '临时性政策']) expect(text).toContain(words);
    await expectText(page.locator('#help-hotlines'), '咨询热线：0311-83283507、83283500');
    expect(await page.locator('#help-hotlines a').first().getAttribute('href')).toBe('tel:031183283507');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('button', { name: '关闭' }).click();
    expect(await dialog.isVisible()).toBe(false);
  });
});
