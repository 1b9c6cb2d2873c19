/**
 * The sign-in page in a real browser: Debian's headless Chromium, driven by playwright-core, fills and
 * submits the form as a person would — a wrong token first (the page says so, no code), then the right
 * one (the browser lands on the connector's redirect URI with a code). No JavaScript on the page is
 * needed or used. `npm run docs` runs this with VOBIZ_UPDATE_DOCS=1 to write docs/sign-in.png, the
 * screenshot docs/connectors.md shows; otherwise the screenshot goes to a temporary directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import {
  authorizationUrl,
  discoverAndRegister,
  exchangeCode,
  oauthKey,
  REDIRECT_URI,
} from '../support/oauth-flow.js';
import { CHROMIUM, CHROMIUM_ARGS, noChromium } from '../support/chromium.js';
import { startRemote, stopRemote, type Remote } from '../support/remote-stack.js';

describe.skipIf(noChromium)('the sign-in page in Chromium', () => {
  let sandbox: Sandbox;
  let remote: Remote;
  let profile: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: false });
    remote = await startRemote({
      VOBIZ_BASE_URL: sandbox.baseUrl,
      MCP_OAUTH_KEY: oauthKey().setting,
      VOBIZ_READ_ONLY: 'true',
    });
    profile = await mkdtemp(path.join(os.tmpdir(), 'vobiz-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      javaScriptEnabled: false, // the page must work without it
      viewport: { width: 760, height: 980 },
    });
    // The connector's redirect URI is not on this machine: the browser's arrival there is answered here.
    await browser.route(`${new URL(REDIRECT_URI).origin}/**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the connector' }),
    );
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await rm(profile, { recursive: true, force: true });
    await stopRemote(remote);
    await sandbox.close();
  });

  it(
    'says what the connector can do, refuses a wrong token, and signs in with the right one',
    { timeout: 30_000 },
    async () => {
      const registered = await discoverAndRegister(remote.url, 'Claude');
      const { url, codeVerifier, state } = await authorizationUrl(registered);
      const page = await browser.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(url.href);
      expect(await page.locator('h1').innerText()).toBe('Sign in with your Vobiz account');
      const body = await page.locator('main').innerText();
      expect(body).toContain('Claude asks to use your Vobiz WhatsApp contacts');
      expect(body).toContain('read-only');
      expect(body).not.toContain('Delete a contact');

      await page.fill('#auth_id', sandbox.credentials.authId);
      await page.fill('#auth_token', 'wrong-token-0000');
      const screenshot =
        process.env['VOBIZ_UPDATE_DOCS'] === '1'
          ? path.resolve('docs/sign-in.png')
          : path.join(profile, 'sign-in.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      await page.click('button[type=submit]');
      const alert = await page.waitForSelector('[role=alert]');
      expect(await alert.innerText()).toContain('Vobiz did not accept this Auth ID and Auth Token');
      expect(page.url()).not.toContain('code=');

      await page.fill('#auth_token', sandbox.credentials.authToken);
      await page.click('button[type=submit]');
      await page.waitForURL((landed) => landed.href.startsWith(REDIRECT_URI));
      const landed = new URL(page.url());
      expect(landed.searchParams.get('state')).toBe(state);

      // The code the browser brought back is good for tokens.
      const tokens = await exchangeCode(registered, landed.href, codeVerifier);
      expect(tokens.access_token).toBeTruthy();
    },
  );
});
