/**
 * Bound approvals (src/tools/approval.ts), as remote mode asks for them: a token approves exactly the
 * change it was issued for, once, for ten minutes, on servers that share its secret. Every refusal
 * changes nothing in the sandbox and answers with the new preview and a new token.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Approvals } from '../../src/mcp/approval.js';
import type { ConfirmSettings } from '../../src/mcp/confirm.js';
import { requestMark, requestsSince, textOf } from '../support/context.js';
import { linkServer, startMemoryStack, type MemoryLink, type MemoryStack } from '../support/memory-stack.js';

const SECRET = 'a-shared-secret-of-at-least-32-characters';
let stack: MemoryStack;
let clock: number;

function confirmSettings(secret: string): ConfirmSettings {
  return { mode: 'argument', bulkThreshold: 2, approvals: new Approvals({ secret, now: () => clock }) };
}

interface TagPreview {
  dry_run: boolean;
  matched: number;
  changed: number;
  approval?: { token: string; expires_at: string };
}

function preview(result: CallToolResult): TagPreview {
  return result.structuredContent as unknown as TagPreview;
}

function tokenOf(result: CallToolResult): string {
  const token = preview(result).approval?.token;
  expect(token, textOf(result)).toBeTypeOf('string');
  return token!;
}

const FAIR = ['+919800000301', '+919800000302', '+919800000303'];
const tagsOfFair = () =>
  stack.sandbox
    .contacts()
    .filter((c) => c.tags.includes('fair'))
    .map((c) => c.tags.join(','));
const writesSince = (mark: number) =>
  requestsSince(stack.sandbox, mark).filter((r) => r.route === 'update' || r.route === 'delete');

beforeEach(async () => {
  clock = Date.parse('2026-12-07T10:00:00Z');
  stack = await startMemoryStack({ sandbox: { seed: false }, context: { confirm: confirmSettings(SECRET) } });
  // Three contacts of one segment: above the threshold of 2.
  for (const [i, phone] of FAIR.entries()) {
    const created = await stack.call('create_contact', {
      phone_number: phone,
      name: `Fair ${i}`,
      tags: ['fair'],
    });
    expect(created.isError, textOf(created)).toBeFalsy();
  }
});
afterEach(async () => stack?.close());

/** Expects `result` to be a refusal that changed nothing and carries a fresh preview and token. */
function expectRefusedWithNewPreview(result: CallToolResult, reason: RegExp, oldToken: string, mark: number) {
  expect(result.isError).toBe(true);
  expect(textOf(result)).toMatch(reason);
  expect(textOf(result)).toMatch(/nothing was changed/);
  expect(preview(result).dry_run).toBe(true);
  expect(tokenOf(result)).not.toBe(oldToken);
  expect(writesSince(mark)).toEqual([]);
  expect(tagsOfFair()).toEqual(['fair', 'fair', 'fair']);
}

describe('an approval token', () => {
  it('comes with the dry run, and makes exactly the change previewed', async () => {
    const change = { tag: 'fair', add: ['expo'] };
    const dryRun = await stack.call('tag_contacts', { ...change, dry_run: true });
    expect(preview(dryRun)).toMatchObject({ dry_run: true, matched: 3, changed: 3 });
    expect(Date.parse(preview(dryRun).approval!.expires_at)).toBe(clock + 10 * 60_000);

    const applied = await stack.call('tag_contacts', { ...change, approval: tokenOf(dryRun) });
    expect(applied.isError, textOf(applied)).toBeFalsy();
    expect(preview(applied)).toMatchObject({ dry_run: false, changed: 3 });
    expect(tagsOfFair()).toEqual(['fair,expo', 'fair,expo', 'fair,expo']);
  });

  it('is refused once expired', async () => {
    const change = { tag: 'fair', add: ['expo'] };
    const token = tokenOf(await stack.call('tag_contacts', { ...change, dry_run: true }));
    clock += 10 * 60_000;
    const mark = requestMark(stack.sandbox);
    const late = await stack.call('tag_contacts', { ...change, approval: token });
    expectRefusedWithNewPreview(late, /^Not done: the approval given has expired/, token, mark);
  });

  it('is refused when used a second time, though the change is the same again', async () => {
    const add = { tag: 'fair', add: ['expo'] };
    const token = tokenOf(await stack.call('tag_contacts', { ...add, dry_run: true }));
    expect((await stack.call('tag_contacts', { ...add, approval: token })).isError).toBeFalsy();
    // Undo it, with an approval of its own: the first change would now change the same contacts again.
    const remove = { tag: 'fair', remove: ['expo'] };
    const undo = tokenOf(await stack.call('tag_contacts', { ...remove, dry_run: true }));
    expect((await stack.call('tag_contacts', { ...remove, approval: undo })).isError).toBeFalsy();

    const mark = requestMark(stack.sandbox);
    const again = await stack.call('tag_contacts', { ...add, approval: token });
    expectRefusedWithNewPreview(again, /^Not done: the approval given has been used already/, token, mark);
  });

  it('is refused for altered arguments', async () => {
    const token = tokenOf(await stack.call('tag_contacts', { tag: 'fair', add: ['expo'], dry_run: true }));
    const mark = requestMark(stack.sandbox);
    const other = await stack.call('tag_contacts', { tag: 'fair', add: ['other'], approval: token });
    expectRefusedWithNewPreview(
      other,
      /^Not done: the approval given was issued for other arguments/,
      token,
      mark,
    );
    expect(textOf(other)).toContain('add other on 3 contacts');
  });

  it('is refused when the segment grew since, answering the new count; its new token applies', async () => {
    const change = { tag: 'fair', add: ['expo'] };
    const token = tokenOf(await stack.call('tag_contacts', { ...change, dry_run: true }));
    // The segment grows by one before the change arrives: 4 contacts, not the 3 the person saw.
    await stack.call('create_contact', { phone_number: '+919800000304', name: 'Late', tags: ['fair'] });
    const mark = requestMark(stack.sandbox);
    const grown = await stack.call('tag_contacts', { ...change, approval: token });
    expect(grown.isError).toBe(true);
    expect(textOf(grown)).toMatch(
      /^Not done: the contacts this change selects, or their counts, are not those/,
    );
    expect(preview(grown)).toMatchObject({ dry_run: true, matched: 4, changed: 4 });
    expect(writesSince(mark)).toEqual([]);
    expect(tagsOfFair()).toEqual(['fair', 'fair', 'fair', 'fair']);

    const applied = await stack.call('tag_contacts', { ...change, approval: tokenOf(grown) });
    expect(preview(applied)).toMatchObject({ dry_run: false, changed: 4 });
  });

  describe('from another server', () => {
    let other: MemoryLink | undefined;
    afterEach(async () => other?.close());

    it('is refused when that server has another secret', async () => {
      other = await linkServer(stack.sandbox, {
        context: { confirm: confirmSettings('another-secret-of-32-characters-or-more') },
      });
      const change = { tag: 'fair', add: ['expo'] };
      const token = tokenOf(await other.call('tag_contacts', { ...change, dry_run: true }));
      const mark = requestMark(stack.sandbox);
      const foreign = await stack.call('tag_contacts', { ...change, approval: token });
      expectRefusedWithNewPreview(
        foreign,
        /^Not done: the approval given was not issued by this server/,
        token,
        mark,
      );
    });

    it('applies when that server shares the secret (instances behind one balancer)', async () => {
      other = await linkServer(stack.sandbox, { context: { confirm: confirmSettings(SECRET) } });
      const change = { tag: 'fair', add: ['expo'] };
      const token = tokenOf(await other.call('tag_contacts', { ...change, dry_run: true }));
      const applied = await stack.call('tag_contacts', { ...change, approval: token });
      expect(applied.isError, textOf(applied)).toBeFalsy();
      expect(tagsOfFair()).toEqual(['fair,expo', 'fair,expo', 'fair,expo']);
    });
  });

  it('for a delete is refused when the contact was renamed since the person saw it', async () => {
    const contact = stack.sandbox.contacts()[0]!;
    const refused = await stack.call('delete_contact', { id: contact.id });
    const token = tokenOf(refused);
    await stack.call('update_contact', { id: contact.id, name: 'Someone else' });
    const renamed = await stack.call('delete_contact', { id: contact.id, approval: token });
    expect(renamed.isError).toBe(true);
    expect(textOf(renamed)).toMatch(/^Not done: the contacts this change selects/);
    expect(textOf(renamed)).toContain('"Someone else"');
    expect(stack.sandbox.contacts().some((c) => c.id === contact.id)).toBe(true);

    const deleted = await stack.call('delete_contact', { id: contact.id, approval: tokenOf(renamed) });
    expect(deleted.structuredContent).toEqual({ id: contact.id, deleted: true });
    expect(stack.sandbox.contacts().some((c) => c.id === contact.id)).toBe(false);
  });
});
