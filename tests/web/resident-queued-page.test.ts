import type { Page } from 'playwright-core';
import { browserSession, describeInBrowser, expectText, seriousA11yViolations } from './browser.js';

/**
 * Issue 22 on the resident's page: a declaration accepted while the gateway is busy (202 queued)
 * shows 申报已受理，健康码生成中（前面还有 N 人，约 M 分钟）, and the page fetches the code by itself
 * once a queue worker has made it — no reload, no second declaration.
 */
async function declareZhang(page: Page): Promise<void> {
  await page.getByLabel('姓名').fill('张永猛');
  await page.getByLabel('证件类型').selectOption('resident_id');
  await page.getByLabel('证件号码').fill('130181199003071239');
  await page.getByLabel('手机号码').fill('13012340604');
  await page.getByLabel('石家庄市').check();
  await page.getByLabel('本人承诺以上信息真实').check();
  await page.getByRole('button', { name: '提交' }).click();
  await page.getByRole('heading', { name: '信息二次确认' }).waitFor();
  await page.getByRole('button', { name: '确认提交' }).click();
}

describeInBrowser('the resident page on a launch day (declaration queued)', () => {
  const session = browserSession((page) => page.clock.install({ time: new Date('2026-11-27T08:00:00+08:00') }));

  test('says the declaration is accepted and its place while the code is made, then shows the code without a reload', async () => {
    const { pages, page } = session;
    const { gw } = pages;
    // Every slot of the issue pool busy: the declaration is queued.
    const releases: Array<() => void> = [];
    const held = Array.from({ length: gw.pools.issue.concurrency }, () => gw.pools.issue.run(() => new Promise<void>((resolve) => releases.push(resolve))));
    await page.goto(pages.base + '/');
    await page.getByRole('heading', { name: '健康申报' }).waitFor();
    await declareZhang(page);

    await expectText(page.locator('#message'), '申报已受理，健康码生成中（前面还有 0 人，约 1 分钟）');
    expect(await page.getByRole('img', { name: '健康码' }).isVisible()).toBe(false);
    expect(await seriousA11yViolations(page)).toEqual([]);

    for (const release of releases) release();
    await Promise.all(held);
    expect(await gw.declarationQueue!.drain()).toBe(1);
    // The page asks again by itself (its Retry-After, a few seconds on its clock).
    const fetched = page.waitForResponse((r) => /\/v1\/subjects\/[^/]+\/code$/.test(new URL(r.url()).pathname) && r.status() === 200);
    await page.clock.runFor(61_000);
    await fetched;
    await page.getByRole('img', { name: '健康码' }).waitFor();
    await expectText(page.locator('#code-color'), '绿码');
    expect(await page.locator('#message').isVisible()).toBe(false);
  });
});
