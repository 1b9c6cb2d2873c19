/**
 * The review view in a real browser: Debian's headless Chromium (the `chromium` package; .ci/run
 * installs it), driven by playwright-core, which downloads no browser. The page plays the host: it
 * shows the view in a sandboxed iframe, and ext-apps' own host bridge (AppBridge), connected to our
 * server and the sandbox through a real MCP client, speaks to it — relayed between Node and the page,
 * as a host's bridge would through postMessage. It checks every message the view sends.
 *
 * Without Chromium the tests are skipped, unless VOBIZ_REQUIRE_BROWSER is set (support/chromium.ts).
 * `npm run docs` (VOBIZ_UPDATE_DOCS=1) writes the screenshot docs/review-app.png.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CallToolResult, JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { AppBridge } from '@modelcontextprotocol/ext-apps/app-bridge';
import { chromium, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobRegistry } from '../../src/jobs/registry.js';
import { REVIEW_URI } from '../../src/review/review-app.js';
import { CHROMIUM, CHROMIUM_ARGS, noChromium } from '../support/chromium.js';
import { requestMark, requestsSince, textOf } from '../support/context.js';
import { startMemoryStack, type MemoryStack } from '../support/memory-stack.js';

const SCREENSHOT = path.resolve(import.meta.dirname, '../../docs/review-app.png');

/** The host page: a sandboxed frame for the view, and the two ends of the relay to the bridge in Node. */
const HOST_PAGE = `<!doctype html><html><body style="margin:0;background:#fafafa">
<iframe id="app" title="Review" sandbox="allow-scripts" style="border:0;width:380px;height:420px"></iframe>
<script>
const frame = document.getElementById('app');
window.deliver = (message) => frame.contentWindow.postMessage(message, '*');
window.showView = (html) => { frame.srcdoc = html; };
window.addEventListener('message', (event) => { if (event.source === frame.contentWindow) window.toBridge(event.data); });
</script></body></html>`;

interface HostWindow {
  deliver(message: unknown): void;
  showView(html: string): void;
}

/** The bridge's transport: messages to the view go through the page, the view's come back through it. */
class PageRelay implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  constructor(private readonly page: Page) {}
  async start(): Promise<void> {}
  async send(message: JSONRPCMessage): Promise<void> {
    await this.page.evaluate((m) => (globalThis as unknown as HostWindow).deliver(m), message);
  }
  async close(): Promise<void> {
    this.onclose?.();
  }
}

let context: BrowserContext;
let profile: string;
let stack: MemoryStack;
let bridge: AppBridge | undefined;

describe.skipIf(noChromium)('the review view in Chromium', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    profile = await mkdtemp(path.join(os.tmpdir(), 'vobiz-review-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
  });
  afterAll(async () => {
    await context?.close();
    await rm(profile, { recursive: true, force: true });
  });
  afterEach(async () => {
    await bridge?.close();
    await stack?.close();
  });

  /** Three contacts at the fair and one elsewhere; the threshold is 2, so tagging the fair is reviewed. */
  async function seeded({ jobs = false } = {}): Promise<MemoryStack> {
    stack = await startMemoryStack({
      sandbox: { seed: false },
      apps: true,
      context: {
        confirm: { mode: 'auto', bulkThreshold: 2 },
        // A call held 1 s at most, then going on as a job.
        ...(jobs && { jobs: { registry: new JobRegistry(), owner: 'me', budgetMs: 1_000 } }),
      },
    });
    const people: [string, string, string[]][] = [
      ['+919800000501', 'Asha Rao', ['fair', 'vip']],
      ['+919800000502', 'Bala Iyer', ['fair']],
      ['+919800000503', 'Chitra N', ['fair', 'newsletter']],
      ['+919800000504', 'Dev Out', ['delhi']],
    ];
    for (const [phone_number, name, tags] of people) {
      const created = await stack.call('create_contact', { phone_number, name, tags });
      expect(created.isError, textOf(created)).toBeFalsy();
    }
    return stack;
  }

  /**
   * The model's call and its result, shown in the view as a host shows it: a fresh page, the bridge
   * connected to our server's client, the tool's input and result sent once the view is ready.
   */
  async function showReview(
    args: Record<string, unknown>,
    { name = 'tag_contacts', theme = 'light' }: { name?: string; theme?: 'light' | 'dark' } = {},
  ) {
    const result = (await stack.client.callTool({ name, arguments: args })) as CallToolResult;
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    // Nothing leaves the page: a request to anywhere would fail, and is recorded above.
    await page.route('**/*', (route) => route.abort());
    const relay = new PageRelay(page);
    // The tools the view called, through the bridge.
    const called: string[] = [];
    await page.exposeFunction('toBridge', (message: JSONRPCMessage) => {
      if ('method' in message && message.method === 'tools/call') {
        called.push(String((message.params as { name?: unknown } | undefined)?.name));
      }
      relay.onmessage?.(message);
    });
    await page.setContent(HOST_PAGE);

    const { tools } = await stack.client.listTools();
    const tool = tools.find((candidate) => candidate.name === name)!;
    bridge = new AppBridge(
      stack.client,
      { name: 'vobiz-test-host', version: '1.0.0' },
      { serverTools: {} },
      { hostContext: { theme, toolInfo: { tool }, displayMode: 'inline', platform: 'web' } },
    );
    const ready = new Promise<void>((resolve) => {
      bridge!.oninitialized = () => {
        void bridge!.sendToolInput({ arguments: args });
        void bridge!.sendToolResult(result);
        resolve();
      };
    });
    await bridge.connect(relay);
    const { contents } = await stack.client.readResource({ uri: REVIEW_URI });
    const html = (contents[0] as { text: string }).text;
    await page.evaluate((view) => (globalThis as unknown as HostWindow).showView(view), html);
    await ready;
    const view = page.frameLocator('#app');
    return { page, view, result, requests, problems, called };
  }

  const tagsOf = (phone: string) => stack.sandbox.contacts().find((c) => c.phone_number === phone)?.tags;

  it('shows the dry run, and Apply (by keyboard) changes exactly the contacts previewed', async () => {
    await seeded();
    const change = { tag: 'fair', add: ['expo-2026'], remove: ['newsletter'] };
    const { page, view, result, requests, problems } = await showReview(change);
    expect(result.isError).toBe(true); // the model's call changed nothing
    await expect.poll(() => headingOf(view), WAIT).toBe('Review: change the tags of 3 contacts');
    const rows = await view.locator('tr').allInnerTexts();
    expect(rows.slice(1).map((row) => row.replace(/\s+/g, ' ').trim())).toEqual([
      'Asha Rao fair, vip, +expo-2026',
      'Bala Iyer fair, +expo-2026',
      'Chitra N fair, newsletter, +expo-2026',
    ]);
    await saveScreenshot(page);

    const mark = requestMark(stack.sandbox);
    await view.getByRole('button', { name: 'Apply' }).press('Enter');
    await expect.poll(() => view.locator('#status').innerText(), WAIT).toBe('Done.');
    expect(await headingOf(view)).toBe('Tags changed');
    expect(await view.locator('p').first().innerText()).toBe('3 selected, 3 changed, 0 already had it.');
    expect(tagsOf('+919800000501')).toEqual(['fair', 'vip', 'expo-2026']);
    expect(tagsOf('+919800000502')).toEqual(['fair', 'expo-2026']);
    expect(tagsOf('+919800000503')).toEqual(['fair', 'expo-2026']);
    expect(tagsOf('+919800000504')).toEqual(['delhi']);
    const updates = requestsSince(stack.sandbox, mark).filter((r) => r.route === 'update');
    expect(updates).toHaveLength(3);
    expect(requests).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('changes nothing on Cancel', async () => {
    await seeded();
    const { view } = await showReview({ tag: 'fair', add: ['expo-2026'] });
    await expect.poll(() => headingOf(view), WAIT).toBe('Review: change the tags of 3 contacts');
    const mark = requestMark(stack.sandbox);
    await view.getByRole('button', { name: 'Cancel' }).click();
    await expect
      .poll(() => view.locator('#status').innerText(), WAIT)
      .toBe('Cancelled: nothing was changed.');
    expect(await view.getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);
    expect(requestsSince(stack.sandbox, mark)).toEqual([]);
    expect(stack.sandbox.contacts().filter((c) => c.tags.includes('expo-2026'))).toEqual([]);
  });

  it("takes the host's dark theme", async () => {
    await seeded();
    const { view } = await showReview({ tag: 'fair', add: ['expo-2026'] }, { theme: 'dark' });
    await expect.poll(() => headingOf(view), WAIT).toBe('Review: change the tags of 3 contacts');
    expect(await view.locator('html').getAttribute('data-theme')).toBe('dark');
  });

  it('follows an Apply that outlasts the call as a job, to its end', async () => {
    await seeded({ jobs: true });
    const { view, called } = await showReview({ tag: 'fair', add: ['expo-2026'] });
    await expect.poll(() => headingOf(view), WAIT).toBe('Review: change the tags of 3 contacts');
    // Each write takes longer than the whole call may: apply_change answers with a job.
    stack.sandbox.faults.inject({
      fault: { kind: 'latency', ms: 1_500 },
      route: 'update',
      times: Infinity,
    });
    await view.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => view.locator('#status').innerText(), { timeout: 30_000 }).toBe('Done.');
    // The outcome the job ended with, as the view shows it.
    expect(await headingOf(view)).toBe('Tags changed');
    expect(await view.locator('p').first().innerText()).toBe('3 selected, 3 changed, 0 already had it.');
    expect(called[0]).toBe('apply_change');
    expect(called.slice(1)).toContain('get_job');
    expect(stack.sandbox.contacts().filter((c) => c.tags.includes('expo-2026'))).toHaveLength(3);
  });

  it('shows the contact a delete would remove; Delete removes it', async () => {
    await seeded();
    const contact = stack.sandbox.contacts().find((c) => c.name === 'Bala Iyer')!;
    const { view } = await showReview({ id: contact.id }, { name: 'delete_contact' });
    await expect.poll(() => headingOf(view), WAIT).toBe('Review: permanently delete this contact');
    const rows = await view.locator('tr').allInnerTexts();
    expect(rows[1]?.replace(/\s+/g, ' ').trim()).toBe('Bala Iyer +919800000502 fair');
    await view.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => view.locator('#status').innerText(), WAIT).toBe('Done.');
    expect(stack.sandbox.contacts().some((c) => c.id === contact.id)).toBe(false);
    expect(stack.sandbox.contacts()).toHaveLength(3);
  });

  it("shows an import's column mapping and refused rows; Cancel uploads nothing", async () => {
    await seeded();
    const csv = [
      'Phone,First Name,Last Name,Labels',
      '+919800000501,Asha,R,fair',
      '+919800000502,Bala,I,fair',
      '+919800000503,Chitra,M,fair',
      'not-a-number,Nobody,X,fair',
    ].join('\n');
    const { view } = await showReview({ csv }, { name: 'import_contacts_csv' });
    await expect.poll(() => headingOf(view), WAIT).toBe('Review: import 3 rows');
    const rows = (await view.locator('tr').allInnerTexts()).map((row) => row.replace(/\s+/g, ' ').trim());
    expect(rows).toContain('phone_number Phone');
    expect(rows).toContain('name First Name + Last Name');
    expect(rows.some((row) => row.startsWith('4 not-a-number'))).toBe(true);
    const mark = requestMark(stack.sandbox);
    await view.getByRole('button', { name: 'Cancel' }).click();
    await expect
      .poll(() => view.locator('#status').innerText(), WAIT)
      .toBe('Cancelled: nothing was changed.');
    expect(requestsSince(stack.sandbox, mark)).toEqual([]);
    expect(stack.sandbox.contacts().map((c) => c.name)).not.toContain('Asha R');
  });
});

/** Long enough that a loaded machine is never mistaken for a broken view. */
const WAIT = { timeout: 10_000 };

async function headingOf(view: FrameLocator): Promise<string | null> {
  const heading = view.locator('h1');
  return (await heading.count()) > 0 ? heading.innerText() : null;
}

/** docs/review-app.png with VOBIZ_UPDATE_DOCS (npm run docs); else a temporary file, checked written. */
async function saveScreenshot(page: Page): Promise<void> {
  const target = process.env['VOBIZ_UPDATE_DOCS']
    ? SCREENSHOT
    : path.join(os.tmpdir(), `vobiz-review-${process.pid}.png`);
  await page.locator('#app').screenshot({ path: target });
  expect((await stat(target)).size).toBeGreaterThan(1_000);
  if (target !== SCREENSHOT) await rm(target);
}
