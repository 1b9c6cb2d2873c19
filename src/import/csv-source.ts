/**
 * Where an import's CSV comes from (a file or inline text) and what its first bytes say about it:
 * empty, binary, not UTF-8, which delimiter, which columns. All of that is decided before a row is
 * read, so a file that is not a contacts CSV is refused before anything leaves the machine.
 */
import { Readable } from 'node:stream';
import { renderText } from '../render.js';
import { CSV_OPTIONAL_COLUMNS, CSV_REQUIRED_COLUMNS } from '../vobiz/contract.js';
import { ImportInputError, type ImportFile } from './file-access.js';

export interface CsvSource {
  /** The first bytes, enough for the header line and the sniffing below. */
  head(): Promise<Buffer>;
  /** A fresh stream of the whole content; called once per pass. */
  open(): Readable;
  /** For messages: "/home/me/fair.csv" or "the csv text". */
  label: string;
}

const HEAD_BYTES = 64 * 1024;

/** A file opened by file-access.ts: every pass reads its one descriptor. */
export function fileSource(file: ImportFile): CsvSource {
  return { label: file.label, open: () => file.read(), head: () => file.head(HEAD_BYTES) };
}

export function textSource(text: string): CsvSource {
  return {
    label: 'the csv text',
    open: () => Readable.from([text]),
    head: async () => Buffer.from(text.slice(0, HEAD_BYTES), 'utf8'),
  };
}

export type Delimiter = ',' | ';' | '\t';
const DELIMITERS: readonly Delimiter[] = [',', ';', '\t'];

export interface CsvShape {
  delimiter: Delimiter;
  /** The header names as found, normalised (trimmed, lower-cased). */
  columns: string[];
}

/** Header names are matched forgiving case and surrounding spaces: ` Phone_Number ` is `phone_number`. */
export function normaliseHeader(name: string): string {
  return name
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .trim()
    .toLowerCase();
}

/**
 * Reads the head of a CSV and decides whether it can be a contacts file. The delimiter is the one
 * given, or the one of `,` `;` or tab under which the header holds the required columns (spreadsheets
 * in many locales export with `;`).
 */
export async function sniffCsv(source: CsvSource, delimiter?: Delimiter): Promise<CsvShape> {
  const head = await source.head();
  const text = decodeHead(head, source.label);
  const headerLine = (
    text
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .find((line) => line.trim() !== '') ?? ''
  ).trim();
  if (headerLine === '') throw new ImportInputError(`${source.label} is empty: a header line is needed.`);

  const candidates = delimiter ? [delimiter] : DELIMITERS;
  const splits = candidates.map((d) => ({ delimiter: d, columns: headerLine.split(d).map(normaliseHeader) }));
  const fitting = splits.find(({ columns }) => CSV_REQUIRED_COLUMNS.every((c) => columns.includes(c)));
  if (fitting) return fitting;

  const found = splits.reduce((best, s) => (s.columns.length > best.columns.length ? s : best)).columns;
  const missing = CSV_REQUIRED_COLUMNS.filter((c) => !found.includes(c));
  throw new ImportInputError(
    `${source.label} has no ${missing.join(' or ')} column. Found: ${found
      .slice(0, 20)
      .map((c) => renderText(c, { max: 40 }))
      .join(
        ', ',
      )}. The header line must name ${CSV_REQUIRED_COLUMNS.join(' and ')} (and optionally ${CSV_OPTIONAL_COLUMNS.join(', ')}), e.g. "phone_number,name,tags".`,
  );
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
