/**
 * The rows of a contacts CSV, streamed through csv-parse and checked one by one: E.164 phone (local
 * numbers rewritten when a default country is given), a name, tags, and no phone twice in one file.
 * Row numbers count data rows from 1, header and blank lines excluded, as the API counts them.
 */
import { parse, CsvError } from 'csv-parse';
import type { CountryCode } from 'libphonenumber-js';
import {
  CSV_TAG_SEPARATOR,
  MAX_NAME_LENGTH,
  MAX_TAGS_PER_CONTACT,
  MAX_TAG_LENGTH,
} from '../vobiz/contract.js';
import { toE164 } from '../vobiz/phone.js';
import type { CsvShape, CsvSource } from './csv-source.js';
import { normaliseHeader } from './csv-source.js';
import { ImportInputError } from './file-access.js';

export type CsvRecord = Record<string, string | undefined>;

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
 * Streams every record of the file to `onRecord`, in order, and returns how many there were. A
 * callback rather than an async iterator: at a hundred thousand rows, a promise per row is felt.
 * `onRecord` may return a promise (to wait for an upload); the file is read on when it settles.
 */
export async function forEachRecord(
  source: CsvSource,
  shape: CsvShape,
  onRecord: (record: CsvRecord, row: number) => void | Promise<void>,
): Promise<number> {
  const input = source.open();
  const parser = input.pipe(
    parse({
      delimiter: shape.delimiter,
      bom: true,
      columns: (header: string[]) => header.map(normaliseHeader),
      relax_column_count: true,
      skip_empty_lines: true,
    }),
  );
  // pipe() forwards neither a read error nor an early stop: do both by hand, so no descriptor leaks.
  input.on('error', (error) => parser.destroy(error));
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<CsvRecord>) {
      const pending = onRecord(record, ++row);
      if (pending) await pending;
    }
    return row;
  } catch (error) {
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

/** Checks rows in file order; it remembers the phone numbers it has seen, to catch repeats. */
export class RowChecker {
  private readonly firstRowOf = new Map<string, number>();

  constructor(private readonly options: RowOptions) {}

  check(record: CsvRecord, row: number): CheckedRow {
    const rawPhone = (record['phone_number'] ?? '').trim();
    // A cell can be anything, 10 kB included: echo a clipped copy only.
    const shownPhone = rawPhone.length > 40 ? `${rawPhone.slice(0, 40)}…` : rawPhone;
    const fail = (reason: string): CheckedRow => ({
      ok: false,
      error: { row, phone_number: shownPhone, reason },
    });

    const phone = toE164(rawPhone, this.options.defaultCountry);
    if (!phone.ok) return fail(phone.reason);
    const name = (record['name'] ?? '').trim();
    if (name === '') return fail('name is empty');
    if (name.length > MAX_NAME_LENGTH) return fail(`name is longer than ${MAX_NAME_LENGTH} characters`);

    const cell = record['tags'] ?? '';
    const tags =
      cell === ''
        ? []
        : [
            ...new Set(
              cell
                .split(CSV_TAG_SEPARATOR)
                .map((tag) => tag.trim())
                .filter(Boolean),
            ),
          ];
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
