/**
 * The two passes of a CSV import. `preflightCsv` reads the whole file once and reports what would be
 * sent; `uploadCsvInChunks` reads it again and uploads the valid rows in chunks, one after another,
 * so that neither pass holds more than a chunk or two of the file in memory.
 */
import { stringify } from 'csv-stringify/sync';
import type { VobizClient } from '../vobiz/client.js';
import type { ImportSummary } from '../vobiz/schemas.js';
import { readContactRows, type ContactRow, type RowError, type RowOptions } from './csv-rows.js';
import type { CsvShape, CsvSource } from './csv-source.js';

/** Error rows kept for the result: a model needs examples and a count, not fifty thousand lines. */
export const MAX_LISTED_ERRORS = 50;

export interface Preflight {
  total: number;
  valid: number;
  invalid: number;
  /** The first invalid rows, in file order. */
  errors: RowError[];
  /** Valid rows whose phone number was rewritten to E.164. */
  normalised: number;
  /** Invalid rows that failed only for want of a country code: `default_country` would fix them. */
  missingCountryCode: number;
  tagCounts: Map<string, number>;
  /** The first valid rows, as they would be sent. */
  sample: ContactRow[];
}

export async function preflightCsv(
  source: CsvSource,
  shape: CsvShape,
  options: RowOptions,
): Promise<Preflight> {
  const result: Preflight = {
    total: 0,
    valid: 0,
    invalid: 0,
    errors: [],
    normalised: 0,
    missingCountryCode: 0,
    tagCounts: new Map(),
    sample: [],
  };
  for await (const checked of readContactRows(source, shape, options)) {
    result.total++;
    if (!checked.ok) {
      result.invalid++;
      if (result.errors.length < MAX_LISTED_ERRORS) result.errors.push(checked.error);
      if (checked.error.reason.includes('has no country code')) result.missingCountryCode++;
      continue;
    }
    const { row } = checked;
    result.valid++;
    if (row.normalised) result.normalised++;
    for (const tag of row.tags) result.tagCounts.set(tag, (result.tagCounts.get(tag) ?? 0) + 1);
    if (result.sample.length < 3) result.sample.push(row);
  }
  return result;
}

export interface ChunkProgress {
  rowsDone: number;
  rowsTotal: number;
  chunksDone: number;
  chunksTotal: number;
}

export interface UploadOutcome {
  created: number;
  updated: number;
  /** Rows the API refused, mapped back to the user's row numbers. */
  failed: number;
  errors: RowError[];
  rowsSent: number;
  chunksDone: number;
  chunksTotal: number;
  /** The client cancelled: the upload stopped after the chunk that was in flight. */
  cancelled: boolean;
  /** A chunk failed even after retries: the upload stopped there. */
  failure?: { error: unknown; chunk: number; firstRow: number };
}

export interface UploadOptions {
  client: VobizClient;
  chunkRows: number;
  /** Valid rows, from the preflight: the denominator of the progress. */
  validRows: number;
  signal: AbortSignal;
  onProgress: (progress: ChunkProgress) => Promise<void> | void;
}

export async function uploadCsvInChunks(
  source: CsvSource,
  shape: CsvShape,
  rowOptions: RowOptions,
  { client, chunkRows, validRows, signal, onProgress }: UploadOptions,
): Promise<UploadOutcome> {
  const outcome: UploadOutcome = {
    created: 0,
    updated: 0,
    failed: 0,
    errors: [],
    rowsSent: 0,
    chunksDone: 0,
    chunksTotal: Math.ceil(validRows / chunkRows),
    cancelled: false,
  };

  const sendChunk = async (chunk: ContactRow[], index: number): Promise<void> => {
    const csv = stringify(
      chunk.map((r) => [r.phone_number, r.name, r.tags.join(',')]),
      { header: true, columns: ['phone_number', 'name', 'tags'] },
    );
    let summary: ImportSummary;
    try {
      // Not given the caller's signal: a cancel stops the import *after* this chunk, never inside it,
      // so that every chunk's outcome is known. The import is an upsert, so the client may retry it.
      summary = await client.importContactsCsv(
        new Blob([csv], { type: 'text/csv' }),
        `chunk-${index + 1}.csv`,
        {
          retrySafe: true,
        },
      );
    } catch (error) {
      outcome.failure = { error, chunk: index + 1, firstRow: chunk[0]?.row ?? 0 };
      return;
    }
    outcome.created += summary.created;
    outcome.updated += summary.updated;
    outcome.failed += summary.failed;
    for (const e of summary.errors) {
      if (outcome.errors.length >= MAX_LISTED_ERRORS) break;
      // The API numbers rows within the chunk it was sent; the user knows them by their file's numbers.
      outcome.errors.push({ ...e, row: chunk[e.row - 1]?.row ?? e.row });
    }
    outcome.rowsSent += chunk.length;
    outcome.chunksDone++;
    await onProgress({
      rowsDone: outcome.rowsSent,
      rowsTotal: validRows,
      chunksDone: outcome.chunksDone,
      chunksTotal: outcome.chunksTotal,
    });
  };

  // One chunk uploads while the next is read and checked: at most two chunks are in memory.
  let inFlight: Promise<void> = Promise.resolve();
  let chunk: ContactRow[] = [];
  let index = 0;
  const stopped = () => outcome.failure !== undefined || outcome.cancelled;
  const dispatch = async () => {
    await inFlight;
    if (stopped()) return;
    if (signal.aborted) {
      outcome.cancelled = true;
      return;
    }
    inFlight = sendChunk(chunk, index++);
    chunk = [];
  };

  for await (const checked of readContactRows(source, shape, rowOptions)) {
    if (!checked.ok) continue;
    chunk.push(checked.row);
    if (chunk.length === chunkRows) await dispatch();
    if (stopped()) break;
  }
  if (chunk.length > 0 && !stopped()) await dispatch();
  await inFlight;
  return outcome;
}
