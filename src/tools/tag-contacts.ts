import { z } from 'zod';
import {
  applyTagChange,
  isNotFound,
  retagTargets,
  selectTargets,
  type TargetOutcome,
} from '../bulk/retag.js';
import { logInfo } from '../log.js';
import { confirmChange } from './confirm.js';
import {
  booleanField,
  contactIdListField,
  integerField,
  optional,
  searchField,
  tagFilterField,
  tagListField,
  withDefault,
} from './fields.js';
import { renderTags, renderText } from '../render.js';
import { describeFailure, errorResult, successResult } from './results.js';
import { defineTool } from './tool.js';

const MAX_LISTED_FAILURES = 20;
const MAX_EXAMPLES = 5;

const input = {
  ids: optional(contactIdListField(10_000)).describe(
    'The contacts to change, by id. Give this or a filter (search and/or tag), not both.',
  ),
  search: optional(searchField).describe(
    'Filter: contacts whose name or phone contains this text (as list_contacts search).',
  ),
  tag: optional(tagFilterField).describe('Filter: contacts that carry this tag, e.g. "expo-2026".'),
  add: optional(tagListField('add')).describe('Tags to add, e.g. ["expo-2026"]. Tags a contact has stay.'),
  remove: optional(tagListField('remove')).describe('Tags to remove, e.g. ["newsletter"]. Other tags stay.'),
  dry_run: withDefault(booleanField, false).describe(
    'Report how many contacts would change, with examples, without changing any.',
  ),
  max_contacts: withDefault(integerField(1, 100_000), 1_000).describe(
    'Refuse when the selection holds more contacts than this (default 1000); raise it deliberately.',
  ),
};

const output = {
  dry_run: z.boolean(),
  matched: z.number().int().describe('Contacts selected.'),
  changed: z.number().int().describe('Contacts whose tags were (or, in a dry run, would be) changed.'),
  unchanged: z.number().int().describe('Contacts that already had the result: not written.'),
  failed: z.number().int(),
  failures: z
    .array(z.object({ id: z.string(), reason: z.string() }))
    .describe(`First ${MAX_LISTED_FAILURES} failures.`),
  examples: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        tags_before: z.array(z.string()),
        tags_after: z.array(z.string()),
      }),
    )
    .describe(`Up to ${MAX_EXAMPLES} changed contacts, before and after.`),
};
type TagOutput = z.infer<z.ZodObject<typeof output>>;

export const tagContacts = defineTool({
  name: 'tag_contacts',
  title: 'Add or remove tags on many contacts',
  description:
    'Add and/or remove tags on many contacts in one call — the way to build a campaign segment. Choose ' +
    'the contacts by `ids` or by a filter (`search`, `tag`). Each contact keeps its other tags; contacts ' +
    'that already have the result are not written, so repeating a call is safe. Use dry_run first to see ' +
    'how many would change. Refuses when more than max_contacts (default 1000) match. Returns counts of ' +
    'matched, changed, unchanged and failed contacts, with the failures.',
  input,
  output,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, { server, extra, context }) {
    const { client } = context;
    const add = args.add ?? [];
    const remove = args.remove ?? [];
    const filter = { ...(args.search && { search: args.search }), ...(args.tag && { tag: args.tag }) };
    const hasFilter = Object.keys(filter).length > 0;
    if (add.length === 0 && remove.length === 0)
      return errorResult('Nothing to do: give tags to add and/or remove.');
    const both = add.filter((tag) => remove.includes(tag));
    if (both.length > 0) return errorResult(`A tag cannot be both added and removed: ${renderTags(both)}.`);
    if (!args.ids && !hasFilter) {
      return errorResult(
        'Choose the contacts: give ids, or a filter (search and/or tag). A call never targets everyone.',
      );
    }
    if (args.ids && hasFilter) return errorResult('Give ids or a filter (search/tag), not both.');

    const change = { add, remove };
    const summary = [
      add.length > 0 && `add ${renderTags(add)}`,
      remove.length > 0 && `remove ${renderTags(remove)}`,
    ]
      .filter(Boolean)
      .join('; ');
    let selected;
    try {
      selected = await selectTargets(client, args.ids ? { ids: args.ids } : filter, args.max_contacts, {
        signal: extra.signal,
      });
    } catch (error) {
      return errorResult(describeFailure(error, { action: 'find the contacts to tag', writes: false }));
    }
    if (selected.kind === 'too_many') {
      return errorResult(
        `${selected.total} contacts match, more than max_contacts (${args.max_contacts}). Narrow the filter, or ` +
          `call again with max_contacts ${selected.total} if all of them are meant. Nothing was changed.`,
      );
    }
    const targets = selected.targets;
    // Contacts the list already shows as done need no write; the rest is what the user is asked about.
    const toChange = targets.filter(
      (t) => !t.listed || applyTagChange(t.listed.tags, change) !== undefined,
    ).length;

    if (!args.dry_run && toChange > context.confirm.bulkThreshold) {
      const gate = await confirmChange(server, extra, context.confirm, args, () => ({
        question: `Change the tags of up to ${toChange} contacts (${summary})?`,
        what: `${summary} on ${toChange} contacts`,
      }));
      if (gate !== 'go') return gate;
    }

    const result: TagOutput = {
      dry_run: args.dry_run,
      matched: targets.length,
      changed: 0,
      unchanged: 0,
      failed: 0,
      failures: [],
      examples: [],
    };
    const progressToken = extra._meta?.progressToken;
    let done = 0;
    // About a hundred notifications for a large run, one per contact for a small one.
    const progressStep = Math.max(1, Math.floor(targets.length / 100));
    const record = async (outcome: TargetOutcome) => {
      if (outcome.kind === 'changed') {
        result.changed++;
        if (result.examples.length < MAX_EXAMPLES) {
          const { contact, before, after } = outcome;
          result.examples.push({
            id: contact.id,
            name: contact.name,
            tags_before: before,
            tags_after: after,
          });
        }
      } else if (outcome.kind === 'unchanged') {
        result.unchanged++;
      } else {
        result.failed++;
        if (result.failures.length < MAX_LISTED_FAILURES) {
          result.failures.push({ id: outcome.id, reason: failureReason(outcome.error) });
        }
      }
      done++;
      if (progressToken !== undefined && (done % progressStep === 0 || done === targets.length)) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: {
            progressToken,
            progress: done,
            total: targets.length,
            message: `${done} of ${targets.length} contacts`,
          },
        });
      }
    };

    // The writes are not given the caller's signal: a cancel stops starting new contacts, and the
    // ones in flight finish, so that no contact is left half-known.
    await retagTargets(client, targets, change, {
      dryRun: args.dry_run,
      concurrency: context.bulkConcurrency,
      call: {},
      shouldStop: () => extra.signal.aborted,
      onOutcome: record,
    });
    if (extra.signal.aborted) {
      const message = `tag_contacts cancelled after ${done} of ${targets.length} contacts: ${result.changed} changed.`;
      logInfo(message);
      await server.sendLoggingMessage({ level: 'warning', logger: 'tag_contacts', data: message });
      return errorResult(message);
    }
    return successResult(result, formatResult(result, summary));
  },
});

function failureReason(error: unknown): string {
  if (isNotFound(error)) return 'not found (deleted meanwhile?)';
  return describeFailure(error, { action: 'update its tags', writes: true });
}

function formatResult(r: TagOutput, summary: string): string {
  const verb = r.dry_run ? 'Dry run, nothing changed' : 'Done';
  const lines = [
    `${verb} (${summary}): ${r.matched} matched, ${r.changed} ${r.dry_run ? 'would change' : 'changed'}, ${r.unchanged} already had it, ${r.failed} failed.`,
  ];
  for (const e of r.examples) {
    const id = renderText(e.id, { quote: 'unless-plain' });
    lines.push(`${id} ${renderText(e.name)}: ${renderTags(e.tags_before)} → ${renderTags(e.tags_after)}`);
  }
  for (const f of r.failures)
    lines.push(`failed ${renderText(f.id, { quote: 'unless-plain' })}: ${f.reason}`);
  if (r.failed > r.failures.length) lines.push(`… and ${r.failed - r.failures.length} more failures.`);
  return lines.join('\n');
}
