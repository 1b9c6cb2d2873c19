/**
 * list_contacts' cursor when the account changes between two pages: the API pages by position, so a
 * contact deleted before the cursor's position moves every later one forward. The cursor remembers the
 * last contact it showed and finds it again; only when that one is gone too does it say the pages may
 * have skipped or repeated contacts.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { generateContacts, type Sandbox } from '../../src/sandbox/index.js';
import { contactsOf, textOf, type ListedContact } from '../support/context.js';
import { startMemoryStack, type MemoryStack } from '../support/memory-stack.js';

let sandbox: Sandbox;
let stack: MemoryStack;

beforeEach(async () => {
  stack = await startMemoryStack({
    sandbox: { contacts: generateContacts(600, { accountId: 'MA_SANDBOX1', seed: 7 }) },
  });
  sandbox = stack.sandbox;
});
afterEach(async () => {
  await stack.close();
});

interface Page {
  items: ListedContact[];
  next_cursor?: string;
  warnings?: string[];
}

const where = { tags_none: ['trial'] };
const expected = () =>
  sandbox
    .contacts()
    .filter((c) => !c.tags.includes('trial'))
    .map((c) => c.id);

async function remove(id: string): Promise<void> {
  const { baseUrl, credentials } = sandbox;
  const response = await fetch(`${baseUrl}/contacts/${id}`, {
    method: 'DELETE',
    headers: { 'x-auth-id': credentials.authId, 'x-auth-token': credentials.authToken },
  });
  expect(response.status).toBe(204);
}

async function page(args: Record<string, unknown>): Promise<Page> {
  const result = await stack.call('list_contacts', args);
  expect(result.isError, textOf(result)).toBeFalsy();
  return { ...(result.structuredContent as unknown as Page), items: contactsOf(result) };
}

it('finds its place again after contacts before it were deleted: nothing skipped, nothing twice', async () => {
  const first = await page({ where, limit: 50 });
  // Delete five contacts the first page already showed: every later contact moves five places forward.
  for (const { id } of first.items.slice(0, 5)) await remove(id);
  const seen = first.items.map((c) => c.id);
  let cursor = first.next_cursor;
  while (cursor) {
    const next = await page({ cursor, limit: 50 });
    expect(next.warnings).toBeUndefined();
    seen.push(...next.items.map((c) => c.id));
    cursor = next.next_cursor;
  }
  expect(seen.slice(5)).toEqual(expected());
});

it('says so when the last contact it showed is gone too', async () => {
  const first = await page({ where, limit: 50 });
  for (const { id } of first.items.slice(-3)) await remove(id);
  const next = await page({ cursor: first.next_cursor, limit: 50 });
  expect(next.warnings).toEqual([expect.stringMatching(/list changed since the previous page/)]);
});
