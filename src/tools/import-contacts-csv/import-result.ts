/** The structured result of import_contacts_csv, built from what the pipeline found. */
import type { AttributeOutcome } from '../../import/attributes.js';
import type { ExistingChanges } from '../../import/existing-changes.js';
import type { RowError } from '../../import/csv-rows.js';
import type { CsvShape } from '../../import/csv-source.js';
import type { RowTally } from '../../import/tally.js';
import { uploadStopReason, type UploadOutcome } from '../../import/upload-outcome.js';
import { counted, renderText } from '../../render.js';
import { describeCause, describeFailure } from '../../mcp/results.js';
import { toTable } from '../../mcp/table.js';
import { MAX_LISTED_ERRORS, type ImportOutput, type SampleRow } from './import-schema.js';
import { isApiHeader } from './import-text.js';
export { ImportOutputShape, type ImportOutput } from './import-schema.js';

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
  const why = uploadStopReason(outcome);
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
