import { z } from 'zod';
import { MAX_PAGE_SIZE } from '../vobiz/contract.js';
import { integerField, withDefault } from './fields.js';
import { renderText } from '../render.js';
import { failureResult, successResult } from './results.js';
import { defineTool } from './tool.js';

const output = {
  tags: z
    .array(z.object({ tag: z.string(), contacts: z.number().int() }))
    .describe('Tags in use, most used first.'),
  untagged: z.number().int().describe('Contacts seen without any tag.'),
  contacts_scanned: z.number().int(),
  total_contacts: z.number().int(),
  complete: z.boolean().describe('Whether every contact was read; if not, counts are lower bounds.'),
};
type ListTagsOutput = z.infer<z.ZodObject<typeof output>>;

export const listTags = defineTool({
  name: 'list_tags',
  title: 'List tags in use',
  description:
    'List the tags in use on the account with how many contacts carry each — the campaign segments ' +
    'that exist. Use it before targeting a campaign or tagging, to reuse an existing tag rather than ' +
    'invent a near-duplicate. Reads contacts page by page, up to max_contacts.',
  input: {
    max_contacts: withDefault(integerField(1, 100_000), 10_000).describe(
      'Read at most this many contacts (default 10000); the result says whether it saw them all.',
    ),
  },
  output,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run({ max_contacts }, { context: { client }, extra }) {
    const counts = new Map<string, number>();
    let scanned = 0;
    let untagged = 0;
    let total = 0;
    let complete = false;
    const call = client.startCall(extra.signal); // one deadline across the pages
    try {
      for (let page = 1; scanned < max_contacts; page++) {
        const result = await client.listContacts({ page, limit: MAX_PAGE_SIZE }, call);
        total = result.total;
        for (const contact of result.items.slice(0, max_contacts - scanned)) {
          scanned++;
          if (contact.tags.length === 0) untagged++;
          for (const tag of new Set(contact.tags)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
        }
        if (!result.has_more || result.items.length === 0) break;
      }
      complete = scanned >= total;
    } catch (error) {
      return failureResult(error, { action: 'list the tags', writes: false });
    }
    const out: ListTagsOutput = {
      tags: [...counts]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([tag, contacts]) => ({ tag, contacts })),
      untagged,
      contacts_scanned: scanned,
      total_contacts: total,
      complete,
    };
    const head = `${out.tags.length} tags on ${scanned} of ${total} contacts${complete ? '' : ' (not all read: counts are lower bounds)'}:`;
    const body =
      out.tags.map((t) => `${renderText(t.tag, { quote: 'unless-plain' })} ${t.contacts}`).join(', ') ||
      '(none)';
    return successResult(out, `${head}\n${body}\nuntagged ${untagged}`);
  },
});
