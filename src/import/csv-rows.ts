/**
 * The rows of a contacts CSV, streamed through csv-parse and checked one by one: E.164 phone (local
 * numbers rewritten when a default country is given), a name, tags, and no phone twice in one file.
 * Row numbers count data rows from 1, header and blank lines excluded, as the API counts them.
 */
import { parse, CsvError } from 'csv-parse';
import type { CountryCode } from 'libphonenumber-js';
import {
  CSV_TAG_SEPARATOR,
  MAX_CSV_RECORD_BYTES,
  MAX_NAME_LENGTH,
  MAX_TAGS_PER_CONTACT,
  MAX_TAG_LENGTH,
} from '../vobiz/contract.js';
import { toE164 } from '../vobiz/phone.js';
import type { CsvShape, CsvSource } from './csv-source.js';
import { normaliseHeader } from './csv-source.js';
import { ImportInputError } from './file-access.js';

/** One data row's cells, in header order. */
export type CsvRecord = string[];

/** Where the columns the import reads sit in a record (-1: absent). */
export interface ColumnIndex {
  phone_number: number;
  name: number;
  tags: number;
  /** Cells in the header: a row with more was split by an unquoted comma. */
  count: number;
}

export interface ContactRow {
  /** Data row number in the user's file, from 1, header excluded (as the API counts). */
  row: number;
  phone_number: string;
  name: string;
  tags: string[];
  /** The phone number was rewritten (separators dropped, country code added). */
  normalised: boolean;
}

export interface RowError {
  row: number;
  phone_number: string;
  reason: string;
}

export type CheckedRow = { ok: true; row: ContactRow } | { ok: false; error: RowError };

export interface RowOptions {
  defaultCountry?: CountryCode;
}

/**
 * Streams every data record of the file to `onRecord`, in order, and returns how many there were.
 * Records are arrays, not objects, and the loop is a callback rather than an async iterator: at a
 * hundred thousand rows, an object and a promise per row are felt. `onRecord` may return a promise
 * (to wait for an upload); the file is read on when it settles.
 */
export async function forEachRecord(
  source: CsvSource,
  shape: CsvShape,
  onRecord: (record: CsvRecord, row: number, columns: ColumnIndex) => void | Promise<void>,
): Promise<number> {
  const input = source.open();
  const parser = input.pipe(
    // Read as the API reads an import (contract.ts: MAX_CSV_RECORD_BYTES and the notes above it), so
    // that the row numbers here are the API's and the pre-flight refuses what the upload would.
    parse({
      delimiter: shape.delimiter,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      // An unclosed quote must not swallow the rest of a 100 MB file into one field in memory.
      max_record_size: MAX_CSV_RECORD_BYTES,
    }),
  );
  // pipe() forwards neither a read error nor an early stop: do both by hand, so no descriptor leaks.
  input.on('error', (error) => parser.destroy(error));
  let columns: ColumnIndex | undefined;
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<CsvRecord>) {
      if (!columns) {
        columns = columnIndex(record, source.label);
        continue;
      }
      // A row of empty cells (`,,,` at the end of a spreadsheet export) is no row: skipped, not counted.
      if (isBlank(record)) continue;
      const pending = onRecord(record, ++row, columns);
      if (pending) await pending;
    }
    return row;
  } catch (error) {
    if (error instanceof ImportInputError) throw error;
    if (error instanceof CsvError) {
      throw new ImportInputError(
        `${source.label} is not valid CSV near data row ${row + 1}: ${error.message}. Nothing was uploaded.`,
      );
    }
    if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
      throw new ImportInputError(`Could not read ${source.label} (${error.code}).`);
    }
    throw error;
  } finally {
    input.destroy();
  }
}

function isBlank(record: CsvRecord): boolean {
  return record.every((cell) => cell === '' || cell.trim() === '');
}

function columnIndex(header: string[], label: string): ColumnIndex {
  const names = header.map(normaliseHeader);
  const index = {
    phone_number: names.indexOf('phone_number'),
    name: names.indexOf('name'),
    tags: names.indexOf('tags'),
    count: header.length,
  };
  if (index.phone_number === -1 || index.name === -1) {
    // The sniff read the header as plain text; a quoted header can still read differently as CSV.
    throw new ImportInputError(
      `${label}: the header line has no phone_number or name column when read as CSV.`,
    );
  }
  return index;
}

/** Checks rows in file order; it remembers the phone numbers it has seen, to catch repeats. */
export class RowChecker {
  private readonly firstRowOf = new Map<string, number>();

  constructor(private readonly options: RowOptions) {}

  check(record: CsvRecord, row: number, columns: ColumnIndex): CheckedRow {
    const rawPhone = (record[columns.phone_number] ?? '').trim();
    const fail = (reason: string): CheckedRow => ({
      ok: false,
      // A cell can be anything, 10 kB included: echo a clipped copy only.
      error: { row, phone_number: rawPhone.length > 40 ? `${rawPhone.slice(0, 40)}…` : rawPhone, reason },
    });

    if (record.length > columns.count) {
      // `Sharma, Rahul` unquoted shifts every later cell: refuse the row rather than import it wrong.
      return fail(
        `the row has ${record.length} cells but the header has ${columns.count}; quote cells that contain commas`,
      );
    }
    const phone = toE164(rawPhone, this.options.defaultCountry);
    if (!phone.ok) return fail(phone.reason);
    const name = (record[columns.name] ?? '').trim();
    if (name === '') return fail('name is empty');
    if (name.length > MAX_NAME_LENGTH) return fail(`name is longer than ${MAX_NAME_LENGTH} characters`);

    const tags = splitTags(columns.tags === -1 ? '' : (record[columns.tags] ?? ''));
    if (tags.length > MAX_TAGS_PER_CONTACT) return fail(`more than ${MAX_TAGS_PER_CONTACT} tags`);
    const longTag = tags.find((tag) => tag.length > MAX_TAG_LENGTH);
    if (longTag) return fail(`tag "${longTag.slice(0, 20)}…" is longer than ${MAX_TAG_LENGTH} characters`);

    const first = this.firstRowOf.get(phone.e164);
    if (first !== undefined) return fail(`phone_number ${phone.e164} repeats row ${first}`);
    this.firstRowOf.set(phone.e164, row);

    return {
      ok: true,
      row: { row, phone_number: phone.e164, name, tags, normalised: phone.e164 !== rawPhone },
    };
  }
}

/** `"vip, newsletter"` → `["vip", "newsletter"]`; most cells hold one tag or none, so those go fast. */
function splitTags(cell: string): string[] {
  if (!cell.includes(CSV_TAG_SEPARATOR)) {
    const tag = cell.trim();
    return tag === '' ? [] : [tag];
  }
  const tags: string[] = [];
  for (const part of cell.split(CSV_TAG_SEPARATOR)) {
    const tag = part.trim();
    if (tag !== '' && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}
