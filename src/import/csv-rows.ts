/**
 * The rows of a contacts CSV, streamed through csv-parse and checked one by one: E.164 phone (local
 * numbers rewritten when a default country is given), a name, tags; numbers seen twice are noted.
 * Row numbers count data rows from 1, header and blank lines excluded, as the API counts them.
 */
import { parse, CsvError } from 'csv-parse';
import type { CountryCode } from 'libphonenumber-js';
import { checkName, checkTags, clipValue, splitTagCell, type FieldProblem } from '../vobiz/contact-rules.js';
import { MAX_CSV_RECORD_BYTES } from '../vobiz/contract.js';
import { checkPhoneNumber } from '../vobiz/phone.js';
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
  /** The number lacks a country code: `default_country` would fix the row. */
  missingCountryCode?: boolean;
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

/** A phone number that appears again further down: both rows are sent, and the later one wins. */
export interface RepeatedNumber {
  row: number;
  firstRow: number;
  phone_number: string;
}

/**
 * Checks rows in file order, by the rules the API applies (vobiz/contact-rules.ts, vobiz/phone.ts): a row
 * is refused here only when the API would refuse it. It remembers the numbers it has seen, to report
 * repeats: the API upserts by number, so a repeat is sent and its later row wins — a warning, not a failure.
 */
export class RowChecker {
  private readonly firstRowOf = new Map<string, number>();
  /** Rows whose number came earlier in the file, in file order. */
  readonly repeats: RepeatedNumber[] = [];
  repeatCount = 0;

  constructor(private readonly options: RowOptions) {}

  check(record: CsvRecord, row: number, columns: ColumnIndex): CheckedRow {
    const rawPhone = (record[columns.phone_number] ?? '').trim();
    const fail = (reason: string, missingCountryCode = false): CheckedRow => ({
      ok: false,
      // A cell can be anything, 10 kB included: keep a clipped copy only.
      error: { row, phone_number: clipValue(rawPhone, 40), reason, missingCountryCode },
    });

    if (record.length > columns.count) {
      // `Sharma, Rahul` unquoted shifts every later cell: refuse the row rather than import it wrong.
      return fail(
        `the row has ${record.length} cells but the header has ${columns.count}; quote cells that contain commas`,
      );
    }
    const phone = checkPhoneNumber(rawPhone, {
      normalise: true,
      defaultCountry: this.options.defaultCountry,
    });
    const problems: FieldProblem[] = [];
    const nameCell = (record[columns.name] ?? '').trim();
    // An empty cell is a missing name, as the API reads it.
    const name = checkName(nameCell === '' ? undefined : nameCell, problems);
    const tags = checkTags(splitTagCell(columns.tags === -1 ? '' : (record[columns.tags] ?? '')), problems);
    const reasons = [...(phone.ok ? [] : [phone.reason]), ...problems.map((problem) => problem.message)];
    if (!phone.ok || name === undefined || tags === undefined) {
      return fail(reasons.join('; '), !phone.ok && phone.missingCountryCode);
    }

    const first = this.firstRowOf.get(phone.e164);
    if (first === undefined) {
      this.firstRowOf.set(phone.e164, row);
    } else {
      this.repeatCount++;
      if (this.repeats.length < MAX_LISTED_REPEATS)
        this.repeats.push({ row, firstRow: first, phone_number: phone.e164 });
    }
    return { ok: true, row: { row, phone_number: phone.e164, name, tags, normalised: phone.normalised } };
  }
}

/** Repeated numbers listed in a result; the rest are counted. */
export const MAX_LISTED_REPEATS = 20;
