import { z } from 'zod';
import {
  applyTagChange,
  isNotFound,
  retagTargets,
  selectTargets,
  type SelectResult,
  type TargetOutcome,
} from '../bulk/retag.js';
import type { SegmentScanReport } from '../bulk/segment-scan.js';
import { isEmptySegment } from '../bulk/segment.js';
import { logInfo } from '../log.js';
import { approvalOutput } from '../mcp/approval.js';
import { approvalFor, approvalOf, bindingArgs, confirmChange } from '../mcp/confirm.js';
import { isInputRequiredResult, type CallToolResult } from '../mcp/sdk.js';
import { REVIEWED_TOOL_UI } from '../review/review-app.js';
import {
  booleanField,
  contactIdListField,
  integerField,
  optional,
  searchField,
  tagFilterField,
  tagListField,
  withDefault,
} from '../mcp/fields.js';
import { renderTags, renderText } from '../render.js';
import { progressReporter, scanProgress } from '../mcp/progress.js';
import { describeFailure, errorResult, failureResult, successResult } from '../mcp/results.js';
import {
  earlyStopText,
  scanOutput,
  scanOutputOf,
  scanSummary,
  withScanWarnings,
} from '../mcp/scan-result.js';
import { maxScanField, whereField } from '../mcp/segment-field.js';
import { tableSchema, toTable } from '../mcp/table.js';
import { defineTool } from '../mcp/tool.js';

const MAX_LISTED_FAILURES = 20;
const MAX_EXAMPLES = 5;
/** How a caller makes a scan smaller, in advice. */
const NARROW = 'search or tag';

const input = {
  ids: optional(contactIdListField(10_000)).describe(
    'Contact ids; give these or filters (search, tag, where), not both.',
  ),
  search: optional(searchField).describe('Filter: name or phone number contains this text.'),
  tag: optional(tagFilterField).describe('Filter: contacts with this tag.'),
  where: optional(whereField),
  add: optional(tagListField('add')).describe('Tags to add, e.g. ["expo-2026"].'),
  remove: optional(tagListField('remove')).describe('Tags to remove, e.g. ["newsletter"].'),
  dry_run: withDefault(booleanField, false).describe(
    'Count what would change, with examples; change nothing.',
  ),
  max_contacts: withDefault(integerField(1, 100_000), 1_000).describe(
    'Refuse when more contacts than this match.',
  ),
  max_scan: maxScanField('Most contacts to read to find them.'),
};

const FailureSchema = z.object({ id: z.string(), reason: z.string() });
const ExampleSchema = z.object({
  id: z.string(),
  name: z.string(),
  tags_before: z.array(z.string()),
  tags_after: z.array(z.string()),
});
type Failure = z.infer<typeof FailureSchema>;
type Example = z.infer<typeof ExampleSchema>;

const output = {
  dry_run: z.boolean(),
  matched: z.number().int().describe('Contacts selected.'),
  changed: z.number().int().describe('Contacts whose tags were (or, in a dry run, would be) changed.'),
  unchanged: z.number().int().describe('Contacts that already had the result: not written.'),
  failed: z.number().int(),
  failures: tableSchema(FailureSchema, [z.string()], 'failure')
    .optional()
    .describe(`The first ${MAX_LISTED_FAILURES} failures, when there were any.`),
  examples: tableSchema(ExampleSchema, [z.string(), z.array(z.string())], 'changed contact')
    .optional()
    .describe(`Up to ${MAX_EXAMPLES} changed contacts, their tags before and after.`),
  scan: scanOutput
    .optional()
    .describe('How the filters were evaluated: contacts read, matched, and whether all.'),
  approval: approvalOutput.optional(),
};
type TagOutput = z.infer<z.ZodObject<typeof output>> & { warnings?: string[] };
type TagCounts = Pick<TagOutput, 'dry_run' | 'matched' | 'changed' | 'unchanged' | 'failed'>;

export const tagContacts = defineTool({
  name: 'tag_contacts',
  title: 'Add or remove tags on many contacts',
  description:
    'Add and/or remove tags on many contacts at once, to build a campaign segment. Choose them by ' +
    '`ids` or by filters (`search`, `tag`, `where`), e.g. {"where":{"attributes":{"city":"Mumbai"}},' +
    '"add":["mumbai"]}. Other tags stay; contacts already as asked are not written, so a repeat is safe. ' +
    'dry_run counts what would change. Refuses when more than max_contacts match. Returns counts of ' +
    'matched, changed, unchanged and failed.',
  input,
  output,
  // Destructive: `remove` takes tags off, and a campaign segment with them.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  mayRunLong: true,
  ui: REVIEWED_TOOL_UI,
  approvalArgument: ({ bulkThreshold }) =>
    `Needed above ${bulkThreshold} contacts: approval.token of the dry run (or of the answer that ` +
    'refused the change), sent only once the user has agreed to that change. It approves exactly the ' +
    'change previewed; without it, or when the selection changed since, nothing is changed and the ' +
    'answer has a new preview and token.',
  async run(args, call) {
    const { server, extra, context } = call;
    const { client } = context;
    const add = args.add ?? [];
    const remove = args.remove ?? [];
    const segment = isEmptySegment(args.where) ? undefined : args.where;
    const filter = { ...(args.search && { search: args.search }), ...(args.tag && { tag: args.tag }) };
    const hasFilter = Object.keys(filter).length > 0 || segment !== undefined;
    if (add.length === 0 && remove.length === 0)
      return errorResult('Nothing to do: give tags to add and/or remove.');
    const removing = new Set(remove); // a Set: each list may hold 100,000 tags
    const both = add.filter((tag) => removing.has(tag));
    if (both.length > 0) return errorResult(`A tag cannot be both added and removed: ${renderTags(both)}.`);
    if (!args.ids && !hasFilter) {
      return errorResult(
        'Choose the contacts: give ids, or filters (search, tag, where). A call never targets everyone.',
      );
    }
    if (args.ids && hasFilter) return errorResult('Give ids or filters (search, tag, where), not both.');

    const change = { add, remove };
    const summary = [
      add.length > 0 && `add ${renderTags(add)}`,
      remove.length > 0 && `remove ${renderTags(remove)}`,
    ]
      .filter(Boolean)
      .join('; ');
    const progress = progressReporter(extra);
    let selected: SelectResult;
    try {
      selected = await selectTargets(
        client,
        args.ids ? { ids: args.ids } : { filter, segment },
        args.max_contacts,
        {
          call: client.startCall(extra.signal),
          maxScan: args.max_scan,
          now: Date.now(),
          onPage: scanProgress(progress, args.max_scan),
        },
      );
    } catch (error) {
      return failureResult(error, { action: 'find the contacts to tag', writes: false });
    }
    const scan = selected.scan;
    const failed = scan && scanFailure(scan);
    if (failed) return errorResult(failed);
    if (selected.kind === 'too_many') {
      const { matched, exact } = selected;
      const raise = exact ? `max_contacts ${matched}` : 'a larger max_contacts';
      const partial = !exact && scan ? ` ${earlyStopText(scan, 'more may match', NARROW)}` : '';
      return errorResult(
        `${exact ? matched : `At least ${matched}`} contacts match, more than max_contacts (${args.max_contacts}). ` +
          `Narrow the filter, or call again with ${raise} if all of them are meant. Nothing was changed.${partial}`,
      );
    }
    if (scan && !scan.complete && !args.dry_run) return errorResult(partialScanRefusal(scan));
    const targets = selected.targets;
    // Contacts the list already shows as done need no write; the rest is what the user is asked about.
    const toChange = targets.filter(
      (t) => !t.listed || applyTagChange(t.listed.tags, change) !== undefined,
    ).length;

    // What an approval of this change is bound to: these contacts, these counts (mcp/approval.ts).
    const binding = {
      tool: 'tag_contacts',
      account: client.account,
      args: bindingArgs(args),
      selection: targets.map((target) => target.id),
      counts: { matched: targets.length, to_change: toChange },
    };
    const needsYes = toChange > context.confirm.bulkThreshold;
    let dryRun = args.dry_run;
    // A change refused for want of a (valid) approval answers as a dry run: the new preview, with the token.
    let refusal: CallToolResult | undefined;
    // Apply in the review view checks its token whatever the count: the change must be the one shown.
    if (!dryRun && (needsYes || call.reviewed)) {
      const gate = await confirmChange(call, args, () => ({
        question: `Change the tags of up to ${toChange} contacts (${summary})?`,
        what: `${summary} on ${toChange} contacts`,
        binding,
      }));
      if (gate !== 'go') {
        if (isInputRequiredResult(gate) || !approvalOf(gate)) return gate;
        refusal = gate;
        dryRun = true;
      }
    }
    const approval = refusal
      ? approvalOf(refusal)
      : dryRun && needsYes
        ? approvalFor(call, binding)
        : undefined;

    const counts: TagCounts = {
      dry_run: dryRun,
      matched: targets.length,
      changed: 0,
      unchanged: 0,
      failed: 0,
    };
    const failures: Failure[] = [];
    const examples: Example[] = [];
    // Progress counts on from the contacts the scan read.
    const base = scan?.scanned ?? 0;
    let done = 0;
    // About a hundred notifications for a large run, one per contact for a small one.
    const progressStep = Math.max(1, Math.floor(targets.length / 100));
    const record = async (outcome: TargetOutcome) => {
      if (outcome.kind === 'changed') {
        counts.changed++;
        if (examples.length < MAX_EXAMPLES) {
          const { contact, before, after } = outcome;
          examples.push({
            id: contact.id,
            name: contact.name,
            tags_before: before,
            tags_after: after,
          });
        }
      } else if (outcome.kind === 'unchanged') {
        counts.unchanged++;
      } else {
        counts.failed++;
        if (failures.length < MAX_LISTED_FAILURES) {
          const reason =
            outcome.kind === 'failed'
              ? failureReason(outcome.error)
              : `Vobiz accepted the write, but answered with tags ${renderTags(outcome.tags)}, without the change: check it with get_contact`;
          failures.push({ id: outcome.id, reason });
        }
      }
      done++;
      if (done % progressStep === 0 || done === targets.length) {
        await progress.report(base + done, base + targets.length, `${done} of ${targets.length} contacts`);
      }
    };

    // The writes are not given the caller's signal: a cancel stops starting new contacts, and the
    // ones in flight finish, so that no contact is left half-known.
    await retagTargets(client, targets, change, {
      dryRun,
      concurrency: context.bulkConcurrency,
      call: {},
      shouldStop: () => extra.signal.aborted,
      onOutcome: record,
    });
    const result: TagOutput = {
      ...counts,
      ...(failures.length > 0 && { failures: toTable(['id', 'reason'], failures) }),
      ...(examples.length > 0 && {
        examples: toTable(['id', 'name', 'tags_before', 'tags_after'], examples),
      }),
      ...(scan && { scan: scanOutputOf(scan), ...withScanWarnings(scan) }),
      ...(approval && { approval }),
    };
    const lines = { failures, examples };
    if (extra.signal.aborted) {
      const message = `tag_contacts cancelled after ${done} of ${targets.length} contacts: ${counts.changed} changed.`;
      logInfo(message);
      // A job's call may have ended (remote mode closes its server): the log line is then for stderr only.
      await server
        .sendLoggingMessage({ level: 'warning', logger: 'tag_contacts', data: message })
        .catch(() => undefined);
      // What was changed before the cancel, exactly: a job's result is all that tells a model.
      const report = formatResult(result, lines, summary, scan, 'Cancelled');
      return { ...errorResult(`${message}\n${report}`), structuredContent: result };
    }
    if (refusal) {
      const said = refusal.content[0]?.type === 'text' ? refusal.content[0].text : '';
      const preview = formatResult(result, lines, summary, scan);
      return { ...successResult(result, `${said}\n${preview}`), isError: true };
    }
    return successResult(result, formatResult(result, lines, summary, scan));
  },
});

/** A scan that found nothing to act on: cancelled, or failed before reading a contact. */
function scanFailure(scan: SegmentScanReport): string | undefined {
  if (scan.stop === 'cancelled') return 'Cancelled while finding the contacts: nothing was changed.';
  if (scan.stop === 'api_error' && scan.scanned === 0) {
    return describeFailure(scan.error, { action: 'find the contacts to tag', writes: false });
  }
  return undefined;
}

/**
 * A real run needs every contact in scope read: tagging the matches of part of the account would claim
 * a segment that is not whole. (A dry run reports what the part held, as such.)
 */
function partialScanRefusal(scan: SegmentScanReport): string {
  return (
    `Nothing was changed: not every contact the filters could select was read, and a segment is tagged ` +
    `whole or not at all. ${scan.matched} of the ${scan.scanned} contacts read match. ` +
    `${earlyStopText(scan, '', NARROW)} A dry run (dry_run true) shows what the part read holds.`
  );
}

function failureReason(error: unknown): string {
  if (isNotFound(error)) return 'not found (deleted meanwhile?)';
  return describeFailure(error, { action: 'update its tags', writes: true });
}

function formatResult(
  r: TagOutput,
  { failures, examples }: { failures: Failure[]; examples: Example[] },
  summary: string,
  scan: SegmentScanReport | undefined,
  verb = r.dry_run ? 'Dry run, nothing changed' : 'Done',
): string {
  const lines = [
    `${verb} (${summary}): ${r.matched} matched, ${r.changed} ${r.dry_run ? 'would change' : 'changed'}, ${r.unchanged} already had it, ${r.failed} failed.`,
  ];
  if (scan) {
    lines.push(`Filters: ${scanSummary(scan)}, ${scan.matched} matched.`);
    const stopped = earlyStopText(scan, 'counts cover only the contacts read', NARROW);
    if (stopped) lines.push(stopped);
  }
  for (const e of examples) {
    const id = renderText(e.id, { quote: 'unless-plain' });
    lines.push(`${id} ${renderText(e.name)}: ${renderTags(e.tags_before)} → ${renderTags(e.tags_after)}`);
  }
  for (const f of failures) lines.push(`failed ${renderText(f.id, { quote: 'unless-plain' })}: ${f.reason}`);
  if (r.failed > failures.length) lines.push(`… and ${r.failed - failures.length} more failures.`);
  return lines.join('\n');
}
