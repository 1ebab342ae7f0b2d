import type { Page } from 'playwright-core';
import { personDeclaration, RISK_FEED_TOKEN } from '../helpers/test-gateway.js';
import { browserSession, describeInBrowser, expectText, fitsWidth, postJson, screenshot, seriousA11yViolations, type Dom, type PagesGateway } from './browser.js';

/**
 * The resident's page keeps the colour on screen true (issue 21, items 2 and 4): a colour changed
 * by the epidemic feed shows within seconds without a reload; offline past the code's life the
 * card says 已过期 and greys the QR, and recovers when the network is back; 刷新; and 健康打卡, the
 * daily check-in, for oneself and for a family member.
 */
const T0 = new Date('2026-11-27T08:00:00+08:00');

describeInBrowser('the resident page keeps the colour current, and takes the daily check-in, in Chromium', () => {
  const session = browserSession((page) => page.clock.install({ time: T0 }));
  let pages: PagesGateway;
  let page: Page;
  beforeAll(() => {
    ({ pages, page } = session);
  });

  /** Declares through the API and opens the page as that person's phone would (the token in storage). */
  async function openAs(n: number): Promise<{ subjectId: string; holderToken: string; declaration: Record<string, unknown> }> {
    const declaration = personDeclaration(n);
    const { body } = await postJson(pages.base, '/v1/declarations', declaration);
    const holder = { subjectId: body['subjectId'] as string, holderToken: body['holderToken'] as string };
    await page.goto(pages.base + '/');
    await page.evaluate(`localStorage.setItem('hc.holder', ${JSON.stringify(JSON.stringify(holder))})`);
    await page.reload();
    await page.getByRole('img', { name: '健康码' }).waitFor();
    return { ...holder, declaration };
  }

  test('an open green code turns red within seconds of a close-contact event, without a reload', async () => {
    const { declaration } = await openAs(30);
    await expectText(page.locator('#code-color'), '绿码');
    const qr = await page.locator('#code-qr').getAttribute('src');
    const document = (declaration['applicant'] as { document: unknown }).document;
    const event = { id: 'evt-live-1', type: 'close_contact', document, occurredAt: new Date(pages.gw.clock.now()).toISOString() };
    expect((await postJson(pages.base, '/v1/risk-events', { events: [event] }, RISK_FEED_TOKEN)).status).toBe(200);
    await page.clock.runFor(5_000);
    await expectText(page.locator('#code-color'), '红码');
    // With when it may turn green (issue 25): 14 days after the contact.
    await page.locator('#code-reasons', { hasText: /^密切接触者（预计 \d+月\d+日 \d\d:\d\d 后可转为绿码）$/ }).waitFor();
    expect(await page.locator('#code-qr').getAttribute('src')).not.toBe(qr);
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  test('without a network past the code\'s life the card says 已过期 with the time and greys the QR; back online it is a live code again', async () => {
    await openAs(31);
    await expectText(page.locator('#code-color'), '绿码');
    await page.context().setOffline(true);
    await page.clock.runFor(10_000);
    await expectText(page.locator('#code-network'), '无法连接服务器，显示的可能不是最新的健康码。');
    // The code (15 minutes) was shown at 08:00:0x on the device: past its life it no longer looks valid.
    await page.clock.runFor(15 * 60_000);
    await expectText(page.locator('#code-color'), '已过期');
    expect(await page.locator('#code-expired').innerText()).toMatch(/^此健康码已于 08:15:\d\d 过期，请联网后刷新。$/);
    expect(await page.evaluate(`getComputedStyle(document.getElementById('code-qr')).filter`)).toBe('grayscale(1)');
    expect(await fitsWidth(page)).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'resident-expired');

    pages.gw.clock.advance(16 * 60_000);
    await page.context().setOffline(false);
    await page.clock.runFor(10_000);
    await expectText(page.locator('#code-color'), '绿码');
    expect(await page.locator('#code-network').isVisible()).toBe(false);
    expect(await page.locator('#code-expired').isVisible()).toBe(false);
  });

  test('刷新 fetches a fresh code at once', async () => {
    const before = await page.locator('#code-qr').getAttribute('src');
    // Past half the code's life the gateway signs a new one (issue 18: before that it returns the same code).
    pages.gw.clock.advance(8 * 60_000);
    const fetched = page.waitForResponse((r) => /\/v1\/subjects\/[^/]+\/code$/.test(new URL(r.url()).pathname) && r.status() === 200);
    await page.getByRole('button', { name: '刷新' }).click();
    await fetched;
    await page.waitForFunction((src) => (globalThis as unknown as Dom).document.getElementById('code-qr')!.getAttribute('src') !== src, before);
  });

  test('健康打卡: a clean check-in keeps the code green, a second one the same day is refused in plain words', async () => {
    await page.getByRole('button', { name: '健康打卡' }).click();
    await page.getByRole('heading', { name: '健康打卡' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'resident-check-in');
    await page.getByLabel('今天的体温（℃）').fill('36.6');
    await page.getByRole('button', { name: '提交打卡' }).click();
    await page.getByText('今天已打卡（2026-11-27）。').waitFor();
    await expectText(page.locator('#code-color'), '绿码');

    // The second time the same day is told before the form.
    await page.getByRole('button', { name: '健康打卡' }).click();
    await page.getByText('今天已经打过卡了，每天打卡1次，请明天再来。如身体不适，请修改申报信息或及时就医。').waitFor();
    expect(await page.locator('#checkin-view').isVisible()).toBe(false);
    await page.getByRole('img', { name: '健康码' }).waitFor();
  });

  test('健康打卡 for a family member with a fever turns their code yellow, with the reason, in Chinese and in English', async () => {
    const holder = await openAs(32);
    const family = await postJson(pages.base, '/v1/declarations', personDeclaration(33), holder.holderToken);
    expect(family.status).toBe(201);
    await page.evaluate(`localStorage.setItem('hc.held', ${JSON.stringify(JSON.stringify([{ subjectId: family.body['subjectId'], name: '测***号' }]))})`);
    await page.getByRole('button', { name: '代人申请' }).click();
    await page.getByRole('button', { name: '出示健康码：测***号' }).click();
    await page.getByRole('heading', { name: '测***号的健康码' }).waitFor();
    await page.getByRole('button', { name: '健康打卡' }).click();
    await page.getByRole('heading', { name: '为测***号健康打卡' }).waitFor();
    await page.getByLabel('今天的体温（℃）').fill('38.2');
    await page.locator('#check-in').getByLabel('咳嗽').check();
    await page.getByRole('button', { name: '提交打卡' }).click();
    await page.getByText(/^今天已打卡（2026-11-27）。因报告发热或症状，健康码已转为黄码/).waitFor();
    await expectText(page.locator('#code-color'), '黄码');
    // Each with when it may turn green (issue 25): 14 days after the check-in that reported it.
    const zh = await page.locator('#code-reasons li').allInnerTexts();
    expect(zh.map((t) => t.replace(/（预计 12月11日 \d\d:\d\d 后可转为绿码）$/, '（预计 14 天后）'))).toEqual(['健康打卡报告有症状（预计 14 天后）', '健康打卡报告发热（预计 14 天后）']);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Health code of 测***号' }).waitFor();
    const en = await page.locator('#code-reasons li').allInnerTexts();
    expect(en.map((t) => t.replace(/ \(may turn green after 11 December at \d\d:\d\d\)$/, ' (14 days)'))).toEqual(['Symptoms reported at a daily check-in (14 days)', 'Fever reported at a daily check-in (14 days)']);
    await page.getByRole('button', { name: 'Daily check-in' }).click();
    await page.getByText('Today\'s check-in is already done (one a day); come back tomorrow. If you feel unwell, modify your declaration or see a doctor.').waitFor();
    await page.getByRole('button', { name: '中文' }).click();
  });
});
