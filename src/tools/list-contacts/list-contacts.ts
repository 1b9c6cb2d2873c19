import { z } from 'zod';
import { scanSegment } from '../../bulk/segment-scan.js';
import { isEmptySegment } from '../../bulk/segment.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../vobiz/contract.js';
import type { Contact } from '../../vobiz/schemas.js';
import {
  ContactTableSchema,
  formatContactLine,
  toContactOutput,
  toContactTable,
  type ContactOutput,
} from '../../mcp/contact-output.js';
import { integerField, optional, searchField, tagFilterField } from '../../mcp/fields.js';
import {
  cursorNeedsFilters,
  decodeCursor,
  encodeCursor,
  MAX_CURSOR_LENGTH,
  MAX_QUERY_CURSOR_LENGTH,
  type ListCursor,
} from './list-cursor.js';
import { progressReporter, scanProgress } from '../../mcp/progress.js';
import { errorResult, failureResult, successResult } from '../../mcp/results.js';
import {
  earlyStopText,
  scanOutput,
  scanOutputOf,
  scanSummary,
  scanStopReason,
  withScanWarnings,
} from '../../mcp/scan-result.js';
import { maxScanField, whereField } from '../../mcp/segment-field.js';
import { defineTool, type ToolCall } from '../../mcp/tool.js';

const input = {
  page: optional(integerField(1, Number.MAX_SAFE_INTEGER)).describe('Page, from 1.'),
  limit: optional(integerField(1, MAX_PAGE_SIZE)).describe(
    `Contacts per page (default ${DEFAULT_PAGE_SIZE}).`,
  ),
  search: optional(searchField).describe(
    'Text in the name (any case) or phone number (digits), e.g. "rahul" or "98765".',
  ),
  tag: optional(tagFilterField).describe('Only contacts with this exact tag, e.g. "vip".'),
  where: optional(whereField),
  cursor: optional(z.string().max(MAX_CURSOR_LENGTH)).describe(
    'next_cursor of the previous call; it carries the filters.',
  ),
  max_scan: maxScanField('With where: most contacts read per call.'),
};
type ListContactsArgs = z.output<z.ZodObject<typeof input>>;

const output = {
  contacts: ContactTableSchema,
  total: z
    .number()
    .int()
    .optional()
    .describe('Contacts matching the filters, over all pages; not with where.'),
  page: z.number().int(),
  limit: z.number().int(),
  has_more: z.boolean().describe('Whether pages follow this one.'),
  next_page: z.number().int().optional().describe('The page to ask for next; absent on the last page.'),
  next_cursor: z
    .string()
    .optional()
    .describe(
      `With where: pass it as cursor for the next matches. It carries the filters, unless they would make it longer than ${MAX_QUERY_CURSOR_LENGTH} characters: then it carries their digest, and the next call sends the same where, search and tag with it.`,
    ),
  scan: scanOutput.optional().describe('With where: contacts read to find these matches.'),
};
type ListContactsOutput = z.infer<z.ZodObject<typeof output>> & { warnings?: string[] };

export const listContacts = defineTool({
  name: 'list_contacts',
  title: 'List or search contacts',
  description:
    'List WhatsApp contacts a page at a time, filtered by search (name or number), tag and/or `where` ' +
    '(attributes, dates, tags): to find ids, or to see who is in a segment. Returns a table of contacts ' +
    'with total and next_page; with `where`, the matches and next_cursor.',
  input,
  output,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, call) {
    if (isEmptySegment(args.where) && args.cursor === undefined) return listPage(args, call);
    return listMatches(args, call);
  },
});

/** One page of the API's own list: search and tag are the API's filters. */
async function listPage(args: ListContactsArgs, { context: { client }, extra }: ToolCall) {
  try {
    const { page: pageNumber, limit, search, tag } = args;
    const page = await client.listContacts(
      { page: pageNumber, limit, search, tag },
      { signal: extra.signal },
    );
    const contacts = page.items.map(toContactOutput);
    const result: ListContactsOutput = {
      contacts: toContactTable(contacts),
      total: page.total,
      page: page.page,
      limit: page.limit,
      has_more: page.has_more,
      ...(page.has_more && { next_page: page.page + 1 }),
    };
    return successResult(result, formatPage(result, contacts, page.total));
  } catch (error) {
    return failureResult(error, { action: 'list contacts', writes: false });
  }
}

function formatPage(page: ListContactsOutput, contacts: ContactOutput[], total: number): string {
  const first = (page.page - 1) * page.limit + 1;
  const head =
    contacts.length === 0
      ? `No contacts on page ${page.page} (total ${total}).`
      : `Contacts ${first}–${first + contacts.length - 1} of ${total} (page ${page.page}):`;
  const more = page.next_page ? `More: call list_contacts with page ${page.next_page}.` : '';
  return [head, ...contacts.map(formatContactLine), more].filter(Boolean).join('\n');
}

/** A page of a segment's matches: the contacts read until `limit` match, and a cursor to go on. */
async function listMatches(args: ListContactsArgs, { context: { client }, extra }: ToolCall) {
  if (args.page !== undefined) {
    return errorResult('page is for lists without where; with where, pass next_cursor as cursor to go on.');
  }
  const query = args.cursor === undefined ? freshQuery(args) : continuedQuery(args, args.cursor);
  if ('problem' in query) return errorResult(query.problem);
  const limit = args.limit ?? DEFAULT_PAGE_SIZE;
  const matches: Contact[] = [];
  const progress = progressReporter(extra);
  const report = await scanSegment(
    client,
    {
      filter: { ...(query.search && { search: query.search }), ...(query.tag && { tag: query.tag }) },
      segment: query.where,
      now: query.now,
      chosen: query.api,
      ...(query.at && { from: query.at }),
      maxScan: args.max_scan,
      call: client.startCall(extra.signal),
      onPage: scanProgress(progress, args.max_scan),
    },
    (contact) => {
      matches.push(contact);
      return matches.length >= limit;
    },
  );
  if (report.stop === 'api_error' && report.scanned === 0) {
    return failureResult(report.error, { action: 'list contacts', writes: false });
  }
  if (report.stop === 'cancelled') return errorResult('Cancelled: no contacts listed.');
  // A scan cut short by its bounds, or by one failed request, can go on from where it got to (if it got
  // anywhere); an API that does not advance would only repeat itself.
  const resumable = ['enough', 'max_scan', 'deadline', 'api_error'].includes(report.stop);
  const hasMore = !report.complete && resumable && report.scanned > 0;
  const next: ListCursor | undefined = hasMore
    ? {
        ...query,
        api: report.apiFilter,
        at: report.position,
        page: query.page + 1,
        before: query.before + matches.length,
      }
    : undefined;
  const contacts = matches.map(toContactOutput);
  const result: ListContactsOutput = {
    contacts: toContactTable(contacts),
    page: query.page,
    limit,
    has_more: hasMore,
    ...(next && { next_cursor: encodeCursor(next) }),
    scan: scanOutputOf(report),
    ...withScanWarnings(report),
  };
  const first = query.before + 1;
  const head =
    matches.length === 0
      ? `No matches on page ${query.page}`
      : `Matches ${first}–${query.before + matches.length} (page ${query.page})`;
  // A scan that can go on is paused, not cut short: next_cursor reads on.
  const reason = scanStopReason(report);
  const stopped = hasMore
    ? reason && `Paused: ${reason}.`
    : earlyStopText(report, 'matches after these may be missing', 'search or tag');
  const more = !result.next_cursor
    ? ''
    : cursorNeedsFilters(result.next_cursor)
      ? `More: call list_contacts with cursor "${result.next_cursor}" and the same where, search and tag as this call (the filters are too long for the cursor to carry).`
      : `More: call list_contacts with cursor "${result.next_cursor}".`;
  return successResult(
    result,
    [`${head}; ${scanSummary(report)}:`, ...contacts.map(formatContactLine), stopped, more]
      .filter(Boolean)
      .join('\n'),
  );
}

type MatchQuery = Omit<ListCursor, 'api' | 'at'> & { api?: ListCursor['api']; at?: ListCursor['at'] };

function freshQuery(args: ListContactsArgs): MatchQuery {
  return {
    ...(args.search && { search: args.search }),
    ...(args.tag && { tag: args.tag }),
    where: args.where ?? {},
    now: Date.now(),
    page: 1,
    before: 0,
  };
}

/** The cursor's query, checked against the filters given with it (list-cursor.ts). */
function continuedQuery(args: ListContactsArgs, text: string): ListCursor | { problem: string } {
  return decodeCursor(text, { search: args.search, tag: args.tag, where: args.where });
}
