/**
 * The rows of a contacts CSV, streamed through csv-parse and checked one by one by the rules the API
 * applies: a phone number (normalised to E.164; local numbers read with a default country), a name,
 * tags, and the attribute columns asked for. Row numbers count data rows from 1, header and blank lines
 * excluded, as the API counts them, so that an error points at the user's own file.
 */
import { parse, CsvError } from 'csv-parse';
import type { CountryCode } from 'libphonenumber-js';
import { checkName, checkTags, clipValue, splitTagCell, type FieldProblem } from '../vobiz/contact-rules.js';
import { MAX_CSV_RECORD_BYTES } from '../vobiz/contract.js';
import { checkPhoneNumber, type PhoneOptions } from '../vobiz/phone.js';
import { renderText } from '../render.js';
import { splitForeignTags, type ColumnPlan } from './columns.js';
import type { CsvShape, CsvSource } from './csv-source.js';
import { ImportInputError } from './file-access.js';

/** One data row's cells, in header order. */
export type CsvRecord = string[];

export interface ContactRow {
  /** Data row number in the user's file, from 1, header excluded (as the API counts). */
  row: number;
  phone_number: string;
  name: string;
  tags: string[];
  /** From the `attributes_from` columns; absent when none of them has a value in this row. */
  attributes?: Record<string, string>;
  /** The phone number was rewritten (separators dropped, country code added). */
  normalised: boolean;
  /** Set when digits were dropped from the number (a trunk prefix after the country code), for a warning. */
  rewritten?: string;
  /** The row of this number's previous appearance, when it repeats one. */
  repeatOf?: number;
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
  defaultCountry?: CountryCode | undefined;
  /** Tags added to every row (the campaign's tag). */
  addTags?: readonly string[] | undefined;
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
  /** Counts the bytes read, for progress. */
  read: { bytes: number },
  onRecord: (record: CsvRecord, row: number) => void | Promise<void>,
): Promise<number> {
  const input = source.open();
  input.on('data', (chunk: Buffer | string) => (read.bytes += chunk.length));
  const parser = input.pipe(
    // Read as the API reads an import (contract.ts: MAX_CSV_RECORD_BYTES and the notes above it), so
    // that the row numbers here are the API's and the checks refuse what the upload would.
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
  let header = true;
  let row = 0;
  try {
    // 'data' events rather than an async iterator: no promise per record unless onRecord returns one,
    // and then the parser pauses until it settles.
    await new Promise<void>((resolve, reject) => {
      let pending: Promise<void> | undefined;
      const fail = (error: unknown) => {
        parser.destroy();
        reject(error);
      };
      parser.on('data', (record: CsvRecord) => {
        if (header) {
          header = false; // read by sniffCsv already
          return;
        }
        // A row of empty cells (`,,,` at the end of a spreadsheet export) is no row: skipped, not counted.
        if (isBlank(record)) return;
        let result: void | Promise<void>;
        try {
          result = onRecord(record, ++row);
        } catch (error) {
          return fail(error);
        }
        if (!result) return;
        parser.pause();
        pending = result.then(() => void parser.resume(), fail);
      });
      // The last record's work may still be running when the parser ends: the pass ends after it.
      parser.on('end', () => void (pending ?? Promise.resolve()).then(resolve, reject));
      parser.on('error', reject);
    });
    return row;
  } catch (error) {
    if (error instanceof ImportInputError) throw error;
    if (error instanceof CsvError) {
      throw new ImportInputError(
        // The parser's message names the line (its count of lines, the header's included); it may quote
        // the file: account text, rendered. Not "near data row N": the parser reads ahead of the rows done.
        `${source.label} is not valid CSV: ${renderText(error.message, { quote: 'never', max: 200 })}.`,
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

/** A phone number that appears again further down: both rows are sent, and the later one wins. */
export interface RepeatedNumber {
  row: number;
  firstRow: number;
  phone_number: string;
}

/** Repeated numbers listed in a result; the rest are counted. */
export const MAX_LISTED_REPEATS = 20;

/**
 * Checks rows in file order, by the rules the API applies (vobiz/contact-rules.ts, vobiz/phone.ts): a row
 * is refused here only when the API would refuse it. It remembers the numbers it has seen, to report
 * repeats: the API upserts by number, so a repeat is sent and its later row wins — a warning, not a failure.
 */
export class RowChecker {
  private readonly firstRowOf = new Map<string, number>();
  /** The latest row of each number seen more than once. */
  private readonly lastRowOf = new Map<string, number>();
  /** Rows whose number came earlier in the file, in file order. */
  readonly repeats: RepeatedNumber[] = [];
  repeatCount = 0;
  private readonly phoneOptions: PhoneOptions;
  /** Reused for every row: a row with no problem (nearly all) allocates nothing for them. */
  private readonly problems: FieldProblem[] = [];

  constructor(
    private readonly plan: ColumnPlan,
    private readonly options: RowOptions,
  ) {
    this.phoneOptions = { normalise: true, defaultCountry: options.defaultCountry };
  }

  check(record: CsvRecord, row: number): CheckedRow {
    const { plan } = this;
    const rawPhone = firstPhone(record, plan.phone);
    const fail = (reason: string, missingCountryCode = false): CheckedRow => ({
      ok: false,
      // A cell can be anything, 10 kB included: keep a clipped copy only.
      error: { row, phone_number: clipValue(rawPhone, 40), reason, missingCountryCode },
    });

    if (record.length > plan.count) {
      // `Sharma, Rahul` unquoted shifts every later cell: refuse the row rather than import it wrong.
      return fail(
        `the row has ${record.length} cells but the header has ${plan.count}; quote cells that contain the separator`,
      );
    }
    const phone = checkPhoneNumber(rawPhone, this.phoneOptions);
    const problems = this.problems;
    problems.length = 0;
    const nameCell = joinCells(record, plan.name);
    // An empty cell is a missing name, as the API reads it.
    const name = checkName(nameCell === '' ? undefined : nameCell, problems);
    const tags = checkTags(this.tagsOf(record), problems);
    if (!phone.ok || name === undefined || tags === undefined) {
      const reasons = [...(phone.ok ? [] : [phone.reason]), ...problems.map((problem) => problem.message)];
      return fail(reasons.join('; '), !phone.ok && phone.missingCountryCode);
    }

    const checked: ContactRow = { row, phone_number: phone.e164, name, tags, normalised: phone.normalised };
    if (phone.rewritten) checked.rewritten = phone.rewritten;
    const first = this.firstRowOf.get(phone.e164);
    if (first === undefined) {
      this.firstRowOf.set(phone.e164, row);
    } else {
      checked.repeatOf = this.lastRowOf.get(phone.e164) ?? first;
      this.lastRowOf.set(phone.e164, row);
      this.repeatCount++;
      if (this.repeats.length < MAX_LISTED_REPEATS) {
        this.repeats.push({ row, firstRow: first, phone_number: phone.e164 });
      }
    }
    const attributes = attributesOf(record, plan);
    if (attributes) checked.attributes = attributes;
    return { ok: true, row: checked };
  }

  private tagsOf(record: CsvRecord): string[] {
    let tags: string[] = [];
    for (const { index, foreign } of this.plan.tags) {
      const cell = record[index] ?? '';
      if (cell.trim() !== '') tags = tags.concat(foreign ? splitForeignTags(cell) : splitTagCell(cell));
    }
    // concat, not push(...): spreading 200,000 add_tags as arguments overflows the stack.
    return this.options.addTags ? tags.concat(this.options.addTags) : tags;
  }
}

/**
 * The first phone cell holding a digit; a cell holding several numbers (Google's ` ::: `) gives its first.
 * A cell without a digit ("n/a", "-", "none") is a placeholder, as empty as a blank one: the next column
 * is tried. When no cell has a digit, the first non-empty one is returned, so that the row's error shows
 * what the file held.
 */
function firstPhone(record: CsvRecord, columns: readonly number[]): string {
  let placeholder = '';
  for (const index of columns) {
    const cell = (record[index] ?? '').trim();
    if (cell === '') continue;
    const separator = cell.indexOf(':::');
    const first = separator === -1 ? cell : cell.slice(0, separator).trim();
    if (/\d/.test(first)) return first;
    placeholder ||= first;
  }
  return placeholder;
}

function joinCells(record: CsvRecord, columns: readonly number[]): string {
  if (columns.length === 1) return (record[columns[0] ?? -1] ?? '').trim();
  return columns
    .map((index) => (record[index] ?? '').trim())
    .filter((cell) => cell !== '')
    .join(' ');
}

function attributesOf(record: CsvRecord, plan: ColumnPlan): Record<string, string> | undefined {
  let attributes: Record<string, string> | undefined;
  for (const { index, key } of plan.attributes) {
    const value = (record[index] ?? '').trim();
    if (value !== '') (attributes ??= {})[key] = value;
  }
  return attributes;
}
