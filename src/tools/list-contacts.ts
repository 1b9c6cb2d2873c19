import { z } from 'zod';
import { DEFAULT_PAGE_SIZE, E164_EXAMPLE, MAX_PAGE_SIZE } from '../vobiz/contract.js';
import { ContactOutputSchema, formatContactLine, toContactOutput } from './contact-output.js';
import { integerField, optional, searchField, tagFilterField } from './fields.js';
import { failureResult, successResult } from './results.js';
import { defineTool } from './tool.js';

const output = {
  items: z.array(ContactOutputSchema),
  total: z.number().int().describe('Contacts matching the filters, over all pages.'),
  page: z.number().int(),
  limit: z.number().int(),
  has_more: z.boolean().describe('Whether pages follow this one.'),
  next_page: z.number().int().optional().describe('The page to ask for next; absent on the last page.'),
};
type ListContactsOutput = z.infer<z.ZodObject<typeof output>>;

export const listContacts = defineTool({
  name: 'list_contacts',
  title: 'List or search contacts',
  description:
    'List WhatsApp contacts on Vobiz, a page at a time, optionally filtered by a search text (name or ' +
    "phone number) and/or a tag. Use it to find a contact's id before get/update/delete, to check " +
    `whether a phone number (E.164, e.g. ${E164_EXAMPLE}) already exists before creating it, and to see ` +
    'who is in a campaign segment (tag). Returns the contacts with total, has_more and next_page.',
  input: {
    page: optional(integerField(1, Number.MAX_SAFE_INTEGER)).describe('Page number, from 1 (default 1).'),
    limit: optional(integerField(1, MAX_PAGE_SIZE)).describe(
      `Contacts per page, 1–${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`,
    ),
    search: optional(searchField).describe(
      `Text to find in the name (case-insensitive) or the phone number (digits), e.g. "rahul" or "98765".`,
    ),
    tag: optional(tagFilterField).describe('Only contacts carrying this exact tag, e.g. "vip".'),
  },
  output,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { context: { client }, extra }) {
    try {
      const page = await client.listContacts(args, { signal: extra.signal });
      const result: ListContactsOutput = {
        items: page.items.map(toContactOutput),
        total: page.total,
        page: page.page,
        limit: page.limit,
        has_more: page.has_more,
        ...(page.has_more && { next_page: page.page + 1 }),
      };
      return successResult(result, formatPage(result));
    } catch (error) {
      return failureResult(error, { action: 'list contacts', writes: false });
    }
  },
});

function formatPage(page: ListContactsOutput): string {
  const first = (page.page - 1) * page.limit + 1;
  const head =
    page.items.length === 0
      ? `No contacts on page ${page.page} (total ${page.total}).`
      : `Contacts ${first}–${first + page.items.length - 1} of ${page.total} (page ${page.page}):`;
  const more = page.next_page ? `More: call list_contacts with page ${page.next_page}.` : '';
  return [head, ...page.items.map(formatContactLine), more].filter(Boolean).join('\n');
}
