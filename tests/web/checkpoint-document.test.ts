import type { Page } from 'playwright-core';
import { runPassesCommand } from '../../gateway/cli/passes-command.js';
import { personDeclaration, residentId, TestClock } from '../helpers/test-gateway.js';
import { browserSession, deviceToken, describeInBrowser, expectText, fitsWidth, postJson, seriousA11yViolations, type PagesGateway } from './browser.js';

/**
 * The checkpoint page serves people without a code (issue 25, §3): 无健康码（刷证件） beside the code
 * scan. An ID-card reader types the number and Enter as a keyboard does, the officer enters the
 * temperature, and the answer fills the screen saying it was decided by 一证通行; a printed 通行证
 * is scanned like a code and says so.
 */
const numberOf = (declaration: Record<string, unknown>): string => (declaration['applicant'] as { document: { number: string } }).document.number;
const ID_OF = (page: Page): Promise<unknown> => page.evaluate('document.activeElement && document.activeElement.id');

/** What an ID-card reader does: the number's characters as keystrokes, then Enter. */
async function readCard(page: Page, number: string): Promise<void> {
  await page.getByLabel('证件号码').focus();
  await page.keyboard.insertText(number);
  await page.keyboard.press('Enter');
}

describeInBrowser('the checkpoint page\'s 无健康码（刷证件） mode in Chromium', () => {
  const session = browserSession((page) => page.clock.setFixedTime(new TestClock().now()));
  let pages: PagesGateway;
  let page: Page;
  beforeAll(async () => {
    ({ pages, page } = session);
    const token = await deviceToken(pages.gw);
    await page.goto(pages.base + '/checkpoint');
    await page.getByLabel('设备登录码').fill(token);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByLabel('健康码').waitFor();
  });

  test('a card reader types a green resident\'s number, the officer the temperature, and 通行 says 一证通行 with the masked name', async () => {
    const person = personDeclaration(2901);
    await postJson(pages.base, '/v1/declarations', person);
    const mode = page.getByRole('button', { name: '无健康码（刷证件）' });
    await mode.click();
    expect(await mode.getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByLabel('健康码').isVisible()).toBe(false);
    expect(await ID_OF(page)).toBe('s-doc-number');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await readCard(page, numberOf(person));
    // The reader's Enter moves on to the temperature; nothing is sent yet.
    expect(await ID_OF(page)).toBe('s-temp');
    await page.keyboard.insertText('36.4');
    await page.keyboard.press('Enter');
    await page.locator('#result-view').waitFor();
    await expectText(page.locator('#result-decision'), '通行');
    await expectText(page.locator('#result-method'), '一证通行（凭证件核验）');
    await expectText(page.locator('#result-name'), '持码人：测*****号（请与证件核对）');
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await fitsWidth(page)).toBe(true);

    // The next person starts in the same mode, from the document number.
    await page.getByRole('button', { name: '下一位' }).click();
    expect(await ID_OF(page)).toBe('s-doc-number');
    expect(await page.getByLabel('健康码').isVisible()).toBe(false);
  });

  test('a document without a record is 禁止通行 with what the notice offers: a 通行证, or 申报 at once', async () => {
    await readCard(page, residentId('13018119420101005'));
    await page.getByLabel('体温（℃）').fill('36.5');
    await page.getByRole('button', { name: '核验' }).click();
    await expectText(page.locator('#result-decision'), '禁止通行');
    await expectText(page.locator('#result-reasons'), '无健康码记录：可到社区办理通行证，或当场申报');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('button', { name: '下一位' }).click();
  });

  test('a printed 通行证 is scanned in the code mode and the answer says 凭通行证核验', async () => {
    const person = personDeclaration(2902);
    const declared = await postJson(pages.base, '/v1/declarations', person);
    const out: string[] = [];
    await runPassesCommand(['issue', declared.body['subjectId'] as string], { deps: pages.gw.deps, out: (l) => out.push(l), err: () => undefined });
    await page.getByRole('button', { name: '无健康码（刷证件）' }).click();
    expect(await page.getByLabel('健康码').isVisible()).toBe(true);
    await page.getByLabel('健康码').focus();
    await page.keyboard.insertText(out.at(-1)!);
    await page.keyboard.press('Enter');
    await page.getByLabel('证件号码').fill(numberOf(person));
    await page.getByLabel('体温（℃）').fill('36.6');
    await page.getByLabel('体温（℃）').press('Enter');
    await expectText(page.locator('#result-decision'), '通行');
    await expectText(page.locator('#result-method'), '凭通行证核验');
    expect(await seriousA11yViolations(page)).toEqual([]);
  });
});
