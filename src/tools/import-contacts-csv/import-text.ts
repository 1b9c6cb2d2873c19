/** The text a model reads of an import: counts, columns, tags, sample rows and failed rows, one per line, every cell and column name through render.ts. */
import type { AttributeOutcome } from '../../import/attributes.js';
import type { RowError } from '../../import/csv-rows.js';
import type { CsvShape } from '../../import/csv-source.js';
import type { RowTally } from '../../import/tally.js';
import { counted, renderJson, renderTags, renderText } from '../../render.js';
import { fromTable } from '../../mcp/table.js';
import { type ImportOutput, type SampleRow } from './import-schema.js';

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
export function isApiHeader(shape: CsvShape): boolean {
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

/** A hint when rows have local numbers and no default_country was given. */
export function countryHint(tally: RowTally, defaultCountry: string | undefined): string {
  if (defaultCountry || tally.missingCountryCode === 0) return '';
  return `\n${counted(tally.missingCountryCode, 'row has a local number', 'rows have local numbers')} without a country code: pass default_country (e.g. "IN") to read them.`;
}
