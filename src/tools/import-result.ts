/**
 * What import_contacts_csv answers: its output schema, the structured result built from what the pipeline
 * found, and the text a model reads — every cell and column name through render.ts.
 */
import { z } from 'zod';
import type { AttributeOutcome } from '../import/attributes.js';
import type { ExistingChanges } from '../import/existing-changes.js';
import type { RowError } from '../import/csv-rows.js';
import type { CsvShape } from '../import/csv-source.js';
import type { RowTally } from '../import/tally.js';
import { stopReason, type UploadOutcome } from '../import/upload-outcome.js';
import { counted, renderJson, renderTags, renderText } from '../render.js';
import { describeCause, describeFailure } from './results.js';
import { fromTable, tableSchema, toTable } from './table.js';

/** Failed rows listed in a result: a model needs examples and a count, not fifty thousand lines. */
const MAX_LISTED_ERRORS = 50;

const RowErrorOutput = z.object({ row: z.number().int(), phone_number: z.string(), reason: z.string() });
const SampleRowOutput = z.object({
  row: z.number().int(),
  phone_number: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  attributes: z.record(z.string(), z.string()),
});
type SampleRow = z.infer<typeof SampleRowOutput>;

export const ImportOutputShape = {
  dry_run: z.boolean(),
  total: z.number().int().describe('Data rows in the file (header excluded).'),
  valid: z.number().int().optional().describe('Dry run: rows that passed the checks and would be sent.'),
  created: z.number().int().optional().describe('Not in a dry run.'),
  updated: z
    .number()
    .int()
    .optional()
    .describe('Rows whose phone number existed: that contact was updated. Not in a dry run.'),
  created_or_updated: z
    .number()
    .int()
    .optional()
    .describe('Rows accepted in chunks that were sent twice, whose created/updated split is unknown.'),
  failed: z.number().int().describe('Rows refused, by the checks here or by Vobiz.'),
  unaccounted: z
    .number()
    .int()
    .optional()
    .describe(
      "Rows sent that Vobiz's summary did not account for (not counted as created, updated or failed): whether they were imported is unknown.",
    ),
  errors: tableSchema(RowErrorOutput, [z.number().int(), z.string()], 'failed row')
    .optional()
    .describe(
      `Failed rows, first ${MAX_LISTED_ERRORS}; \`row\` counts data rows from 1, header excluded. Absent: none.`,
    ),
  errors_omitted: z.number().int().optional().describe('Failed rows not listed in `errors`.'),
  phone_numbers_normalised: z
    .number()
    .int()
    .optional()
    .describe('Valid rows whose phone number was rewritten to E.164. Absent: none.'),
  repeated_numbers: z
    .number()
    .int()
    .optional()
    .describe(
      'Rows whose phone number came earlier in the file: sent too, the later row wins. Absent: none.',
    ),
  columns: z
    .object({
      phone_number: z.array(z.string()),
      name: z.array(z.string()),
      tags: z.array(z.string()).optional(),
      attributes: z.record(z.string(), z.string()).optional().describe('Column → custom attribute key.'),
    })
    .optional()
    .describe(
      "Which columns of the file fed which field: in a dry run, and for a file without the API's own header.",
    ),
  tag_counts: z.record(z.string(), z.number().int()).optional().describe('Dry run: rows per tag (top 20).'),
  sample: tableSchema(
    SampleRowOutput,
    [z.number().int(), z.string(), z.array(z.string()), z.record(z.string(), z.string())],
    'row',
  )
    .optional()
    .describe('Dry run: the first rows as they would be sent.'),
  attribute_requests: z
    .number()
    .int()
    .optional()
    .describe(
      'Dry run: about how many requests the attributes would cost (reads, and one write per contact).',
    ),
  existing_contacts: z
    .object({
      changed: z.number().int().describe('Existing contacts the import would change.'),
      names_overwritten: z.number().int().describe('Existing contacts whose name it would overwrite.'),
      tags_added: z.number().int().describe('Existing contacts it would add tags to.'),
      complete: z.boolean().describe('Every number was looked up; false: the counts are a floor.'),
    })
    .optional()
    .describe(
      "Dry run: what the import would change on contacts that exist (the API's import upserts by phone number).",
    ),
  attributes_written: z.number().int().optional(),
  attributes_unchanged: z.number().int().optional().describe('Contacts that had the values already.'),
  attributes_failed: z.number().int().optional(),
  attributes_not_found: z
    .number()
    .int()
    .optional()
    .describe('Numbers with attributes in the file not found when the contacts were read.'),
  stopped: z
    .object({
      why: z.enum(['cancelled', 'chunk_failed', 'file_unreadable']),
      failed_chunks: z.array(
        z.object({
          chunk: z.number().int(),
          first_row: z.number().int(),
          last_row: z.number().int(),
          reason: z.string(),
        }),
      ),
      read_error: z.string().optional().describe('Why the file could not be read on.'),
      last_row_sent: z.number().int().describe('No row after this one was sent.'),
    })
    .optional()
    .describe('Set when the import ended early: the counts are what was done before; `total` is rows read.'),
};
export type ImportOutput = z.infer<z.ZodObject<typeof ImportOutputShape>> & { warnings?: string[] };

export function dryRunResult(
  tally: RowTally,
  shape: CsvShape,
  warnings: string[],
  /** About how many requests writing the attributes would cost, when known. */
  attributeRequests: number | undefined,
  /** What the import would change on contacts that exist, when they were looked up. */
  existing?: ExistingChanges,
): ImportOutput {
  const topTags = [...tally.tagCounts].sort((a, b) => b[1] - a[1]).slice(0, 20);
  const ranges =
    tally.outOfRange > 0
      ? [
          `${tally.outOfRange} numbers are in no range known to be allocated (they are sent all the same), e.g. ${tally.rangeWarnings.join('; ')}.`,
        ]
      : [];
  const sample: SampleRow[] = tally.sample.map(({ row, phone_number, name, tags, attributes }) => ({
    row,
    phone_number,
    name,
    tags,
    attributes: attributes ?? {},
  }));
  return {
    dry_run: true,
    total: tally.total,
    valid: tally.valid,
    failed: tally.invalid,
    ...listErrors(tally.errors, tally.invalid),
    ...rowNotes(tally),
    columns: columnsOf(shape),
    ...(topTags.length > 0 && { tag_counts: Object.fromEntries(topTags) }),
    ...(sample.length > 0 && {
      sample: toTable(['row', 'phone_number', 'name', 'tags', 'attributes'], sample),
    }),
    ...(existing && {
      existing_contacts: {
        changed: existing.changed,
        names_overwritten: existing.namesOverwritten,
        tags_added: existing.tagsAdded,
        complete: existing.incomplete === undefined && existing.unknown === 0,
      },
    }),
    ...(attributeRequests !== undefined && { attribute_requests: attributeRequests }),
    ...withWarnings([...warnings, ...trunkWarnings(tally), ...repeatWarnings(tally), ...ranges]),
  };
}

export function importResult(
  outcome: UploadOutcome,
  shape: CsvShape,
  warnings: string[],
  attributes: AttributeOutcome | undefined,
): ImportOutput {
  const { tally } = outcome;
  const stopped = stoppedOf(outcome);
  const uncertain = outcome.uncertain.reduce((sum, chunk) => sum + chunk.accepted, 0);
  const unaccounted = outcome.unaccounted.reduce((sum, chunk) => sum + chunk.rows, 0);
  return {
    dry_run: false,
    total: tally.total,
    created: outcome.created,
    updated: outcome.updated,
    ...(outcome.uncertain.length > 0 && { created_or_updated: uncertain }),
    failed: tally.invalid + outcome.failed,
    ...(unaccounted > 0 && { unaccounted }),
    ...listErrors([...tally.errors, ...outcome.errors], tally.invalid + outcome.failed),
    ...rowNotes(tally),
    // The API's own header needs no explaining after a real run: the text leaves it out too.
    ...(!isApiHeader(shape) && { columns: columnsOf(shape) }),
    ...(attributes && {
      attributes_written: attributes.written,
      attributes_unchanged: attributes.unchanged,
      attributes_failed: attributes.failed,
      ...(attributes.notFound > 0 && { attributes_not_found: attributes.notFound }),
    }),
    ...(stopped && { stopped }),
    ...withWarnings([
      ...warnings,
      ...trunkWarnings(tally),
      ...repeatWarnings(tally),
      ...uncertainWarnings(outcome),
      ...unaccountedWarnings(outcome),
      ...(attributes ? attributeWarnings(attributes) : []),
      ...(stopped && outcome.attributes && outcome.attributes.size > 0
        ? [
            `The attributes (attributes_from) of ${outcome.attributes.size} contacts were not written: the import stopped before that phase. Running the same import again writes them.`,
          ]
        : []),
      ...(outcome.attributes && outcome.attributes.skippedRows > 0
        ? [
            `The attributes (attributes_from) of ${counted(outcome.attributes.skippedRows, 'row')} ${outcome.attributes.skippedRows === 1 ? 'was' : 'were'} not written: Vobiz refused those rows, or its summary did not say whether it took them, so their values were kept off the contacts with their numbers.`,
          ]
        : []),
    ]),
  };
}

/** Why the upload ended early, when it did; each failed chunk with what is known of its outcome. */
function stoppedOf(outcome: UploadOutcome): ImportOutput['stopped'] {
  const why = stopReason(outcome);
  if (!why) return undefined;
  const { failures, readFailure } = outcome;
  return {
    why,
    failed_chunks: failures.map(({ chunk, firstRow, lastRow, error }) => ({
      chunk,
      first_row: firstRow,
      last_row: lastRow,
      // Sending the chunk again is safe: the import upserts by phone number.
      reason: describeFailure(error, { action: `upload chunk ${chunk}`, writes: true, repeatable: true }),
    })),
    ...(readFailure && {
      read_error: renderText(describeCause(readFailure.error), { quote: 'never', max: 300 }),
    }),
    last_row_sent: outcome.lastRowSent,
  };
}

/** How the attribute phase ended, when not every contact could be looked at or found. */
function attributeWarnings(attributes: AttributeOutcome): string[] {
  const notes: string[] = [];
  if (attributes.cancelled) {
    notes.push(
      `Writing the attributes was cancelled after ${attributes.written} contacts were written: re-run the import to write the rest (it writes only what is missing).`,
    );
  }
  if (attributes.incomplete !== undefined) {
    notes.push(
      `Not every contact's attributes could be written: looking the contacts up failed (${describeCause(attributes.incomplete)}). Re-run the import: it writes only what is missing.`,
    );
  }
  if (attributes.notFound > 0) {
    notes.push(
      `${attributes.notFound} numbers with attributes in the file were not found when the contacts were read (their row failed, or the contact was deleted, or the list changed while it was read): nothing was written for them.`,
    );
  }
  return notes;
}

function withWarnings(warnings: string[]): { warnings?: string[] } {
  return warnings.length > 0 ? { warnings } : {};
}

/** Numbers written with a trunk prefix after the country code, which the rows were sent without. */
function trunkWarnings(tally: RowTally): string[] {
  if (tally.trunkDropped === 0) return [];
  const more = tally.trunkDropped - tally.trunkExamples.length;
  return [
    `${counted(tally.trunkDropped, 'phone number')} carried a trunk prefix after the country code, which an international number drops; their rows carry the number without it: ${tally.trunkExamples.join('; ')}${more > 0 ? `, and ${more} more` : ''}.`,
  ];
}

function repeatWarnings(tally: RowTally): string[] {
  if (tally.repeatCount === 0) return [];
  const listed = tally.repeats.map((r) => `row ${r.row} repeats ${r.phone_number} from row ${r.firstRow}`);
  const more = tally.repeatCount > listed.length ? `, and ${tally.repeatCount - listed.length} more` : '';
  return [
    `${counted(tally.repeatCount, 'row')} repeat${tally.repeatCount === 1 ? 's' : ''} a phone number from an earlier row; all were sent, and the later row wins (its name; tags add up): ${listed.join('; ')}${more}.`,
  ];
}

function uncertainWarnings(outcome: UploadOutcome): string[] {
  return outcome.uncertain.map(
    ({ chunk, firstRow, accepted, cause }) =>
      `Chunk ${chunk} (rows from ${firstRow}) was sent twice: the first attempt got ${describeCause(cause)}, which ` +
      `may have applied it. The second was accepted (${accepted} rows created or updated), but whether each ` +
      'row was created or updated cannot be told; its rows are counted in created_or_updated.',
  );
}

function unaccountedWarnings(outcome: UploadOutcome): string[] {
  return outcome.unaccounted.map(
    ({ chunk, firstRow, lastRow, sent, rows }) =>
      `Chunk ${chunk} (rows ${firstRow}–${lastRow}): Vobiz's summary accounts for ${sent - rows} of the ${sent} rows sent; ` +
      `for the other ${rows} (not counted as created, updated or failed), whether they were imported is unknown. ` +
      'Check those rows with list_contacts, or run the same import again (it is an upsert by phone number).',
  );
}

function listErrors(errors: RowError[], failed: number): Pick<ImportOutput, 'errors' | 'errors_omitted'> {
  const listed = errors
    .sort((a, b) => a.row - b.row)
    .slice(0, MAX_LISTED_ERRORS)
    .map(({ row, phone_number, reason }) => ({ row, phone_number, reason }));
  const omitted = failed - listed.length;
  return {
    ...(listed.length > 0 && { errors: toTable(['row', 'phone_number', 'reason'], listed) }),
    ...(omitted > 0 && { errors_omitted: omitted }),
  };
}

/** The counts of rewritten and repeated numbers, when there are any. */
function rowNotes(tally: RowTally): Pick<ImportOutput, 'phone_numbers_normalised' | 'repeated_numbers'> {
  return {
    ...(tally.normalised > 0 && { phone_numbers_normalised: tally.normalised }),
    ...(tally.repeatCount > 0 && { repeated_numbers: tally.repeatCount }),
  };
}

/** Which columns fed which field, the empty ones left out. */
function columnsOf(shape: CsvShape): NonNullable<ImportOutput['columns']> {
  const { phone_number, name, tags, attributes } = shape.plan.used;
  return {
    phone_number,
    name,
    ...(tags.length > 0 && { tags }),
    ...(Object.keys(attributes).length > 0 && { attributes }),
  };
}

/** The text a model reads: counts, then the columns used, tags, sample rows and failed rows, one per line. */
export function formatCounts(r: ImportOutput): string {
  const counts =
    `${r.created ?? 0} created, ${r.updated ?? 0} updated, ` +
    `${r.created_or_updated ? `${r.created_or_updated} created or updated (uncertain which), ` : ''}${r.failed} failed` +
    (r.unaccounted ? `, ${r.unaccounted} unknown (not in Vobiz's summary)` : '');
  const head = r.dry_run
    ? `Dry run, nothing uploaded: ${counted(r.total, 'row')}, ${r.valid ?? 0} would be sent, ${r.failed} invalid.`
    : r.stopped
      ? formatStopped(r.stopped, `Of ${counted(r.total, 'row')} read: ${counts}.`)
      : r.unaccounted
        ? `Import of ${counted(r.total, 'row')} done, but not all accounted for: ${counts}.`
        : `Imported ${counted(r.total, 'row')}: ${counts}.`;
  const normalised = r.phone_numbers_normalised
    ? ` ${counted(r.phone_numbers_normalised, 'phone number')} rewritten to E.164.`
    : '';
  const lines = [`${head}${normalised}`];
  if (r.columns) lines.push(`Columns: ${formatColumns(r.columns)}`);
  if (r.tag_counts && Object.keys(r.tag_counts).length > 0) {
    lines.push(
      `Tags: ${Object.entries(r.tag_counts)
        .map(([tag, n]) => `${renderTags([tag])} ${n}`)
        .join(', ')}`,
    );
  }
  for (const s of r.sample ? fromTable<Partial<SampleRow>>(r.sample) : []) {
    const attributes = s.attributes ? ` attributes ${renderJson(s.attributes)}` : '';
    lines.push(
      `Row ${s.row} as sent: ${s.phone_number} ${renderText(s.name ?? '')} tags ${renderTags(s.tags ?? [])}${attributes}`,
    );
  }
  if (r.existing_contacts) {
    const e = r.existing_contacts;
    lines.push(
      `Existing contacts it would change: ${e.complete ? '' : 'at least '}${e.changed} (${e.names_overwritten} names overwritten, ${e.tags_added} gaining tags).`,
    );
  }
  if (r.attribute_requests) {
    lines.push(
      `Writing the attributes after the upload would take about ${r.attribute_requests} more requests.`,
    );
  }
  if (r.attributes_written !== undefined) {
    const notFound = r.attributes_not_found ? `, ${r.attributes_not_found} not found` : '';
    lines.push(
      `Attributes: ${r.attributes_written} contacts written, ${r.attributes_unchanged ?? 0} already had them, ${r.attributes_failed ?? 0} failed${notFound}.`,
    );
  }
  if (r.failed) lines.push(formatErrors(r.errors ? fromTable<RowError>(r.errors) : [], r.failed));
  return lines.join('\n');
}

/** An import that ended early: why, what each failed chunk's outcome is, and which rows were not sent. */
function formatStopped(stopped: NonNullable<ImportOutput['stopped']>, counts: string): string {
  const why = {
    cancelled: 'Import cancelled by the client.',
    chunk_failed: 'Import stopped early: a chunk failed.',
    file_unreadable: 'Import stopped early: the file could not be read on.',
  }[stopped.why];
  const chunks = stopped.failed_chunks.map(
    (c) => `Chunk ${c.chunk} (rows ${c.first_row}–${c.last_row}) failed: ${c.reason}`,
  );
  const sent =
    stopped.last_row_sent > 0
      ? `No row after row ${stopped.last_row_sent} was sent; every chunk sent that is not listed as failed was applied.`
      : 'No row was sent.';
  return [
    `${why} ${counts}`,
    ...chunks,
    ...(stopped.read_error ? [`The file could not be read on: ${stopped.read_error}`] : []),
    `${sent} The import is an upsert by phone number: running the same import again is safe, and sends every row again.`,
  ].join('\n');
}

/** The file has the API's own header: the columns need no explaining after a real run. */
function isApiHeader(shape: CsvShape): boolean {
  const { phone_number, name } = shape.plan.used;
  return (
    phone_number.length === 1 && phone_number[0] === 'phone_number' && name.length === 1 && name[0] === 'name'
  );
}

function formatColumns(columns: NonNullable<ImportOutput['columns']>): string {
  const list = (names: string[]) => names.map((name) => renderText(name, { max: 60 })).join(' + ') || 'none';
  const phones = columns.phone_number.map((name) => renderText(name, { max: 60 })).join(', else ');
  const attributes = Object.entries(columns.attributes ?? {}).map(
    ([column, key]) => `${renderText(column, { max: 60 })} → ${renderText(key, { quote: 'unless-plain' })}`,
  );
  return [
    `phone_number ← ${phones}`,
    `name ← ${list(columns.name)}`,
    `tags ← ${list(columns.tags ?? [])}`,
    ...(attributes.length > 0 ? [`attributes ← ${attributes.join(', ')}`] : []),
  ].join('; ');
}

export function formatErrors(errors: RowError[], failed: number): string {
  const lines = errors.map(
    (e) =>
      `row ${e.row} ${renderText(e.phone_number, { quote: 'unless-plain', max: 40 })}: ${renderText(e.reason, { quote: 'never', max: 300 })}`,
  );
  if (failed > errors.length) lines.push(`… and ${failed - errors.length} more failed rows.`);
  return lines.join('\n');
}

/** The attribute writes that failed, a line each under the counts. */
export function attributeFailures(outcome: AttributeOutcome, describe: (error: unknown) => string): string {
  return outcome.failures
    .map(
      ({ row, phone_number, error }) =>
        `\nattributes of row ${row} (${renderText(phone_number, { quote: 'unless-plain', max: 40 })}) not written: ${describe(error)}`,
    )
    .join('');
}
