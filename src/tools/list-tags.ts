import { z } from 'zod';
import { scanSegment } from '../bulk/segment-scan.js';
import { renderText } from '../render.js';
import { failureResult, successResult } from './results.js';
import { earlyStopText, scanOutput, scanOutputOf, scanSummary, withScanWarnings } from './scan-result.js';
import { maxScanField, whereField } from './segment-field.js';
import { optional } from './fields.js';
import { progressReporter, scanProgress } from './progress.js';
import { defineTool } from './tool.js';

const output = {
  tags: z
    .array(z.object({ tag: z.string(), contacts: z.number().int() }))
    .describe('Tags in use, most used first.'),
  untagged: z.number().int().describe('Contacts seen without any tag.'),
  contacts_scanned: z.number().int(),
  total_contacts: z.number().int(),
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
    'List the tags in use on the account with how many contacts carry each — the campaign segments ' +
    'that exist. Use it before targeting a campaign or tagging, to reuse an existing tag rather than ' +
    'invent a near-duplicate. With `where`, counts within that segment. Reads up to max_scan contacts ' +
    'and says when counts are partial.',
  input: {
    where: optional(whereField),
    max_scan: maxScanField('Most contacts to read (default 20000).'),
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
    const out: ListTagsOutput = {
      tags: [...counts]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([tag, contacts]) => ({ tag, contacts })),
      untagged,
      contacts_scanned: report.scanned,
      total_contacts: report.total,
      complete: report.complete,
      ...(where && { matched: report.matched }),
      ...(stopped && { stopped, reason }),
      ...withScanWarnings(report),
    };
    const counted = where ? `the ${report.matched} contacts of the segment` : `${report.scanned} contacts`;
    const head = `${out.tags.length} tags on ${counted}; ${scanSummary(report)}:`;
    const body =
      out.tags.map((t) => `${renderText(t.tag, { quote: 'unless-plain' })} ${t.contacts}`).join(', ') ||
      '(none)';
    const early = earlyStopText(
      report,
      'counts are lower bounds',
      'tags_all or tags_any of one tag in where',
    );
    return successResult(out, [head, body, `untagged ${untagged}`, early].filter(Boolean).join('\n'));
  },
});
