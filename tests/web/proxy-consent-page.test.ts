import type { Browser, Page } from 'playwright-core';
import { personDeclaration } from '../helpers/test-gateway.js';
import { browserSession, describeInBrowser, PHONE, postJson, seriousA11yViolations, watchPage, type PagesGateway } from './browser.js';

/**
 * 谁可以代我申报 on the resident's page: a person approves or declines a proxy's request and removes
 * a proxy, with their own holder token (issue 9).
 */
describeInBrowser('proxy consent on the resident page (GET /) in Chromium', () => {
  const session = browserSession();
  let pages: PagesGateway;
  let browser: Browser;
  beforeAll(() => {
    ({ pages, browser } = session);
  });

  test('a person sees a proxy\'s pending request by masked name, approves it, declines another, and removes the proxy', async () => {
    const grandma = await postJson(pages.base, '/v1/declarations', personDeclaration(40));
    const son = await postJson(pages.base, '/v1/declarations', personDeclaration(41));
    const niece = await postJson(pages.base, '/v1/declarations', personDeclaration(42));
    for (const proxy of [son, niece]) {
      const asked = await postJson(pages.base, '/v1/declarations', personDeclaration(40), String(proxy.body['holderToken']));
      expect(asked.status).toBe(202);
    }

    const context = await browser.newContext(PHONE);
    // The device that declared keeps the holder token in its storage, as the page itself does.
    await context.addInitScript(`localStorage.setItem('hc.holder', ${JSON.stringify(JSON.stringify({ subjectId: grandma.body['subjectId'], holderToken: grandma.body['holderToken'] }))})`);
    const page: Page = await context.newPage();
    const watched = watchPage(page);
    await page.goto(pages.base + '/');
    await page.getByRole('button', { name: '谁可以代我申报 (2)' }).click();
    await page.getByRole('heading', { name: '待处理的代办请求' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('button', { name: '同意：测***号' }).first().click();
    await page.getByText(/^已同意测\*\*\*号代您申报。$/).waitFor();
    await page.getByRole('button', { name: '拒绝：测***号' }).click();
    await page.getByText(/^已拒绝测\*\*\*号的请求。$/).waitFor();
    expect(await page.locator('#request-list li').count()).toBe(0);
    expect(await page.locator('#proxy-list li').count()).toBe(1);

    // 移除 asks first; 取消 keeps the proxy.
    await page.getByRole('button', { name: '移除：测***号' }).click();
    await page.getByText('确定移除测***号吗？移除后此人不能再为您申报或查看您的健康码。').waitFor();
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('确认移除');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('button', { name: '取消' }).click();
    await page.getByRole('button', { name: '移除：测***号' }).waitFor();
    expect(await page.locator('#proxy-list li').count()).toBe(1);
    // The approved one (son or niece, whichever request came first) still acts for grandma.
    const access = await Promise.all(
      [son, niece].map(async (proxy) => (await fetch(`${pages.base}/v1/subjects/${String(grandma.body['subjectId'])}/code`, { headers: { authorization: `Bearer ${String(proxy.body['holderToken'])}` } })).status),
    );
    expect(access.sort()).toEqual([200, 403]);
    await page.getByRole('button', { name: '移除：测***号' }).click();
    await page.getByRole('button', { name: '确认移除：测***号' }).click();
    await page.getByText(/^已移除代办人测\*\*\*号。$/).waitFor();
    expect(await page.locator('#proxy-list li').count()).toBe(0);
    // Removal takes effect at once: neither would-be proxy may fetch grandma's code.
    for (const proxy of [son, niece]) {
      const res = await fetch(`${pages.base}/v1/subjects/${String(grandma.body['subjectId'])}/code`, { headers: { authorization: `Bearer ${String(proxy.body['holderToken'])}` } });
      expect(res.status).toBe(403);
    }
    expect(watched.problems).toEqual([]);
    await context.close();
  });
});
