/**
 * Where an import's CSV comes from (a file or inline text) and what its first bytes say about it:
 * empty, binary, not UTF-8, which delimiter, which columns. All of that is decided before a row is
 * read, so a file that is not a contacts CSV is refused before anything leaves the machine.
 */
import { Readable } from 'node:stream';
import { parse as parseSync } from 'csv-parse/sync';
import { planColumns, type ColumnChoice, type ColumnPlan } from './columns.js';
import { ImportInputError, type ImportFile } from './file-access.js';

export interface CsvSource {
  /** The first bytes, enough for the header line and the sniffing below. */
  head(): Promise<Buffer>;
  /** A fresh stream of the whole content; called once per pass. */
  open(): Readable;
  /** For messages: "/home/me/fair.csv" or "the csv text". */
  label: string;
  /** Bytes in all, for progress. */
  size: number;
}

const HEAD_BYTES = 64 * 1024;

/** A file opened by file-access.ts: every pass reads its one descriptor. */
export function fileSource(file: ImportFile): CsvSource {
  return { label: file.label, size: file.size, open: () => file.read(), head: () => file.head(HEAD_BYTES) };
}

export function textSource(text: string): CsvSource {
  return {
    label: 'the csv text',
    size: Buffer.byteLength(text),
    open: () => Readable.from([Buffer.from(text)]),
    head: async () => Buffer.from(text.slice(0, HEAD_BYTES), 'utf8'),
  };
}

export type Delimiter = ',' | ';' | '\t';
const DELIMITERS: readonly Delimiter[] = [',', ';', '\t'];

export interface CsvShape {
  delimiter: Delimiter;
  /** The header's cells, as written. */
  header: string[];
  /** Which columns feed which field. */
  plan: ColumnPlan;
}

/**
 * Reads the head of a CSV and decides whether it can be a contacts file, before a row is read: the
 * delimiter (the one given, or the one of `,` `;` or tab under which a phone column is found —
 * spreadsheets in many locales export with `;`), the header, and which columns feed which field.
 */
export async function sniffCsv(
  source: CsvSource,
  options: {
    delimiter?: Delimiter | undefined;
    columns?: ColumnChoice;
    attributesFrom?: readonly string[];
  } = {},
): Promise<CsvShape> {
  const text = decodeHead(await source.head(), source.label);
  const headerLine = (
    text
      .replace(/^\uFEFF/, '')
      .split(/\r\n|\n|\r/)
      .find((line) => line.trim() !== '') ?? ''
  ).trim();
  if (headerLine === '') throw new ImportInputError(`${source.label} is empty: a header line is needed.`);

  const candidates = options.delimiter ? [options.delimiter] : DELIMITERS;
  let firstError: unknown;
  let widest: { delimiter: Delimiter; header: string[] } | undefined;
  for (const delimiter of candidates) {
    const header = splitHeader(headerLine, delimiter);
    if (!widest || header.length > widest.header.length) widest = { delimiter, header };
    try {
      return {
        delimiter,
        header,
        plan: planColumns(header, source.label, options.columns, options.attributesFrom),
      };
    } catch (error) {
      firstError ??= error;
    }
  }
  // No delimiter gives a plan: the error for the widest reading of the header says what is missing.
  if (widest && widest.header.length > 1)
    planColumns(widest.header, source.label, options.columns, options.attributesFrom);
  throw firstError;
}

/** The header line's cells under one delimiter, quotes read as CSV reads them. */
function splitHeader(line: string, delimiter: Delimiter): string[] {
  try {
    const [header] = parseSync(line, {
      delimiter,
      relax_quotes: true,
      relax_column_count: true,
    }) as string[][];
    return (header ?? []).map((cell) => cell.trim());
  } catch {
    return line.split(delimiter).map((cell) => cell.trim());
  }
}

function decodeHead(head: Buffer, label: string): string {
  if (head.includes(0)) {
    throw new ImportInputError(
      `${label} is not a text CSV (it holds binary data). Export the contacts as CSV.`,
    );
  }
  try {
    // `stream: true` lets the head end inside a multi-byte character without failing.
    return new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    throw new ImportInputError(`${label} is not UTF-8 text. Save the CSV as UTF-8 and try again.`);
  }
}
