import { z } from 'zod';
import { scanSegment } from '../bulk/segment-scan.js';
import { renderText } from '../render.js';
import { failureResult, successResult } from '../mcp/results.js';
import {
  earlyStopText,
  scanOutput,
  scanOutputOf,
  scanSummary,
  withScanWarnings,
} from '../mcp/scan-result.js';
import { maxScanField, whereField } from '../mcp/segment-field.js';
import { optional } from '../mcp/fields.js';
import { progressReporter, scanProgress } from '../mcp/progress.js';
import { defineTool } from '../mcp/tool.js';

/**
 * Most tags one result lists, the most used: an account with 20 tags per contact can hold millions of
 * distinct ones, and every one of them in the structured result (18 MB) overflowed a client's read buffer.
 */
export const MAX_LISTED_TAGS = 1_000;

const output = {
  // Pairs as arrays, not tuples: a tuple's schema (2020-12 `prefixItems`, `items: false`) fails every
  // pair in a draft-07 validator, which 1.x SDK clients use.
  tags: z
    .array(z.array(z.union([z.string(), z.number().int()])))
    .describe(`[tag, contacts carrying it] pairs, most used first; at most ${MAX_LISTED_TAGS}.`),
  tags_omitted: z
    .number()
    .int()
    .optional()
    .describe(`Tags counted but not listed (each carried by no more contacts than the last listed).`),
  untagged: z.number().int().describe('Contacts seen without any tag.'),
  scanned: z.number().int().describe('Contacts read.'),
  total: z.number().int().describe('Contacts on the account: what a whole scan reads.'),
  complete: z.boolean().describe('Whether every contact was read; if not, counts are lower bounds.'),
  matched: z
    .number()
    .int()
    .optional()
    .describe('With where: contacts in the segment, whose tags are counted.'),
  stopped: scanOutput.shape.stopped,
  reason: scanOutput.shape.reason,
};
type ListTagsOutput = z.infer<z.ZodObject<typeof output>> & { warnings?: string[] };

export const listTags = defineTool({
  name: 'list_tags',
  title: 'List tags in use',
  description:
    'The tags in use with how many contacts carry each: the campaign segments that exist. Check it ' +
    'before tagging, to reuse a tag rather than invent a near-duplicate. With `where`, counts within ' +
    'that segment. Reads up to max_scan contacts and says when counts are partial.',
  input: {
    where: optional(whereField),
    max_scan: maxScanField('Most contacts to read.'),
  },
  output,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  mayRunLong: true,
  async run({ where, max_scan }, { context: { client }, extra }) {
    const progress = progressReporter(extra);
    const counts = new Map<string, number>();
    let untagged = 0;
    const report = await scanSegment(
      client,
      {
        filter: {},
        segment: where,
        now: Date.now(),
        maxScan: max_scan,
        call: client.startCall(extra.signal),
        onPage: scanProgress(progress, max_scan),
        readsToEnd: true,
      },
      (contact) => {
        if (contact.tags.length === 0) untagged++;
        for (const tag of new Set(contact.tags)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
      },
    );
    if (report.stop === 'api_error' && report.scanned === 0) {
      return failureResult(report.error, { action: 'list the tags', writes: false });
    }
    const { stopped, reason } = scanOutputOf(report);
    const listed = mostUsed(counts, MAX_LISTED_TAGS);
    const omitted = counts.size - listed.length;
    const out: ListTagsOutput = {
      tags: listed,
      ...(omitted > 0 && { tags_omitted: omitted }),
      untagged,
      scanned: report.scanned,
      total: report.total,
      complete: report.complete,
      ...(where && { matched: report.matched }),
      ...(stopped && { stopped, reason }),
      ...withScanWarnings(report),
    };
    const counted = where ? `the ${report.matched} contacts of the segment` : `${report.scanned} contacts`;
    const head = `${counts.size} tags on ${counted}; ${scanSummary(report)}:`;
    const body =
      listed
        .map(([tag, contacts]) => `${renderText(tag, { quote: 'unless-plain' })} ${contacts}`)
        .join(', ') || '(none)';
    const cut =
      omitted > 0
        ? `… and ${omitted} less used tags, not listed (the ${listed.length} most used are); narrow with where to count a segment's tags.`
        : '';
    const early = earlyStopText(
      report,
      'counts are lower bounds',
      'tags_all or tags_any of one tag in where',
    );
    return successResult(out, [head, body, cut, `untagged ${untagged}`, early].filter(Boolean).join('\n'));
  },
});

/** Most contacts first, then by name (code units): the same order for the kept and for the cut. */
function byUse(a: readonly [string, number], b: readonly [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/**
 * The `limit` most used tags, in order, in O(n log limit): a bounded heap whose root is the least of the
 * kept, rather than a sort of every distinct tag (millions, on a large account).
 */
function mostUsed(counts: ReadonlyMap<string, number>, limit: number): [string, number][] {
  const heap: [string, number][] = [];
  const worse = (i: number, j: number) => byUse(heap[i]!, heap[j]!) > 0;
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j]!, heap[i]!]);
  for (const entry of counts) {
    if (heap.length < limit) {
      heap.push(entry);
      for (let i = heap.length - 1; i > 0 && worse(i, (i - 1) >> 1); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
    } else if (limit > 0 && byUse(entry, heap[0]!) < 0) {
      heap[0] = entry;
      for (let i = 0; ;) {
        const [left, right] = [2 * i + 1, 2 * i + 2];
        let least = i;
        if (left < heap.length && worse(left, least)) least = left;
        if (right < heap.length && worse(right, least)) least = right;
        if (least === i) break;
        swap(i, least);
        i = least;
      }
    }
  }
  return heap.sort(byUse);
}
