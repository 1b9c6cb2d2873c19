/**
 * The passes of a CSV import, each streaming the file and none holding more than a chunk or two of it:
 * - `scanCsv` parses the whole file once, so a file that is not CSV is refused before a byte leaves;
 * - `uploadCsvInChunks` reads it again, checks every row, and uploads the valid ones in chunks, one
 *   after another, while the next chunk is read and checked;
 * - `checkCsv` (dry run) checks every row and uploads nothing.
 */
import type { VobizClient } from '../vobiz/client.js';
import { rangeWarning } from '../vobiz/phone.js';
import { classifyFailure } from '../vobiz/retry.js';
import type { ImportSummary } from '../vobiz/schemas.js';
import {
  forEachRecord,
  RowChecker,
  type CheckedRow,
  type ContactRow,
  type RepeatedNumber,
  type RowError,
  type RowOptions,
} from './csv-rows.js';
import { fileSource, textSource, type CsvShape, type CsvSource, type Delimiter } from './csv-source.js';
import { formatBytes, ImportInputError, openImportFile } from './file-access.js';
import { UploadChunk } from './upload-chunk.js';

export { ImportInputError } from './file-access.js';
export { sniffCsv } from './csv-source.js';

export const DELIMITERS: Readonly<Record<'comma' | 'semicolon' | 'tab', Delimiter>> = {
  comma: ',',
  semicolon: ';',
  tab: '\t',
};

export interface SourceSettings {
  /** Largest CSV file accepted by `file_path`. */
  maxFileBytes: number;
  /** Largest inline `csv` text accepted. */
  maxInlineBytes: number;
}

/** The CSV to import, from `csv` text or a `file_path` inside `allowedDirs`; close it when done. */
export async function openCsvSource(
  args: { file_path?: string | undefined; csv?: string | undefined },
  allowedDirs: readonly string[],
  settings: SourceSettings,
): Promise<{ source: CsvSource; close(): Promise<void> }> {
  if (args.csv !== undefined) {
    const bytes = Buffer.byteLength(args.csv, 'utf8');
    if (bytes > settings.maxInlineBytes) {
      throw new ImportInputError(
        `The csv text is ${formatBytes(bytes)}, over the ${formatBytes(settings.maxInlineBytes)} limit for inline CSV: save it to a file and pass file_path.`,
      );
    }
    return { source: textSource(args.csv), close: async () => undefined };
  }
  const file = await openImportFile(args.file_path ?? '', allowedDirs, settings.maxFileBytes);
  return { source: fileSource(file), close: () => file.close() };
}

/** Error rows kept for the result: a model needs examples and a count, not fifty thousand lines. */
export const MAX_LISTED_ERRORS = 50;
const MAX_LISTED_RANGE_WARNINGS = 5;

/** What the checks found, row by row: counts, the first errors, tags, a sample. */
export class RowTally {
  total = 0;
  valid = 0;
  invalid = 0;
  /** The first invalid rows, in file order. */
  readonly errors: RowError[] = [];
  /** Valid rows whose phone number was rewritten to E.164. */
  normalised = 0;
  /** Invalid rows that failed for want of a country code: `default_country` would fix them. */
  missingCountryCode = 0;
  readonly tagCounts = new Map<string, number>();
  /** The first valid rows, as they are sent. */
  readonly sample: ContactRow[] = [];
  /** Numbers outside every range known to be allocated (counted only when `checkRanges`). */
  outOfRange = 0;
  readonly rangeWarnings: string[] = [];

  constructor(
    /** Whose repeats to report: the checker that saw the rows. */
    readonly checker: RowChecker,
    /** Also look up every number in libphonenumber's ranges: a dry run's extra, too slow for every import. */
    private readonly checkRanges = false,
  ) {}

  get repeats(): readonly RepeatedNumber[] {
    return this.checker.repeats;
  }

  get repeatCount(): number {
    return this.checker.repeatCount;
  }

  add(checked: CheckedRow): void {
    this.total++;
    if (!checked.ok) {
      this.invalid++;
      if (this.errors.length < MAX_LISTED_ERRORS) this.errors.push(checked.error);
      if (checked.error.missingCountryCode) this.missingCountryCode++;
      return;
    }
    if (this.checkRanges) {
      const warning = rangeWarning(checked.row.phone_number);
      if (warning) {
        this.outOfRange++;
        if (this.rangeWarnings.length < MAX_LISTED_RANGE_WARNINGS) this.rangeWarnings.push(warning);
      }
    }
    const { row } = checked;
    this.valid++;
    if (row.normalised) this.normalised++;
    for (const tag of row.tags) this.tagCounts.set(tag, (this.tagCounts.get(tag) ?? 0) + 1);
    if (this.sample.length < 3) this.sample.push(row);
  }
}

/** Parses the whole file and counts its data rows; throws ImportInputError if it is not valid CSV. */
export function scanCsv(source: CsvSource, shape: CsvShape): Promise<number> {
  return forEachRecord(source, shape, () => undefined);
}

/** Checks every row without uploading anything: what a dry run reports. */
export async function checkCsv(source: CsvSource, shape: CsvShape, options: RowOptions): Promise<RowTally> {
  const checker = new RowChecker(options);
  const tally = new RowTally(checker, true);
  await forEachRecord(source, shape, (record, row, columns) =>
    tally.add(checker.check(record, row, columns)),
  );
  return tally;
}

export interface ChunkProgress {
  rowsRead: number;
  rowsTotal: number;
  chunksDone: number;
}

export interface UploadOutcome {
  /** The checks here, row by row. */
  tally: RowTally;
  /** Rows Vobiz reported as created or updated, from chunks whose answer is trusted. */
  created: number;
  updated: number;
  /**
   * Chunks sent again after an attempt whose outcome was unknown (a 5xx, a dropped connection): the
   * replay's summary counts rows the lost attempt had already applied as `updated`, so these chunks'
   * created/updated split is uncertain. `accepted` = rows the replay created or updated.
   */
  uncertain: { chunk: number; firstRow: number; accepted: number; cause: unknown }[];
  /** Rows the API refused, mapped back to the user's row numbers. */
  failed: number;
  errors: RowError[];
  rowsSent: number;
  chunksDone: number;
  /** The client cancelled: the upload stopped after the chunk that was in flight. */
  cancelled: boolean;
  /** A chunk failed even after retries (or the file changed under us): the upload stopped there. */
  failure?: { error: unknown; chunk: number; firstRow: number };
}

export interface UploadOptions {
  client: VobizClient;
  chunkRows: number;
  /** Data rows in the file, from the scan: the denominator of the progress. */
  totalRows: number;
  signal: AbortSignal;
  onProgress: (progress: ChunkProgress) => Promise<void> | void;
}

export async function uploadCsvInChunks(
  source: CsvSource,
  shape: CsvShape,
  rowOptions: RowOptions,
  { client, chunkRows, totalRows, signal, onProgress }: UploadOptions,
): Promise<UploadOutcome> {
  const checker = new RowChecker(rowOptions);
  const outcome: UploadOutcome = {
    tally: new RowTally(checker),
    created: 0,
    updated: 0,
    uncertain: [],
    failed: 0,
    errors: [],
    rowsSent: 0,
    chunksDone: 0,
    cancelled: false,
  };

  const sendChunk = async (chunk: UploadChunk, index: number, rowsRead: number): Promise<void> => {
    let summary: ImportSummary;
    let replayedAfter: unknown;
    try {
      // Not given the caller's signal: a cancel stops the import *after* this chunk, never inside it,
      // so that every chunk's outcome is known. The import is an upsert, so the client may retry it.
      summary = await client.importContactsCsv(chunk.toBlob(), `chunk-${index + 1}.csv`, {
        onRetry: ({ error }) => {
          if (classifyFailure(error) === 'unknown_outcome') replayedAfter ??= error;
        },
      });
    } catch (error) {
      outcome.failure = { error, chunk: index + 1, firstRow: chunk.firstRow };
      return;
    }
    if (replayedAfter === undefined) {
      outcome.created += summary.created;
      outcome.updated += summary.updated;
    } else {
      outcome.uncertain.push({
        chunk: index + 1,
        firstRow: chunk.firstRow,
        accepted: summary.created + summary.updated,
        cause: replayedAfter,
      });
    }
    outcome.failed += summary.failed;
    for (const e of summary.errors) {
      if (outcome.errors.length >= MAX_LISTED_ERRORS) break;
      outcome.errors.push({ ...e, row: chunk.fileRow(e.row) });
    }
    outcome.rowsSent += chunk.size;
    outcome.chunksDone++;
    await onProgress({ rowsRead, rowsTotal: totalRows, chunksDone: outcome.chunksDone });
  };

  // One chunk uploads while the next is read and checked: at most two chunks are in memory.
  let inFlight: Promise<void> = Promise.resolve();
  let chunk = new UploadChunk();
  let index = 0;
  let rowsRead = 0;
  const stopped = () => outcome.failure !== undefined || outcome.cancelled;
  const dispatch = async () => {
    await inFlight;
    if (stopped()) return;
    if (signal.aborted) {
      outcome.cancelled = true;
      return;
    }
    inFlight = sendChunk(chunk, index++, rowsRead);
    chunk = new UploadChunk();
  };
  /** Thrown to leave the read loop early; not an error. */
  const stop = Symbol('stop');

  try {
    await forEachRecord(source, shape, (record, row, columns) => {
      rowsRead = row;
      const checked = checker.check(record, row, columns);
      outcome.tally.add(checked);
      if (checked.ok) chunk.add(checked.row);
      // Let the chunk in flight make progress: its request and answer need the event loop too.
      if (chunk.size < chunkRows) return row % 256 === 0 ? yieldToEventLoop() : undefined;
      return dispatch().then(() => {
        if (stopped()) throw stop;
      });
    });
    if (chunk.size > 0 && !stopped()) await dispatch();
  } catch (error) {
    if (error !== stop) outcome.failure ??= { error, chunk: index + 1, firstRow: rowsRead };
  }
  await inFlight;
  return outcome;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
