/**
 * tag_contacts, list_tags and get_contact by phone, as an agent building a campaign segment uses them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromTable } from '../../src/mcp/table.js';
import { requestMark, requestsSince, textOf, waitFor } from '../support/context.js';
import { startMemoryStack, type MemoryStack } from '../support/memory-stack.js';

interface TagResult {
  dry_run: boolean;
  matched: number;
  changed: number;
  unchanged: number;
  failed: number;
  /** Tables (columns and rows): read with fromTable. */
  failures?: Table;
  examples?: Table;
}
type Table = Parameters<typeof fromTable>[0];

let stack: MemoryStack;

/** Puts a fresh set of contacts in the sandbox through the import tool; returns their phone → id. */
async function seed(rows: [phone: string, name: string, tags: string][]): Promise<Record<string, string>> {
  const csv = ['phone_number,name,tags', ...rows.map(([p, n, t]) => `${p},${n},"${t}"`)].join('\n');
  const result = await stack.call('import_contacts_csv', { csv });
  expect(result.isError, textOf(result)).toBeFalsy();
  const phones = new Set(rows.map(([p]) => p));
  return Object.fromEntries(
    stack.sandbox
      .contacts()
      .filter((c) => phones.has(c.phone_number))
      .map((c) => [c.phone_number, c.id]),
  );
}

const tagsOf = (id: string) => stack.sandbox.contacts().find((c) => c.id === id)?.tags;
const updatesSince = (from: number) => requestsSince(stack.sandbox, from).filter((r) => r.route === 'update');

beforeEach(async () => {
  stack = await startMemoryStack({
    sandbox: { seed: false },
    context: { confirm: { mode: 'auto', bulkThreshold: 1000 } },
  });
});
afterEach(async () => {
  await stack?.close();
});

describe('tag_contacts', () => {
  it('adds and removes tags by ids, keeping the other tags', async () => {
    const ids = await seed([
      ['+919800000101', 'Asha', 'fair,newsletter,vip'],
      ['+919800000102', 'Bala', 'newsletter'],
      ['+919800000103', 'Chitra', 'other'],
    ]);
    const a = ids['+919800000101']!;
    const b = ids['+919800000102']!;
    const c = ids['+919800000103']!;
    const result = await stack.call('tag_contacts', {
      ids: [a, b],
      add: ['expo-2026'],
      remove: ['newsletter'],
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ matched: 2, changed: 2, unchanged: 0, failed: 0 });
    expect(tagsOf(a)).toEqual(['fair', 'vip', 'expo-2026']);
    expect(tagsOf(b)).toEqual(['expo-2026']);
    expect(tagsOf(c)).toEqual(['other']);
  });

  it('tags everyone a filter selects, and a re-run changes nothing and writes nothing', async () => {
    const ids = await seed([
      ['+919800000201', 'Mumbai One', 'mumbai-fair'],
      ['+919800000202', 'Mumbai Two', 'mumbai-fair,vip'],
      ['+919800000203', 'Delhi One', 'delhi'],
    ]);
    const first = await stack.call('tag_contacts', { tag: 'mumbai-fair', add: ['expo-2026'] });
    expect(first.structuredContent).toMatchObject({ matched: 2, changed: 2 });
    expect(tagsOf(ids['+919800000203']!)).toEqual(['delhi']);

    const before = requestMark(stack.sandbox);
    const again = await stack.call('tag_contacts', { tag: 'mumbai-fair', add: ['expo-2026'] });
    expect(again.structuredContent).toMatchObject({ matched: 2, changed: 0, unchanged: 2 });
    expect(updatesSince(before)).toEqual([]);
  });

  it('removes the tag it filters by without skipping contacts across pages', async () => {
    const rows = Array.from(
      { length: 130 },
      (_, i) => [`+9198100${String(i).padStart(5, '0')}`, `P${i}`, 'old'] as [string, string, string],
    );
    await seed(rows);
    const result = await stack.call('tag_contacts', { tag: 'old', remove: ['old'], add: ['new'] });
    expect(result.structuredContent).toMatchObject({ matched: 130, changed: 130, failed: 0 });
    expect(stack.sandbox.contacts().filter((c) => c.tags.includes('old'))).toEqual([]);
  });

  it('dry run reports what would change, with examples, and changes nothing', async () => {
    const ids = await seed([
      ['+919800000301', 'D1', 'a'],
      ['+919800000302', 'D2', 'a,b'],
    ]);
    const before = requestMark(stack.sandbox);
    const result = await stack.call('tag_contacts', { tag: 'a', add: ['b'], dry_run: true });
    const out = result.structuredContent as unknown as TagResult;
    expect(out).toMatchObject({ dry_run: true, matched: 2, changed: 1, unchanged: 1 });
    expect(fromTable(out.examples!)).toEqual([
      expect.objectContaining({ id: ids['+919800000301'], tags_before: ['a'], tags_after: ['a', 'b'] }),
    ]);
    expect(updatesSince(before)).toEqual([]);
    expect(tagsOf(ids['+919800000301']!)).toEqual(['a']);
  });

  it('refuses a selection larger than max_contacts, with the count', async () => {
    await seed(
      Array.from({ length: 5 }, (_, i) => [`+91980000040${i}`, `C${i}`, 'cap'] as [string, string, string]),
    );
    const before = requestMark(stack.sandbox);
    const result = await stack.call('tag_contacts', { tag: 'cap', add: ['x'], max_contacts: 3 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/5 contacts match, more than max_contacts \(3\)/);
    expect(updatesSince(before)).toEqual([]);
  });

  it('refuses to run with no selection, and with nothing to change', async () => {
    expect(textOf(await stack.call('tag_contacts', { add: ['x'] }))).toMatch(/never targets everyone/);
    expect(textOf(await stack.call('tag_contacts', { tag: 'a' }))).toMatch(/Nothing to do/);
    expect(textOf(await stack.call('tag_contacts', { tag: 'a', add: ['x'], remove: ['x'] }))).toMatch(
      /both added and removed/,
    );
  });

  it('reports a contact deleted mid-run as a failure and carries on', async () => {
    const ids = await seed(
      Array.from({ length: 6 }, (_, i) => [`+91980000050${i}`, `M${i}`, 'mid'] as [string, string, string]),
    );
    const victim = ids['+919800000505']!;
    // Each contact is written straight from its page; a write waits 300 ms before the sandbox handles
    // it. The victim is deleted as soon as the first write arrives: its own write, sent with the first
    // or after it, is handled after the delete.
    stack.sandbox.faults.inject({ fault: { kind: 'latency', ms: 300 }, route: 'update', times: Infinity });
    const mark = requestMark(stack.sandbox);
    const call = stack.call('tag_contacts', { tag: 'mid', add: ['done'] });
    await waitFor(
      () => requestsSince(stack.sandbox, mark).some((r) => r.route === 'update'),
      'the first contact written',
    );
    const { baseUrl, credentials } = stack.sandbox;
    const deleted = await fetch(`${baseUrl}/contacts/${victim}`, {
      method: 'DELETE',
      headers: { 'x-auth-id': credentials.authId, 'x-auth-token': credentials.authToken },
    });
    expect(deleted.status).toBe(204);
    const result = await call;
    expect(result.isError, textOf(result)).toBeFalsy();
    const out = result.structuredContent as unknown as TagResult;
    expect(out).toMatchObject({ matched: 6, changed: 5, failed: 1 });
    expect(fromTable(out.failures!)).toEqual([{ id: victim, reason: expect.stringMatching(/not found/) }]);
  });

  it('stops starting contacts when the client cancels', async () => {
    await seed(
      Array.from(
        { length: 40 },
        (_, i) =>
          [`+9198000006${String(i).padStart(2, '0')}`, `K${i}`, 'cancel-me'] as [string, string, string],
      ),
    );
    stack.sandbox.faults.inject({ fault: { kind: 'latency', ms: 50 }, route: 'update', times: Infinity });
    const controller = new AbortController();
    const call = stack.client.callTool(
      { name: 'tag_contacts', arguments: { tag: 'cancel-me', add: ['z'] } },
      {
        signal: controller.signal,
        onprogress: () => controller.abort(),
      },
    );
    await expect(call).rejects.toThrow();
    // The server tells the client once the contacts in flight are done; nothing is written after that.
    const cancelled = /tag_contacts cancelled after \d+ of 40 contacts/;
    await waitFor(() => stack.logs.some((line) => cancelled.test(line)), 'the log of the cancel');
    await stack.sandbox.idle();
    const changed = stack.sandbox.contacts().filter((c) => c.tags.includes('z')).length;
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(40);
    expect(stack.logs).toEqual([expect.stringMatching(cancelled)]);
    expect(stack.logs[0]).toContain(`: ${changed} changed.`);
  });
});

describe('list_tags and get_contact by phone', () => {
  it('counts contacts per tag, most used first', async () => {
    await seed([
      ['+919800000701', 'T1', 'vip,news'],
      ['+919800000702', 'T2', 'news'],
      ['+919800000703', 'T3', ''],
    ]);
    const result = await stack.call('list_tags', {});
    expect(result.structuredContent).toEqual({
      tags: [
        ['news', 2],
        ['vip', 1],
      ],
      untagged: 1,
      scanned: 3,
      total: 3,
      complete: true,
    });
  });

  it('finds a contact by its exact phone number, and says when none has it', async () => {
    const ids = await seed([
      ['+919800000801', 'Exact', ''],
      ['+919800000802', 'Neighbour', ''],
    ]);
    const found = await stack.call('get_contact', { phone_number: '+91 98000 00801' });
    expect(found.structuredContent).toMatchObject({ id: ids['+919800000801'], name: 'Exact' });
    const missing = await stack.call('get_contact', { phone_number: '+919800000899' });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/No contact has the phone number \+919800000899/);
  });
});
