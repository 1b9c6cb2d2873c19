/**
 * The review app's rules, as a host that renders MCP Apps meets them (the browser test drives the view
 * itself): a bulk change or a delete is made only by the view's Apply (apply_change, hidden from the
 * model) with the token the view was shown; the model's own call changes nothing, whatever it sends.
 * Hosts without apps keep what they had, and are never offered apply_change.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_MIME_TYPE } from '../../src/mcp/sdk.js';
import { REVIEW_URI } from '../../src/review/review-app.js';
import type { ConfirmSettings } from '../../src/mcp/confirm.js';
import { requestMark, requestsSince, textOf } from '../support/context.js';
import { startMemoryStack, type MemoryStack } from '../support/memory-stack.js';

let stack: MemoryStack | undefined;
afterEach(async () => stack?.close());

/** stdio's default: asks by elicitation when it can, else goes ahead — unless the client renders apps. */
const AUTO: ConfirmSettings = { mode: 'auto', bulkThreshold: 2 };

async function start(apps: boolean, confirm: ConfirmSettings = AUTO) {
  stack = await startMemoryStack({ sandbox: { seed: false }, apps, context: { confirm } });
  for (let i = 0; i < 3; i++) {
    const created = await stack.call('create_contact', {
      phone_number: `+91980000040${i}`,
      name: `Review ${i}`,
      tags: ['fair'],
    });
    expect(created.isError, textOf(created)).toBeFalsy();
  }
  return stack;
}

const tokenOf = (result: CallToolResult) =>
  (result.structuredContent as { approval?: { token: string } } | undefined)?.approval?.token;
const tagged = (tag: string) => stack!.sandbox.contacts().filter((c) => c.tags.includes(tag)).length;

describe('in a host that renders MCP Apps', () => {
  it('lists the view, marks the reviewed tools with it, and offers apply_change to the view only', async () => {
    const { client } = await start(true);
    const { tools } = await client.listTools();
    const ui = (name: string) => tools.find((tool) => tool.name === name)?._meta?.['ui'];
    for (const name of ['tag_contacts', 'delete_contact', 'import_contacts_csv']) {
      expect(ui(name)).toEqual({ resourceUri: REVIEW_URI });
    }
    expect(ui('apply_change')).toEqual({ resourceUri: REVIEW_URI, visibility: ['app'] });
    const { contents } = await client.readResource({ uri: REVIEW_URI });
    expect(contents[0]).toMatchObject({ uri: REVIEW_URI, mimeType: APP_MIME_TYPE });
    const html = (contents[0] as { text: string }).text;
    expect(html).toContain("default-src 'none'");
    // Self-contained: nothing is fetched from anywhere.
    expect(html).not.toMatch(/\b(src|href)=|https?:\/\/|@import|url\(/);
  });

  it('makes a bulk change only through Apply, with the token the view was shown', async () => {
    // Remote mode's tools take `approval`: the model can send the token, and it is still refused.
    const { call } = await start(true, { mode: 'argument', bulkThreshold: 2 });
    const change = { tag: 'fair', add: ['expo'] };
    const mark = requestMark(stack!.sandbox);
    // The model's call: refused, previewed, with a token for the view; a token it sends itself is no key.
    const refused = await call('tag_contacts', change);
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^Not done: the user reviews this change in the review shown/);
    expect(refused.structuredContent).toMatchObject({ dry_run: true, matched: 3, changed: 3 });
    const token = tokenOf(refused)!;
    const withToken = await call('tag_contacts', { ...change, approval: token });
    expect(withToken.isError).toBe(true);
    expect(textOf(withToken)).toMatch(/^Not done: the user reviews this change in the review shown/);
    expect(requestsSince(stack!.sandbox, mark).filter((r) => r.route === 'update')).toEqual([]);
    expect(tagged('expo')).toBe(0);

    // The view's Apply: the change, once.
    const applied = await call('apply_change', { approval: token, arguments: change });
    expect(applied.isError, textOf(applied)).toBeFalsy();
    expect(applied.structuredContent).toMatchObject({ tool: 'tag_contacts', result: { changed: 3 } });
    expect(tagged('expo')).toBe(3);
    const again = await call('apply_change', {
      approval: token,
      arguments: { tag: 'fair', remove: ['expo'] },
    });
    expect(again.isError).toBe(true);
    expect(tagged('expo')).toBe(3);
  });

  it('refuses Apply for arguments other than those reviewed, with a new preview for the view', async () => {
    const { call } = await start(true);
    const token = tokenOf(await call('tag_contacts', { tag: 'fair', add: ['expo'] }))!;
    const other = await call('apply_change', { approval: token, arguments: { tag: 'fair', add: ['other'] } });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toMatch(/^Not done: the approval given was issued for other arguments/);
    expect(other.structuredContent).toMatchObject({
      tool: 'tag_contacts',
      result: { dry_run: true, approval: { token: expect.any(String) } },
    });
    expect(tagged('other')).toBe(0);
  });

  it('deletes a contact only through Apply', async () => {
    const { call } = await start(true);
    const contact = stack!.sandbox.contacts()[0]!;
    const refused = await call('delete_contact', { id: contact.id });
    expect(refused.structuredContent).toMatchObject({
      id: contact.id,
      deleted: false,
      contact: { name: contact.name },
    });
    expect(stack!.sandbox.contacts().some((c) => c.id === contact.id)).toBe(true);
    const applied = await call('apply_change', {
      approval: tokenOf(refused)!,
      arguments: { id: contact.id },
    });
    expect(applied.structuredContent).toMatchObject({ tool: 'delete_contact', result: { deleted: true } });
    expect(stack!.sandbox.contacts().some((c) => c.id === contact.id)).toBe(false);
  });
});

describe('in a host without apps', () => {
  it('goes on as before over stdio, and neither lists apply_change nor obeys it', async () => {
    const { client, call } = await start(false);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).not.toContain('apply_change');
    // stdio without elicitation: not asked, as before this view existed.
    const done = await call('tag_contacts', { tag: 'fair', add: ['expo'] });
    expect(done.structuredContent).toMatchObject({ changed: 3 });

    const dryRun = await call('tag_contacts', { tag: 'fair', add: ['more'], dry_run: true });
    expect(tokenOf(dryRun)).toBeUndefined();
    const refused = await call('apply_change', {
      approval: 'x.y',
      arguments: { tag: 'fair', add: ['more'] },
    });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/this client does not render MCP Apps/);
    expect(tagged('more')).toBe(0);
  });
});
