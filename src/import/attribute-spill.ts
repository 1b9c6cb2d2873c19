/**
 * The `attributes_from` values of an import, kept on disk while the upload runs, not in memory: a 100 MB
 * export with a hundred attribute columns would otherwise hold every row's values until the attribute
 * phase (issue 22). Each valid row with values is appended to a temporary file as one JSON line as it is
 * read; memory keeps, per row, where its line is, and per phone number its latest row — a few numbers a
 * row, whatever the values hold. The attribute phase reads a number's lines back when it writes it.
 *
 * A row the API refused (or whose outcome its summary did not report) is marked skipped: its values are
 * never written to the contact that has its number.
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface AttributeWrite {
  /** The latest row of the number whose values are written. */
  row: number;
  values: Record<string, string>;
}

/** Appended lines are written once this many bytes are waiting. */
const FLUSH_BYTES = 1 << 20;

export class AttributeSpill {
  /** Per record (a row with values), in file order: where its line is, its row, whether it is skipped. */
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];
  private readonly rows: number[] = [];
  /** The record of the same number before this one, or -1. */
  private readonly previous: number[] = [];
  private readonly skipped: boolean[] = [];
  /** Per phone number, its latest record. */
  private readonly latest = new Map<string, number>();
  private pending: string[] = [];
  private pendingBytes = 0;
  private written = 0;
  /** Rows whose values will not be written: refused, or not accounted for. */
  skippedRows = 0;

  private constructor(
    private readonly dir: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(): Promise<AttributeSpill> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-import-attributes-'));
    try {
      // Readable and writable by this user only: the values are the account's data.
      return new AttributeSpill(dir, await open(path.join(dir, 'values.jsonl'), 'w+', 0o600));
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Phone numbers with values (skipped rows included until `seal`). */
  get size(): number {
    return this.latest.size;
  }

  /** Appends a row's values; the promise, when there is one, is the write to wait for. */
  add(phone: string, row: number, values: Record<string, string>): Promise<void> | undefined {
    const line = `${JSON.stringify(values)}\n`;
    const record = this.offsets.length;
    this.offsets.push(this.written + this.pendingBytes);
    const length = Buffer.byteLength(line);
    this.lengths.push(length);
    this.rows.push(row);
    this.previous.push(this.latest.get(phone) ?? -1);
    this.skipped.push(false);
    this.latest.set(phone, record);
    this.pending.push(line);
    this.pendingBytes += length;
    return this.pendingBytes >= FLUSH_BYTES ? this.flush() : undefined;
  }

  /** Marks the row's values as not to be written (the API refused the row), if it had any. */
  skipRow(row: number): void {
    const record = this.recordOf(row);
    if (record !== -1 && !this.skipped[record]) {
      this.skipped[record] = true;
      this.skippedRows++;
    }
  }

  /** Marks every row from `first` to `last` as not to be written. */
  skipRows(first: number, last: number): void {
    for (let record = Math.max(0, this.firstAtOrAfter(first)); record < this.rows.length; record++) {
      if ((this.rows[record] ?? Infinity) > last) break;
      if (!this.skipped[record]) {
        this.skipped[record] = true;
        this.skippedRows++;
      }
    }
  }

  /** Writes what is waiting, and forgets the numbers none of whose rows is to be written. */
  async seal(): Promise<void> {
    await this.flush();
    for (const [phone, latest] of this.latest) {
      let record = latest;
      while (record !== -1 && this.skipped[record]) record = this.previous[record] ?? -1;
      if (record === -1) this.latest.delete(phone);
    }
  }

  phones(): IterableIterator<string> {
    return this.latest.keys();
  }

  has(phone: string): boolean {
    return this.latest.has(phone);
  }

  /** The number's values, its rows' merged in file order (a later row's value wins), skipped rows left out. */
  async valuesOf(phone: string): Promise<AttributeWrite | undefined> {
    const records: number[] = [];
    for (let record = this.latest.get(phone) ?? -1; record !== -1; record = this.previous[record] ?? -1) {
      if (!this.skipped[record]) records.push(record);
    }
    if (records.length === 0) return undefined;
    let values: Record<string, string> = {};
    for (const record of records.reverse()) {
      const length = this.lengths[record] ?? 0;
      const { buffer } = await this.handle.read(Buffer.alloc(length), 0, length, this.offsets[record] ?? 0);
      values = { ...values, ...(JSON.parse(buffer.toString('utf8')) as Record<string, string>) };
    }
    return { row: this.rows[records.at(-1) ?? 0] ?? 0, values };
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    const at = this.written;
    this.pending = [];
    this.written += this.pendingBytes;
    this.pendingBytes = 0;
    await this.handle.write(text, at, 'utf8');
  }

  /** The record of `row`, or -1 (records are in ascending row order). */
  private recordOf(row: number): number {
    const record = this.firstAtOrAfter(row);
    return this.rows[record] === row ? record : -1;
  }

  private firstAtOrAfter(row: number): number {
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.rows[mid] ?? 0) < row) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
