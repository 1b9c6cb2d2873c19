/**
 * The rows of a contacts CSV, streamed through csv-parse and checked one by one: E.164 phone (local
 * numbers rewritten when a default country is given), a name, tags, and no phone twice in one file.
 * Each pass over a file yields the same rows in the same order, so the validation pass and the upload
 * pass agree on every row number without keeping the file in memory.
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

export async function* readContactRows(
  source: CsvSource,
  shape: CsvShape,
  options: RowOptions,
): AsyncGenerator<CheckedRow> {
  const input = source.open();
  const parser = input.pipe(
    parse({
      delimiter: shape.delimiter,
      bom: true,
      columns: (header: string[]) => header.map(normaliseHeader),
      relax_column_count: true,
      skip_empty_lines: true,
      trim: false,
    }),
  );
  // pipe() forwards neither a read error nor an early stop: do both by hand, so no descriptor leaks.
  input.on('error', (error) => parser.destroy(error));
  const firstRowOf = new Map<string, number>();
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<Record<string, string | undefined>>) {
      row++;
      yield checkRow(row, record, options, firstRowOf);
    }
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

function checkRow(
  row: number,
  record: Record<string, string | undefined>,
  options: RowOptions,
  firstRowOf: Map<string, number>,
): CheckedRow {
  const rawPhone = (record['phone_number'] ?? '').trim();
  // A cell can be anything, 10 kB included: echo a clipped copy only.
  const shownPhone = rawPhone.length > 40 ? `${rawPhone.slice(0, 40)}…` : rawPhone;
  const fail = (reason: string): CheckedRow => ({
    ok: false,
    error: { row, phone_number: shownPhone, reason },
  });

  const phone = toE164(rawPhone, options.defaultCountry);
  if (!phone.ok) return fail(phone.reason);
  const name = (record['name'] ?? '').trim();
  if (name === '') return fail('name is empty');
  if (name.length > MAX_NAME_LENGTH) return fail(`name is longer than ${MAX_NAME_LENGTH} characters`);

  const tags = [
    ...new Set(
      (record['tags'] ?? '')
        .split(CSV_TAG_SEPARATOR)
        .map((tag) => tag.trim())
        .filter(Boolean),
    ),
  ];
  if (tags.length > MAX_TAGS_PER_CONTACT) return fail(`more than ${MAX_TAGS_PER_CONTACT} tags`);
  const longTag = tags.find((tag) => tag.length > MAX_TAG_LENGTH);
  if (longTag) return fail(`tag "${longTag.slice(0, 20)}…" is longer than ${MAX_TAG_LENGTH} characters`);

  const first = firstRowOf.get(phone.e164);
  if (first !== undefined) return fail(`phone_number ${phone.e164} repeats row ${first}`);
  firstRowOf.set(phone.e164, row);

  return {
    ok: true,
    row: { row, phone_number: phone.e164, name, tags, normalised: phone.e164 !== rawPhone },
  };
}
