import type { Browser, Page } from 'playwright-core';
import { personDeclaration } from '../helpers/test-gateway.js';
import { browserSession, describeInBrowser, expectText, PHONE, postJson, seriousA11yViolations, watchPage, type PagesGateway } from './browser.js';
import { lastCodeTo } from '../issuer/recovery-helpers.js';

/**
 * 找回健康码 and 退出登录 on the resident's page (issue 17): on a new phone the resident gets its code
 * back with the code sent to the phone it declared; on a shared phone it signs out.
 */
describeInBrowser('recovery and sign-out on the resident page (GET /) in Chromium', () => {
  const session = browserSession();
  let pages: PagesGateway;
  let browser: Browser;
  beforeAll(() => {
    ({ pages, browser } = session);
  });

  test('a resident on a new phone recovers its code with the text-message code, then signs out and the device forgets it', async () => {
    const body = personDeclaration(80);
    const { document, phone, name } = body['applicant'] as { document: { number: string }; phone: string; name: string };
    const first = await postJson(pages.base, '/v1/declarations', body);
    expect(first.status).toBe(201);

    const context = await browser.newContext(PHONE);
    const page: Page = await context.newPage();
    const watched = watchPage(page);
    await page.goto(pages.base + '/');
    await page.getByRole('heading', { name: '健康申报' }).waitFor();
    await page.getByRole('button', { name: '找回健康码' }).click();
    await page.getByRole('heading', { name: '找回健康码' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    // The declaration form (hidden) has fields of the same names: ask the recovery view.
    const view = page.locator('#recover-view');
    await view.getByLabel('姓名').fill(name);
    await view.getByLabel('证件号码').fill(document.number);
    await view.getByLabel('手机号码').fill('12345');
    await view.getByRole('button', { name: '获取验证码' }).click();
    await expectText(page.locator('#r-phone-error'), '请填写中国大陆手机号码（11位，以13–19开头）。');
    await view.getByLabel('手机号码').fill(phone);
    await view.getByRole('button', { name: '获取验证码' }).click();
    await view.getByLabel('短信验证码（6位数字）').waitFor();
    const code = lastCodeTo(pages.gw, phone)!;
    await view.getByLabel('短信验证码（6位数字）').fill(code === '000000' ? '000001' : '000000');
    await view.getByRole('button', { name: '确认' }).click();
    await expectText(page.locator('#recover-message'), '验证码错误或已过期，请重新获取。');
    await view.getByLabel('短信验证码（6位数字）').fill(code);
    await view.getByRole('button', { name: '确认' }).click();
    await expectText(page.locator('#code-color'), '绿码');
    await expectText(page.locator('#message'), '已找回健康码。其他设备上的旧登录已失效。');
    // The old phone's token ended with the recovery.
    const old = await fetch(`${pages.base}/v1/subjects/${String(first.body['subjectId'])}/code`, { headers: { authorization: `Bearer ${String(first.body['holderToken'])}` } });
    expect(old.status).toBe(401);
    const kept = await page.evaluate(() => localStorage.getItem('hc.holder'));
    expect(kept).toContain(String(first.body['subjectId']));
    expect(kept).not.toContain(document.number);

    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByRole('heading', { name: '健康申报' }).waitFor();
    await expectText(page.locator('#message'), '已退出登录，本机不再保存您的健康码。');
    expect(await page.evaluate(() => localStorage.getItem('hc.holder'))).toBeNull();
    const token = JSON.parse(kept!).holderToken as string;
    const after = await fetch(`${pages.base}/v1/subjects/${String(first.body['subjectId'])}/code`, { headers: { authorization: `Bearer ${token}` } });
    expect(after.status).toBe(401);
    expect(watched.problems).toEqual([]);
    await context.close();
  });
});
