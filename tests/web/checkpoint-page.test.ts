import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { cameraFrame } from '../../bench/qr-image.js';
import { numericText, qrSegments } from '../../gateway/issuer/qr-segments.js';
import { personDeclaration, residentId, RISK_FEED_TOKEN, TestClock } from '../helpers/test-gateway.js';
import { browserSession, deviceToken, describeInBrowser, fitsWidth, launchBrowser, PHONE, postJson, qrVideo, lumaVideo, zxingReadsFrame, zxingReadsWholeFrame, type LumaFrame, screenshot, seriousA11yViolations, watchPage, type Dom, type PagesGateway, expectText } from './browser.js';

/**
 * The checkpoint officer's page in Debian's Chromium at phone width: sign in with the device
 * token, a handheld scanner types the code and Enter, 证件号码 and 体温, 核验; the answer fills the
 * screen with every reason, and nothing personal stays. The camera path reads a real code from
 * Chromium's fake camera.
 */
function numberOf(declaration: Record<string, unknown>): string {
  return (declaration['applicant'] as { document: { number: string } }).document.number;
}

async function issue(base: string, declaration: Record<string, unknown>): Promise<string> {
  const result = await postJson(base, '/v1/declarations', declaration);
  if (result.status !== 201) throw new Error(`declaration answered ${result.status}: ${JSON.stringify(result.body)}`);
  return (result.body['credential'] as { jws: string }).jws;
}

async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(base + '/checkpoint');
  await page.getByLabel('设备登录码').fill(token);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByLabel('健康码').waitFor();
}

/** What a handheld scanner does: the code's characters as keystrokes, then Enter. */
async function scanWithScanner(page: Page, code: string): Promise<void> {
  await page.getByLabel('健康码').focus();
  await page.keyboard.insertText(code);
  await page.keyboard.press('Enter');
}

async function presentAndVerify(page: Page, number: string, temperature: string): Promise<void> {
  await page.getByLabel('证件号码').fill(number);
  await page.getByLabel('体温（℃）').fill(temperature);
  await page.getByLabel('体温（℃）').press('Enter');
  await page.locator('#result-view').waitFor();
}

const ID_OF = (page: Page): Promise<unknown> => page.evaluate('document.activeElement && document.activeElement.id');

describeInBrowser('the checkpoint page (GET /checkpoint) in Chromium', () => {
  // The device's clock agrees with the gateway's (its TestClock), as a checkpoint's phone does
  // with the real gateway: the trust bundle taken for 离线核验 is current, not expired.
  const session = browserSession((page) => page.clock.setFixedTime(new TestClock().now()));
  let pages: PagesGateway;
  let page: Page;
  let token: string;
  let deviceId: string;
  beforeAll(async () => {
    ({ pages, page } = session);
    deviceId = 'gate-east-3';
    token = await deviceToken(pages.gw, deviceId);
  });

  test('an officer signs in once, a scanner types a green code with Enter, and 通行 fills the screen; the next person starts from an empty form', async () => {
    const person = personDeclaration(10);
    const jws = await issue(pages.base, person);
    await page.goto(pages.base + '/checkpoint');
    await page.getByRole('heading', { name: '设备登录' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'checkpoint-signin');
    await signIn(page, pages.base, token);
    // Signed in for good on this device: a reload goes straight to the form.
    await page.reload();
    await page.getByLabel('健康码').waitFor();
    expect(await page.locator('#signin-view').isVisible()).toBe(false);
    // The signed trust bundle is taken for 离线核验 (tests/web/checkpoint-offline.test.ts).
    await page.getByText(/^断网时也能核验/).waitFor();

    await scanWithScanner(page, jws);
    // Enter from the scanner moves on to the document; it does not send a half-filled form.
    expect(await ID_OF(page)).toBe('s-doc-number');
    expect(await page.locator('#result-view').isVisible()).toBe(false);
    await presentAndVerify(page, numberOf(person), '36.5');

    await expectText(page.locator('#result-decision'), '通行');
    await expectText(page.locator('#result-issuer'), '发码城市：辛集市');
    expect(await fitsWidth(page)).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'checkpoint-pass');
    // The form is already empty behind the answer; storage holds the device token and what
    // 离线核验 needs (the gateway's public keys and its signed trust bundle), nothing personal.
    expect(await page.evaluate(`['s-code', 's-doc-number', 's-temp'].map((id) => document.getElementById(id).value)`)).toEqual(['', '', '']);
    expect(await page.evaluate('Object.keys(localStorage).sort()')).toEqual(['hc.deviceId', 'hc.deviceToken', 'hc.trustBundle', 'hc.trustKeys']);
    const bundle = JSON.parse((await page.evaluate(`localStorage.getItem('hc.trustBundle')`)) as string) as string;
    const payload = Buffer.from(bundle.split('.')[1]!, 'base64url').toString('utf8');
    expect(payload).not.toContain(numberOf(person));
    expect(payload).not.toContain('测试10号');

    await page.getByRole('button', { name: '下一位' }).click();
    expect(await ID_OF(page)).toBe('s-code');
    expect(await page.locator('#result-view').isVisible()).toBe(false);
    expect(await page.locator('#result-view').innerText()).not.toMatch(/测\*\*号|辛集市|通行/);
    expect(await page.locator('body').innerText()).not.toContain('测**号');
  });

  test('禁止通行 shows every reason in Chinese words that say what to do: 黄码, 发热, 证件不符; 红码; and 无法核验 for something that is not a code', async () => {
    const yellow = personDeclaration(11, { symptoms: ['cough'] });
    await scanWithScanner(page, await issue(pages.base, yellow));
    await presentAndVerify(page, residentId('13018119900307123'.slice(0, 14) + '555'), '38.2');
    await expectText(page.locator('#result-decision'), '禁止通行');
    await expect(page.locator('#result-reasons li').allInnerTexts()).resolves.toEqual(['黄码', '发热，请复测体温', '证件不符，请核对证件号码']);
    await expectText(page.locator('#result-issuer'), '发码城市：辛集市');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'checkpoint-deny');
    await page.getByRole('button', { name: '下一位' }).click();

    // A confirmed case: the person's fresh code is red, and the code issued before is superseded.
    const red = personDeclaration(12);
    const before = (await postJson(pages.base, '/v1/declarations', red)).body;
    const at = new Date(pages.gw.clock.now()).toISOString();
    await postJson(pages.base, '/v1/risk-events', { events: [{ id: 'evt-browser-1', type: 'confirmed_case', document: (red['applicant'] as { document: unknown }).document, occurredAt: at }] }, RISK_FEED_TOKEN);
    const fresh = await fetch(`${pages.base}/v1/subjects/${String(before['subjectId'])}/code`, { headers: { authorization: `Bearer ${String(before['holderToken'])}` } });
    const redCode = ((await fresh.json()) as { credential: { jws: string } }).credential.jws;
    const verdicts: string[][] = [];
    for (const code of [redCode, (before['credential'] as { jws: string }).jws, 'not-a-health-code']) {
      await scanWithScanner(page, code);
      await presentAndVerify(page, numberOf(red), '36.4');
      await expectText(page.locator('#result-decision'), '禁止通行');
      verdicts.push(await page.locator('#result-reasons li').allInnerTexts());
      await page.getByRole('button', { name: '下一位' }).click();
    }
    expect(verdicts).toEqual([
      ['红码'],
      ['无法核验（健康码已更新，请持码人刷新后重新出示）'],
      ['无法核验（不是健康码，请持码人打开健康码页面重新出示）'],
    ]);
  });

  test('a code issued in the future is 无法核验 with what to do, in Chinese and in English, never the API\'s message', async () => {
    const person = personDeclaration(18);
    pages.gw.clock.advance(60 * 60_000);
    const future = await issue(pages.base, person);
    pages.gw.clock.advance(-60 * 60_000);
    await scanWithScanner(page, future);
    await presentAndVerify(page, numberOf(person), '36.5');
    await expect(page.locator('#result-reasons li').allInnerTexts()).resolves.toEqual(['无法核验（健康码的签发时间晚于现在，疑似手机时间有误或伪造，请持码人刷新后重新出示；仍不行请人工核实）']);
    await page.getByRole('button', { name: '下一位' }).click();
    // The same in English, with the officer's page in English throughout.
    await page.getByRole('button', { name: 'English' }).click();
    await expectText(page.locator('#device-name'), `This device: ${deviceId}`);
    await page.getByLabel('Health code').focus();
    await page.keyboard.insertText(future);
    await page.keyboard.press('Enter');
    await page.getByLabel('Document number').fill(numberOf(person));
    await page.getByLabel('Temperature (°C)').fill('36.5');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expectText(page.locator('#result-decision'), 'Do not pass');
    await expect(page.locator('#result-reasons li').allInnerTexts()).resolves.toEqual([
      'Cannot be verified (The code claims to be issued later than now (a wrong clock or a forgery): ask the person to refresh it; if it persists, check by hand)',
    ]);
    await page.getByRole('button', { name: 'Next person' }).click();
    await page.getByRole('button', { name: '中文' }).click();
  });

  test('a device sign-in code withdrawn after sign-in sends the officer back to sign-in with a clear message', async () => {
    const person = personDeclaration(14);
    const jws = await issue(pages.base, person);
    await page.evaluate(`localStorage.setItem('hc.deviceToken', JSON.stringify('not-a-device-token'))`);
    await scanWithScanner(page, jws);
    await page.getByLabel('证件号码').fill(numberOf(person));
    await page.getByLabel('体温（℃）').fill('36.5');
    await page.getByLabel('体温（℃）').press('Enter');
    await page.getByText('设备登录码无效或已停用，请向管理员索取新的登录码后重新登录。').waitFor();
    expect(await page.locator('#signin-view').isVisible()).toBe(true);
    expect(await page.evaluate(`localStorage.getItem('hc.deviceToken')`)).toBeNull();
    await signIn(page, pages.base, token);
  });

  test('a mistyped sign-in code is refused at sign-in, before any scan; the right one names the device', async () => {
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.getByLabel('设备登录码').fill(token.slice(0, -2));
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByText('设备登录码无效或已停用，请向管理员索取新的登录码后重新登录。').waitFor();
    expect(await page.locator('#scan-view').isVisible()).toBe(false);
    expect(await page.evaluate(`localStorage.getItem('hc.deviceToken')`)).toBeNull();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByLabel('设备登录码').fill(token);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByLabel('健康码').waitFor();
    await expectText(page.locator('#device-name'), `本设备：${deviceId}`);
  });

  test('a code scanned while the last answer is on screen starts the next person with that code, and a passport code selects 护照', async () => {
    const first = personDeclaration(16);
    await scanWithScanner(page, await issue(pages.base, first));
    await presentAndVerify(page, numberOf(first), '36.5');
    await expectText(page.locator('#result-decision'), '通行');
    // The scanner types the next code (key by key, as a keyboard does) and Enter, with 下一位 focused.
    const traveller = personDeclaration(17, { applicant: { ...(personDeclaration(17)['applicant'] as object), document: { type: 'passport', number: 'E17171717' } } });
    const passportCode = await issue(pages.base, traveller);
    expect(await ID_OF(page)).toBe('btn-next');
    await page.keyboard.type(passportCode);
    await page.keyboard.press('Enter');
    await page.locator('#scan-view').waitFor();
    expect(await page.locator('#result-view').isVisible()).toBe(false);
    expect(await page.locator('#s-code').inputValue()).toBe(passportCode);
    expect(await page.locator('#s-doc-type').inputValue()).toBe('passport');
    expect(await ID_OF(page)).toBe('s-doc-number');
    await presentAndVerify(page, 'E17171717', '36.5');
    await expectText(page.locator('#result-decision'), '通行');
    // A plain Enter on the answer screen is still 下一位.
    await page.keyboard.press('Enter');
    await page.locator('#scan-view').waitFor();
    expect(await page.locator('#s-code').inputValue()).toBe('');
  });

  test('扫码 decodes a real code from the camera at 2 px per module (Chromium\'s fake camera playing a video of it), with the decoder from the gateway itself, and 通行 follows', async () => {
    // The first code issued, drawn small: 2 sensor pixels per module, the code 162 px of a 640×480
    // frame (a phone held back from the scanner). No hunting for a code the reader happens to read.
    const person = personDeclaration(15);
    const jws = await issue(pages.base, person);
    // The page's decoder reads this frame in Node too, so a failure here is the page's.
    expect(await zxingReadsFrame(jws, 2)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'hcg-camera-'));
    const camera = await launchBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${qrVideo(jws, join(dir, 'code.y4m'), 2)}`]);
    try {
      const context = await camera.newContext(PHONE);
      await context.grantPermissions(['camera'], { origin: pages.base });
      const officer = await context.newPage();
      const problems = watchPage(officer);
      const fetched: string[] = [];
      officer.on('request', (req) => fetched.push(req.url()));
      await signIn(officer, pages.base, token);
      await officer.getByRole('button', { name: '扫码' }).click();
      // A function, not a string: the page's CSP forbids eval, also to the test.
      await officer.waitForFunction(() => (globalThis as unknown as Dom).document.getElementById('s-code')!.value.length > 0, undefined, { timeout: 15_000 });
      // The camera reads the QR's text: shc:/ and two digits per JWS character (numeric mode).
      expect(await officer.locator('#s-code').inputValue()).toBe(`shc:/${numericText(jws)}`);
      expect(await ID_OF(officer)).toBe('s-doc-number');
      // The decoder's WebAssembly came from the gateway (compiled under the page's CSP, which
      // would have reported a refusal as a problem), and nothing was asked of another origin.
      expect(fetched).toContain(`${pages.base}/assets/zxing_reader.wasm`);
      expect(fetched.filter((url) => !url.startsWith(`${pages.base}/`))).toEqual([]);
      await presentAndVerify(officer, numberOf(person), '36.6');
      await expectText(officer.locator('#result-decision'), '通行');
      expect(problems.problems).toEqual([]);
    } finally {
      await camera.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('扫码 reads a code at 1.5 px per module that a read of the whole frame misses: the page reads it again from the frame\'s centre, enlarged', async () => {
    // A phone held too far: the bench's camera frame (bench/qr-image.ts: 1.5 px per module, soft
    // focus, sensor noise, washed-out contrast, in an 800×600 scene), at the first grid phase for
    // which zxing-cpp, reading the whole frame as the page did before, finds no code.
    const person = personDeclaration(20);
    const jws = await issue(pages.base, person);
    const segments = qrSegments(jws);
    let frame: LumaFrame | undefined;
    for (let draw = 0; draw < 40 && !frame; draw++) {
      const phase = draw / 40;
      const rgba = cameraFrame(segments, { pxPerModule: 1.5, blurPx: 0.4, noise: 8, rotationDeg: 0, phaseX: phase, phaseY: (phase * 7) % 1, dark: 30, light: 225 }, 2000 + draw);
      const luma = Buffer.from(Uint8Array.from({ length: rgba.width * rgba.height }, (_, i) => rgba.data[4 * i]!));
      const candidate = { luma, width: rgba.width, height: rgba.height };
      if (!(await zxingReadsWholeFrame(candidate, jws))) frame = candidate;
    }
    expect(frame).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'hcg-camera-'));
    const camera = await launchBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${lumaVideo(frame!, join(dir, 'far.y4m'))}`]);
    try {
      const context = await camera.newContext(PHONE);
      await context.grantPermissions(['camera'], { origin: pages.base });
      const officer = await context.newPage();
      const problems = watchPage(officer);
      await signIn(officer, pages.base, token);
      await officer.getByRole('button', { name: '扫码' }).click();
      await officer.waitForFunction(() => (globalThis as unknown as Dom).document.getElementById('s-code')!.value.length > 0, undefined, { timeout: 15_000 });
      expect(await officer.locator('#s-code').inputValue()).toBe(`shc:/${numericText(jws)}`);
      expect(problems.problems).toEqual([]);
    } finally {
      await camera.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('扫码 without the decoder (its download failed) says so, not that the camera failed, and the code can still be typed', async () => {
    const jws = await issue(pages.base, personDeclaration(19));
    const dir = mkdtempSync(join(tmpdir(), 'hcg-camera-'));
    const camera = await launchBrowser(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${qrVideo(jws, join(dir, 'code.y4m'))}`]);
    try {
      const context = await camera.newContext(PHONE);
      await context.grantPermissions(['camera'], { origin: pages.base });
      const officer = await context.newPage();
      await officer.route('**/assets/zxing_reader.wasm', (route) => route.abort('connectionfailed'));
      await signIn(officer, pages.base, token);
      await officer.getByRole('button', { name: '扫码' }).click();
      await expectText(officer.locator('#scan-error'), '扫码程序无法加载，请使用扫码枪或手动输入。');
      expect(await officer.locator('#scan-view').isVisible()).toBe(true);
      expect(await officer.locator('#camera-view').isVisible()).toBe(false);
      await officer.locator('#s-code').fill(jws);
      expect(await officer.locator('#s-code').inputValue()).toBe(jws);
    } finally {
      await camera.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
