import type { Page } from 'playwright-core';
import { personDeclaration } from '../helpers/test-gateway.js';
import { browserSession, describeInBrowser, expectText, fitsWidth, postJson, screenshot, seriousA11yViolations, type PagesGateway } from './browser.js';

/**
 * Forms that respect people (issue 21, item 3), in Chromium at phone width: 修改信息 starts from the
 * current declaration and says before any typing when today's change is used up; a proxy sees the
 * identity read-only; 代人申请 tells a refusal on opening; travel is chosen by province and city.
 */
describeInBrowser('the resident page\'s forms in Chromium', () => {
  const session = browserSession((page) => page.clock.install({ time: new Date('2026-11-27T08:00:00+08:00') }));
  let pages: PagesGateway;
  let page: Page;
  beforeAll(() => {
    ({ pages, page } = session);
  });

  async function openAs(holder: Record<string, unknown>): Promise<void> {
    await page.goto(pages.base + '/');
    await page.evaluate(`localStorage.setItem('hc.holder', ${JSON.stringify(JSON.stringify({ subjectId: holder['subjectId'], holderToken: holder['holderToken'] }))})`);
    await page.reload();
    await page.getByRole('img', { name: '健康码' }).waitFor();
  }

  test('修改信息 starts from the declaration as held, keeps the identity without retyping it, and is refused before the form the second time that day', async () => {
    const declared = await postJson(pages.base, '/v1/declarations', personDeclaration(50, { travel14d: ['130100', '440300'] }));
    await openAs(declared.body);
    await page.getByRole('button', { name: '修改信息' }).click();
    await page.getByRole('heading', { name: '修改信息' }).waitFor();
    // Said before any typing: today's change is still available.
    await expectText(page.locator('#form-error'), '今天还可以修改1次（每天1次）。已按当前申报填好，只需修改变化的内容。');
    // What was declared is there: the common city ticked, the other one in the picker's list.
    expect(await page.getByLabel('石家庄市').isChecked()).toBe(true);
    await expectText(page.locator('#travel-chosen span'), '广东省深圳市');
    expect(await page.getByLabel('姓名').inputValue()).toBe('测***号');
    expect(await page.getByLabel('姓名').getAttribute('readonly')).not.toBeNull();
    await expectText(page.locator('#identity-note'), '姓名、证件和手机号码按已登记的保持不变。');
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, 'resident-modify');

    // A province and a city from the picker, no region code typed.
    await page.getByLabel('省份').selectOption({ label: '湖北省' });
    await page.getByLabel('城市').selectOption({ label: '宜昌市' });
    await page.getByRole('button', { name: '添加地区' }).click();
    await page.getByRole('button', { name: '移除：广东省深圳市' }).click();
    await expectText(page.locator('#travel-chosen span'), '湖北省宜昌市');
    await page.locator('#declaration').getByLabel('咳嗽').check();
    await page.getByLabel('本人承诺以上信息真实').check();
    await page.getByRole('button', { name: '提交' }).click();
    await page.getByRole('heading', { name: '信息二次确认' }).waitFor();
    expect(await page.locator('#confirm-list').innerText()).toMatch(/测\*\*\*号[\s\S]*已登记（不变）[\s\S]*石家庄市、湖北省宜昌市[\s\S]*咳嗽/);
    const sent = page.waitForRequest((r) => r.method() === 'PUT');
    await page.getByRole('button', { name: '确认提交' }).click();
    // Only the health facts travel: the identity was neither retyped nor sent.
    expect(JSON.parse((await sent).postData() ?? '{}')).toEqual({ residence: 'permanent', travel14d: ['130100', '420500'], symptoms: ['cough'], contactWithCase: false, attestTruthful: true });
    await page.getByText('信息已修改，健康码已更新。').waitFor();
    await expectText(page.locator('#code-color'), '黄码');

    await page.getByRole('button', { name: '修改信息' }).click();
    await page.getByText('今天已修改过一次信息，每天只能修改1次，请明天再试。').waitFor();
    expect(await page.locator('#form-view').isVisible()).toBe(false);
  });

  test('a holder who is not green is told on opening 代人申请, before any form', async () => {
    // The holder above is yellow now (declared a symptom).
    await page.getByRole('button', { name: '代人申请' }).click();
    await page.getByText('只有绿码持有人才能代他人申请；您的健康码转为绿码后可再办理。').waitFor();
    expect(await page.getByRole('button', { name: '为家人申报' }).isVisible()).toBe(false);
    expect(await seriousA11yViolations(page)).toEqual([]);
  });

  test('a proxy changing a family member\'s details sees the identity read-only and changes the health facts only, in English too', async () => {
    const holder = await postJson(pages.base, '/v1/declarations', personDeclaration(51));
    const family = await postJson(pages.base, '/v1/declarations', personDeclaration(52), String(holder.body['holderToken']));
    await openAs(holder.body);
    await page.evaluate(`localStorage.setItem('hc.held', ${JSON.stringify(JSON.stringify([{ subjectId: family.body['subjectId'], name: '测***号' }]))})`);
    await page.getByRole('button', { name: '代人申请' }).click();
    await page.getByRole('button', { name: '为家人申报' }).waitFor();
    await page.getByRole('button', { name: '出示健康码：测***号' }).click();
    await page.getByRole('heading', { name: '测***号的健康码' }).waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Modify information' }).click();
    await expectText(page.locator('#identity-note'), 'As a proxy you may change only the health facts; the person changes their own name, document and phone.');
    expect(await page.getByLabel('Full name').getAttribute('readonly')).not.toBeNull();
    expect(await page.getByLabel('Document type').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Change name, document or phone' }).isVisible()).toBe(false);
    await page.getByLabel('Province').selectOption({ label: '北京市' });
    await page.getByRole('button', { name: 'Add region' }).click();
    await page.getByLabel('I promise the information above is true').check();
    await page.getByRole('button', { name: 'Submit', exact: true }).click();
    await page.getByRole('button', { name: 'Confirm and submit' }).click();
    await page.getByText('Information modified; the code is updated.').waitFor();
    await expectText(page.locator('#code-color'), 'Green code');
    await page.getByRole('button', { name: '中文' }).click();
  });
});
