import type { Browser } from 'playwright-core';
import { personDeclaration } from '../helpers/test-gateway.js';
import { startIdentityProvider, type IdentityProvider } from '../helpers/identity-provider.js';
import { freePort } from '../issuer/gateway-process.js';
import { describeInBrowser, expectText, launchBrowser, PHONE, postJson, rawKeysOnScreen, seriousA11yViolations, startPagesGateway, watchPage, type PagesGateway } from './browser.js';

/**
 * 实名认证登录 on the resident's page (issue 17, item 1), the whole round trip in Chromium: the page
 * offers the button only when the gateway has an identity provider; the person goes to the real
 * provider (oidc-provider on loopback, under another host name: another site) and comes back to
 * the page with code and state, which leave the address bar at once; the page finishes the sign-in
 * and shows the person's code, and the token another phone held ends.
 */
const CLIENT = { client_id: 'xinji-gateway', client_secret: 'xinji-gateway-secret-0123456789' };

describeInBrowser('real-name sign-in on the resident page (GET /) in Chromium', () => {
  let idp: IdentityProvider;
  let pages: PagesGateway;
  let browser: Browser;

  beforeAll(async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    idp = await startIdentityProvider({
      host: 'localhost',
      clients: [{ ...CLIENT, redirect_uris: [`${base}/`], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' }],
    });
    [pages, browser] = await Promise.all([
      startPagesGateway({ overrides: { port, oidc: { issuer: idp.issuer, clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret, redirectUri: `${base}/`, nameClaim: 'name', documentClaim: 'id_card_number', scope: 'openid profile' } } }),
      launchBrowser(),
    ]);
    expect(pages.base).toBe(base);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await idp?.close();
  });

  test('a resident on a new phone signs in at the city\'s identity provider and comes back to its own code; the old phone\'s token ends', async () => {
    const body = personDeclaration(85);
    const applicant = body['applicant'] as { name: string; document: { number: string } };
    const first = await postJson(pages.base, '/v1/declarations', body);
    expect(first.status).toBe(201);
    idp.accounts.set('acct-85', { name: applicant.name, id_card_number: applicant.document.number });
    idp.loggingIn = 'acct-85';

    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const watched = watchPage(page);
    const visited: string[] = [];
    page.on('request', (req) => {
      if (req.isNavigationRequest() && req.frame() === page.mainFrame()) visited.push(req.url());
    });
    await page.goto(pages.base + '/');
    await page.getByRole('heading', { name: '健康申报' }).waitFor();
    await page.getByRole('button', { name: '找回健康码' }).click();
    await page.getByRole('button', { name: '实名认证登录' }).click();

    await expectText(page.locator('#code-color'), '绿码');
    await expectText(page.locator('#message'), '已通过实名认证找回健康码。其他设备上的旧登录已失效。');
    // Through the provider, and back to the page without code or state in the address bar.
    expect(visited.some((url) => url.startsWith(`${idp.issuer}/auth?`))).toBe(true);
    expect(visited.some((url) => url.startsWith(`${pages.base}/?code=`))).toBe(true);
    expect(page.url()).toBe(`${pages.base}/`);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await rawKeysOnScreen(page)).toEqual([]);
    const kept = await page.evaluate(() => localStorage.getItem('hc.holder'));
    expect(kept).toContain(String(first.body['subjectId']));
    expect(kept).not.toContain(applicant.document.number);
    const old = await fetch(`${pages.base}/v1/subjects/${String(first.body['subjectId'])}/code`, { headers: { authorization: `Bearer ${String(first.body['holderToken'])}` } });
    expect(old.status).toBe(401);
    expect(watched.problems).toEqual([]);
    await context.close();
  });

  test('an ID token the provider did not sign is refused on the page in words, and the old phone keeps its code', async () => {
    const body = personDeclaration(86);
    const applicant = body['applicant'] as { name: string; document: { number: string } };
    const first = await postJson(pages.base, '/v1/declarations', body);
    expect(first.status).toBe(201);
    idp.accounts.set('acct-86', { name: applicant.name, id_card_number: applicant.document.number });
    idp.loggingIn = 'acct-86';
    idp.forge = async (idToken) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${idToken.split('.')[1]}.`;

    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const watched = watchPage(page);
    try {
      await page.goto(pages.base + '/');
      await page.getByRole('button', { name: '找回健康码' }).click();
      await page.getByRole('button', { name: '实名认证登录' }).click();
      await page.waitForURL(`${pages.base}/`);
      await expectText(page.locator('#message'), '实名认证未通过校验，请重新登录。');
      expect(await rawKeysOnScreen(page)).toEqual([]);
      expect(await page.evaluate(() => localStorage.getItem('hc.holder'))).toBeNull();
      const old = await fetch(`${pages.base}/v1/subjects/${String(first.body['subjectId'])}/code`, { headers: { authorization: `Bearer ${String(first.body['holderToken'])}` } });
      expect(old.status).toBe(200);
      expect(watched.problems).toEqual([]);
    } finally {
      idp.forge = undefined;
      await context.close();
    }
  });
});
