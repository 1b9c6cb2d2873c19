/**
 * What an upload found (upload.ts), and why it stopped early when it did. Its own module, free of the
 * upload's code (csv-parse, the phone rules), so that the tool's result builder, loaded at start-up,
 * can read an outcome without loading the import pipeline.
 */
import type { AttributeSpill } from './attribute-spill.js';
import type { RowError } from './csv-rows.js';
import type { RowTally } from './tally.js';

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
  /**
   * Chunks whose summary accounts for fewer rows (created + updated + failed) than the `sent`: what
   * became of the `rows` left over is unknown.
   */
  unaccounted: { chunk: number; firstRow: number; lastRow: number; sent: number; rows: number }[];
  /** Rows the API refused, mapped back to the user's row numbers. */
  failed: number;
  errors: RowError[];
  rowsSent: number;
  chunksDone: number;
  /**
   * The attribute columns' values of the rows that had any, on disk; absent without attribute columns.
   * Whoever holds the outcome closes it.
   */
  attributes?: AttributeSpill;
  /** The highest file row in a chunk that was sent: no row after it was. */
  lastRowSent: number;
  /** The client cancelled: the upload stopped after the chunks that were in flight. */
  cancelled: boolean;
  /**
   * Chunks that failed even after retries, in order. The first stops the upload: no chunk is sent after
   * it fails, but those already in flight finish, so later chunks may have been applied.
   */
  failures: ChunkFailure[];
  /** The file could not be read on (not valid CSV further down, or changed). */
  readFailure?: { error: unknown };
}

/** Why the upload ended before the end of the file, if it did: a failed chunk first, then the file, then a cancel. */
export function uploadStopReason(
  outcome: UploadOutcome,
): 'chunk_failed' | 'file_unreadable' | 'cancelled' | undefined {
  if (outcome.failures.length > 0) return 'chunk_failed';
  if (outcome.readFailure) return 'file_unreadable';
  return outcome.cancelled ? 'cancelled' : undefined;
}

export interface ChunkFailure {
  error: unknown;
  chunk: number;
  firstRow: number;
  lastRow: number;
}
