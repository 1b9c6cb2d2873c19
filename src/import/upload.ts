/**
 * The upload of an import: one pass over the file that checks every row and sends the valid ones in
 * chunks, several in flight at once, while the next chunk is read and checked. What holds whatever the
 * upstream's speed:
 * - later row wins: a chunk that repeats a number of a chunk still in flight waits for it, so the API
 *   applies the rows of one number in file order;
 * - every row's outcome maps back to its row in the user's file (UploadChunk keeps the row numbers);
 * - memory stays bounded: at most `concurrency` chunks are in flight and one is being filled;
 * - a cancel stops new chunks from being sent; a chunk already sent finishes, so every chunk's outcome
 *   is known; a chunk that fails for good stops the rest the same way. The chunks in flight beside it
 *   (sent before it failed) finish too: each is counted, or listed among the failures.
 */
import type { VobizClient } from '../vobiz/client.js';
import { classifyFailure } from '../vobiz/retry.js';
import type { ImportSummary } from '../vobiz/schemas.js';
import { ImportInputError } from './file-access.js';
import { forEachRecord, RowChecker, type RowOptions } from './csv-rows.js';
import type { CsvShape, CsvSource } from './csv-source.js';
import { MAX_KEPT_ERRORS, RowTally } from './tally.js';
import { UploadChunk } from './upload-chunk.js';
import { uploadStopReason, type UploadOutcome } from './upload-outcome.js';
import { AttributeSpill } from './attribute-spill.js';

/**
 * A chunk is sent once it holds `chunkRows` rows or this much CSV text, whichever comes first: with
 * several chunks in flight, memory stays bounded however long the rows are (8 × 2 M characters).
 */
const MAX_CHUNK_CHARS = 2 * 1024 * 1024;

export interface ChunkProgress {
  /** Rows done with: refused by the checks, or in a chunk Vobiz answered. Never decreases. */
  rowsDone: number;
  /** Rows in the file: exact once it has been read to the end, estimated from the bytes read before. */
  rowsTotal: number;
  chunksDone: number;
}

export interface UploadOptions {
  client: VobizClient;
  chunkRows: number;
  /** Chunks in flight at once. */
  concurrency: number;
  signal: AbortSignal;
  onProgress: (progress: ChunkProgress) => Promise<void> | void;
}

interface SentChunk {
  index: number;
  firstRow: number;
  done: Promise<void>;
}

export async function uploadCsvInChunks(
  source: CsvSource,
  shape: CsvShape,
  rowOptions: RowOptions,
  { client, chunkRows, concurrency, signal, onProgress }: UploadOptions,
): Promise<UploadOutcome> {
  const checker = new RowChecker(shape.plan, rowOptions);
  // The attribute columns' values wait on disk for the phase after the upload (attribute-spill.ts).
  const spill = shape.plan.attributes.length > 0 ? await AttributeSpill.create() : undefined;
  const outcome: UploadOutcome = {
    tally: new RowTally(checker),
    created: 0,
    updated: 0,
    uncertain: [],
    unaccounted: [],
    failed: 0,
    errors: [],
    rowsSent: 0,
    chunksDone: 0,
    lastRowSent: 0,
    ...(spill && { attributes: spill }),
    cancelled: false,
    failures: [],
  };
  const inFlight = new Set<Promise<void>>();
  /** Every chunk sent, in order, with the file row it starts at: to find the chunk a row went in. */
  const sent: SentChunk[] = [];
  let rowsRead = 0;
  /** Valid rows read but not yet in an answered chunk. */
  let pendingRows = 0;
  let readToEnd = false;
  const read = { bytes: 0 };

  const send = async (chunk: UploadChunk, index: number): Promise<void> => {
    let summary: ImportSummary;
    let replayedAfter: unknown;
    try {
      // Not given the caller's signal: a cancel stops the import *between* chunks, never inside one,
      // so that every chunk's outcome is known. The import upserts, so the client may send it again.
      summary = await client.importContactsCsv(chunk.toBlob(), `chunk-${index + 1}.csv`, {
        onRetry: ({ error }) => {
          if (classifyFailure(error) === 'unknown_outcome') replayedAfter ??= error;
        },
      });
    } catch (error) {
      outcome.failures.push({ error, chunk: index + 1, firstRow: chunk.firstRow, lastRow: chunk.lastRow });
      outcome.failures.sort((a, b) => a.chunk - b.chunk);
      return;
    }
    if (replayedAfter === undefined) {
      outcome.created += summary.created;
      outcome.updated += summary.updated;
    } else {
      const accepted = summary.created + summary.updated;
      outcome.uncertain.push({ chunk: index + 1, firstRow: chunk.firstRow, accepted, cause: replayedAfter });
    }
    outcome.failed += summary.failed;
    const { firstRow, lastRow } = chunk;
    const accounted = summary.created + summary.updated + summary.failed;
    if (accounted < chunk.size) {
      const sent = chunk.size;
      outcome.unaccounted.push({ chunk: index + 1, firstRow, lastRow, sent, rows: sent - accounted });
    }
    // A refused row's attributes must not reach the contact that has its number; nor may those of a
    // row whose outcome the summary leaves unknown (not all refused rows listed, or rows unaccounted for).
    let unknownRows = accounted < chunk.size || summary.errors.length < summary.failed;
    for (const error of summary.errors) {
      const known = error.row >= 1 && error.row <= chunk.size;
      if (known) spill?.skipRow(chunk.fileRow(error.row));
      else unknownRows = true;
      if (outcome.errors.length < MAX_KEPT_ERRORS)
        outcome.errors.push({ ...error, row: chunk.fileRow(error.row) });
    }
    if (unknownRows) spill?.skipRows(firstRow, lastRow);
    outcome.rowsSent += chunk.size;
    outcome.chunksDone++;
    pendingRows -= chunk.size;
    const rowsTotal = readToEnd
      ? rowsRead
      : Math.max(rowsRead, Math.round((rowsRead * source.size) / Math.max(1, read.bytes)));
    // A progress notification that cannot be sent (the client went) says nothing of the chunk.
    await Promise.resolve(
      onProgress({ rowsDone: rowsRead - pendingRows, rowsTotal, chunksDone: outcome.chunksDone }),
    ).catch(() => undefined);
  };

  const stopped = () => uploadStopReason(outcome) !== undefined;
  /** Sends `chunk` once a slot is free and the chunks it must follow are done; false once stopped. */
  const dispatch = async (chunk: UploadChunk, waitFor: readonly Promise<void>[]): Promise<boolean> => {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    await Promise.all(waitFor);
    if (stopped()) return false;
    if (signal.aborted) {
      outcome.cancelled = true;
      return false;
    }
    const index = sent.length;
    const done = send(chunk, index).finally(() => inFlight.delete(done));
    inFlight.add(done);
    sent.push({ index, firstRow: chunk.firstRow, done });
    outcome.lastRowSent = chunk.lastRow;
    return true;
  };
  /** The sent chunk holding file row `row`, if it was sent (sent chunks cover ascending rows). */
  const chunkOf = (row: number): SentChunk | undefined => {
    let low = 0;
    let high = sent.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if ((sent[mid]?.firstRow ?? 0) <= row) low = mid + 1;
      else high = mid - 1;
    }
    return sent[high];
  };

  /** Thrown to leave the read loop early; not an error. */
  const stop = Symbol('stop');
  let chunk = new UploadChunk();
  let waitFor: Promise<void>[] = [];
  /** Sends the chunk once it is full; else lets the chunks in flight make progress now and then. */
  const sendWhenFull = (row: number): Promise<void> | undefined => {
    // The requests and answers of the chunks in flight need the event loop too.
    if (chunk.size < chunkRows && chunk.length < MAX_CHUNK_CHARS) {
      return row % 256 === 0 ? yieldToEventLoop() : undefined;
    }
    const full = chunk;
    const after = waitFor;
    chunk = new UploadChunk();
    waitFor = [];
    return dispatch(full, after).then((went) => {
      if (!went) throw stop;
    });
  };
  let unexpected: { error: unknown } | undefined;
  try {
    await forEachRecord(source, shape, read, (record, row) => {
      rowsRead = row;
      const checked = checker.check(record, row);
      outcome.tally.add(checked);
      if (checked.ok) {
        const contact = checked.row;
        const previous = contact.repeatOf;
        if (previous !== undefined && !(chunk.size > 0 && previous >= chunk.firstRow)) {
          // Its number's previous row went out in an earlier chunk: this chunk is sent after that one is done.
          const earlier = chunkOf(previous);
          if (earlier) waitFor.push(earlier.done);
        }
        chunk.add(contact);
        pendingRows++;
        // Its write to disk is waited for (when the buffer is full) before the next row is read.
        const spilling = contact.attributes && spill?.add(contact.phone_number, row, contact.attributes);
        if (spilling) return spilling.then(() => sendWhenFull(row));
      }
      return sendWhenFull(row);
    });
    readToEnd = true;
    if (chunk.size > 0 && !stopped()) await dispatch(chunk, waitFor);
  } catch (error) {
    // The file could not be read on (not valid CSV further down, or changed): nothing after it is sent.
    // Anything else is a fault of ours: thrown once the chunks in flight are done.
    if (error instanceof ImportInputError) outcome.readFailure = { error };
    else if (error !== stop) unexpected = { error };
  }
  await Promise.all(inFlight);
  if (unexpected) {
    await spill?.close();
    throw unexpected.error;
  }
  // Cancelled after the last chunk went: nothing was left to stop, but the caller is gone all the same.
  if (signal.aborted) outcome.cancelled = true;
  return outcome;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
