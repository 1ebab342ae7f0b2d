import type { Browser, Page } from 'playwright-core';
import { personDeclaration } from '../helpers/test-gateway.js';
import { browserSession, describeInBrowser, fitsWidth, PHONE, screenshot, seriousA11yViolations, watchPage, type Dom, type PagesGateway, expectText } from './browser.js';

/**
 * The resident's page in Debian's Chromium at phone width: 申报 with the page's own checks and
 * 信息二次确认, the code with its live clock, kept across a reload and renewed without one,
 * 修改信息 once a day, 代人申请. Every state is checked with axe-core.
 */
interface Person {
  name: string;
  docType?: string;
  number: string;
  phone: string;
  symptoms?: string[];
}

const ZHANG: Person = { name: '张永猛', number: '130181199003071239', phone: '13012340604' };

async function fillDeclaration(page: Page, person: Person): Promise<void> {
  await page.getByLabel('姓名').fill(person.name);
  await page.getByLabel('证件类型').selectOption(person.docType ?? 'resident_id');
  await page.getByLabel('证件号码').fill(person.number);
  await page.getByLabel('手机号码').fill(person.phone);
  await page.getByLabel('石家庄市').check();
  for (const symptom of person.symptoms ?? []) await page.getByLabel(symptom, { exact: true }).check();
  await page.getByLabel('本人承诺以上信息真实').check();
}

async function submitAndConfirm(page: Page): Promise<void> {
  await page.getByRole('button', { name: '提交' }).click();
  await page.getByRole('heading', { name: '信息二次确认' }).waitFor();
  await page.getByRole('button', { name: '确认提交' }).click();
}

function applicantOf(declaration: Record<string, unknown>): Person {
  const applicant = declaration['applicant'] as { name: string; document: { number: string }; phone: string };
  return { name: applicant.name, number: applicant.document.number, phone: applicant.phone };
}

describeInBrowser('the resident page (GET /) in Chromium', () => {
  const session = browserSession((page) =>
    // The page's timers run on a clock the test can move (the code renewal is minutes away).
    page.clock.install({ time: new Date('2026-11-27T08:00:00+08:00') }),
  );
  let pages: PagesGateway;
  let browser: Browser;
  let page: Page;
  beforeAll(() => {
    ({ pages, browser, page } = session);
  });

  test('a resident declares: the page checks the ID before sending, asks for confirmation, then shows a green code with a live clock', async () => {
    const requests: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/v1/')) requests.push(`${request.method()} ${new URL(request.url()).pathname}`);
    });
    await page.goto(pages.base + '/');
    await page.getByRole('heading', { name: '健康申报' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await fitsWidth(page)).toBe(true);
    await screenshot(page, 'resident-declare');

    // A mistyped check character is caught in the page: nothing is sent.
    await fillDeclaration(page, { ...ZHANG, number: '130181199003071230' });
    await page.getByRole('button', { name: '提交' }).click();
    await expect(page.getByText('身份证号码校验位错误').isVisible()).resolves.toBe(true);
    expect(requests).toEqual([]);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByLabel('证件号码').fill(ZHANG.number);
    await page.getByRole('button', { name: '提交' }).click();
    // 信息二次确认 shows what will be sent, in words.
    const summary = page.locator('#confirm-list');
    await summary.waitFor();
    expect(await summary.innerText()).toMatch(/张永猛[\s\S]*居民身份证[\s\S]*130181199003071239[\s\S]*常住[\s\S]*石家庄市/);
    expect(requests).toEqual([]);
    await page.getByRole('button', { name: '确认提交' }).click();

    await page.getByRole('img', { name: '健康码' }).waitFor();
    // (The page also asks whether this gateway has the proxy-consent routes, and watches the
    // colour (GET …/color); neither is personal data.)
    const sent = requests.filter((r) => !r.endsWith('/proxy-requests') && !r.endsWith('/color'));
    expect(sent).toEqual(['POST /v1/declarations', expect.stringMatching(/^GET \/v1\/subjects\/sub_[\w-]+\/code$/)]);
    await expectText(page.locator('#code-color'), '绿码');
    await expectText(page.locator('#code-name'), '张*猛');
    // The clock shows seconds and moves: a screenshot cannot pass for a live code.
    const before = await page.locator('#code-clock').innerText();
    expect(before).toMatch(/08:00:\d\d/);
    await page.clock.runFor(2000);
    expect(await page.locator('#code-clock').innerText()).not.toBe(before);
    // The token stays on the device, never in the address.
    expect(page.url()).toBe(pages.base + '/');
    expect(await fitsWidth(page)).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'resident-code');
  });

  test('the code is still there after a reload, and it is fetched again before it expires without a reload', async () => {
    await page.reload();
    await page.getByRole('img', { name: '健康码' }).waitFor();
    await expectText(page.locator('#code-color'), '绿码');
    const first = await page.getByRole('img', { name: '健康码' }).getAttribute('src');

    // Codes live 15 minutes (CREDENTIAL_TTL_SECONDS); the page asks again at 80 % of that.
    pages.gw.clock.advance(12 * 60_000);
    const renewed = page.waitForResponse((r) => /\/v1\/subjects\/[^/]+\/code$/.test(new URL(r.url()).pathname) && r.status() === 200);
    await page.clock.runFor(12 * 60_000 + 1000);
    await renewed;
    await page.waitForFunction((src) => (globalThis as unknown as Dom).document.getElementById('code-qr')!.getAttribute('src') !== src, first);
    expect(page.url()).toBe(pages.base + '/');
  });

  test('the page is in English on request and back in Chinese', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'My health code' }).waitFor();
    await expectText(page.locator('#code-color'), 'Green code');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { name: '我的健康码' }).waitFor();
  });

  test('a resident modifies the information once; the second time the same day is refused in plain words before the form', async () => {
    await page.getByRole('button', { name: '修改信息' }).click();
    // The form starts from what was declared (石家庄市); only what changed is entered.
    expect(await page.getByLabel('石家庄市').isChecked()).toBe(true);
    await page.locator('#declaration').getByLabel('咳嗽', { exact: true }).check();
    await page.getByLabel('本人承诺以上信息真实').check();
    await submitAndConfirm(page);
    await page.getByText('信息已修改，健康码已更新。').waitFor();
    // Declared symptoms: yellow for 14 days, with the reason in Chinese.
    await page.locator('#code-color', { hasText: '黄码' }).waitFor();
    await expect(page.locator('#code-reasons').innerText()).resolves.toContain('申报有症状');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('button', { name: '修改信息' }).click();
    await page.getByText('今天已修改过一次信息，每天只能修改1次，请明天再试。').waitFor();
    expect(await page.locator('#form-view').isVisible()).toBe(false);
    // The next calendar day (Asia/Shanghai) the change is possible again; the holder may also
    // change the identity, typed in full.
    pages.gw.clock.advance(24 * 3_600_000);
    await page.getByRole('button', { name: '修改信息' }).click();
    await page.getByRole('button', { name: '修改姓名、证件或手机号码' }).click();
    await fillDeclaration(page, ZHANG);
    await page.locator('#declaration').getByLabel('咳嗽', { exact: true }).uncheck();
    await submitAndConfirm(page);
    await page.getByText('信息已修改，健康码已更新。').waitFor();
    await page.locator('#code-color', { hasText: '绿码' }).waitFor();
  });

  test('a green holder declares for a family member, finds them in the list and shows their code', async () => {
    const child = applicantOf(personDeclaration(1));
    await page.getByRole('button', { name: '代人申请' }).click();
    await page.getByText('还没有代办的人。').waitFor();
    await page.getByRole('button', { name: '为家人申报' }).click();
    await fillDeclaration(page, child);
    await submitAndConfirm(page);
    await page.getByText('已为测**号申领健康码。').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'resident-family');

    await page.getByRole('button', { name: '出示健康码：测**号' }).click();
    // The code is the family member's, headed with their (masked) name, not "the proxy's code".
    await page.getByRole('heading', { name: '测**号的健康码' }).waitFor();
    await expectText(page.locator('#code-name'), '测**号');
    await expectText(page.locator('#code-color'), '绿码');
    await page.getByRole('button', { name: '返回本人健康码' }).click();
    await expectText(page.locator('#code-name'), '张*猛');
  });

  test('declaring for someone who already has a code links them, or asks them when the API answers 202 pending', async () => {
    const grandma = personDeclaration(2);
    const created = await fetch(pages.base + '/v1/declarations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(grandma) });
    expect(created.status).toBe(201);
    await page.getByRole('button', { name: '代人申请' }).click();
    await page.getByRole('button', { name: '为家人申报' }).click();
    await fillDeclaration(page, applicantOf(grandma));
    const answer = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/declarations');
    await submitAndConfirm(page);
    const status = (await answer).status();
    expect([200, 202]).toContain(status);
    if (status === 202) await page.getByText('已向本人发送代办请求，待本人同意后生效。').waitFor();
    else await page.getByText('测**号已有健康码，已加入您代办的人。').waitFor();
    await page.getByRole('button', { name: '返回' }).click();
  });

  test('a document already registered is refused with the API\'s answer, in a fresh browser', async () => {
    const other = await browser.newContext(PHONE);
    const fresh = await other.newPage();
    const problems = watchPage(fresh);
    await fresh.goto(pages.base + '/');
    await fillDeclaration(fresh, ZHANG);
    await submitAndConfirm(fresh);
    await fresh.getByText('该证件已申领健康码，无需重复申报；请在原手机上出示健康码。').waitFor();
    expect(problems.problems).toEqual([]);
    await other.close();
  });
});
