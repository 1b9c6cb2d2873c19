/**
 * One chunk of an import as it is uploaded: the CSV text of its valid rows, written as each row is
 * checked, and the row number each line has in the user's file. A chunk holds a string per row, not
 * the row's objects: those die young, which keeps the garbage collector's work and the heap small.
 */
import { CSV_TAG_SEPARATOR } from '../vobiz/contract.js';
import type { ContactRow } from './csv-rows.js';

const HEADER = 'phone_number,name,tags\n';

export class UploadChunk {
  private readonly lines: string[] = [HEADER];
  /** Characters of CSV text so far: a chunk is also closed by size, whatever its rows hold. */
  length = HEADER.length;
  private readonly fileRows: number[] = [];

  /** Rows in the chunk. */
  get size(): number {
    return this.fileRows.length;
  }

  /** The file row number of the chunk's first row (0 while it is empty). */
  get firstRow(): number {
    return this.fileRows[0] ?? 0;
  }

  /** The file row number of the chunk's last row (0 while it is empty). */
  get lastRow(): number {
    return this.fileRows.at(-1) ?? 0;
  }

  add(row: ContactRow): void {
    // The phone number is E.164 by now: digits after a plus, nothing to quote.
    const line = `${row.phone_number},${csvField(row.name)},${csvField(row.tags.join(CSV_TAG_SEPARATOR))}\n`;
    this.lines.push(line);
    this.length += line.length;
    this.fileRows.push(row.row);
  }

  /** The API numbers rows within the chunk it was sent, from 1; the user knows them by their file's. */
  fileRow(chunkRow: number): number {
    return this.fileRows[chunkRow - 1] ?? chunkRow;
  }

  /** The chunk as a CSV file, header first. One string: a Blob of many parts streams as many writes. */
  toBlob(): Blob {
    return new Blob([this.lines.join('')], { type: 'text/csv' });
  }
}

/** A field as RFC 4180 writes it: quoted when it holds a comma, quote or line break. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
