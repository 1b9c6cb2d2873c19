/**
 * POST /contacts/import: a multipart upload whose `file` part is a CSV, streamed end to end
 * (request → busboy → csv-parse → one upsert per row) with backpressure, so the file is never held in
 * memory: a 200,000-row upload costs the contacts it creates, not its size.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { CsvError, parse } from 'csv-parse';
import {
  CSV_REQUIRED_COLUMNS,
  ERROR_CODES,
  IMPORT_FILE_FIELD,
  MAX_CSV_RECORD_BYTES,
  SANDBOX_FIELD_LIMITS,
  UNSUPPORTED_MEDIA_TYPE_STATUS,
} from '../vobiz/contract.js';
import { discardBody } from './read-body.js';
import { checkName, checkTags, splitTagCell, type FieldProblem } from '../vobiz/contact-rules.js';
import { checkContactPhone } from '../vobiz/phone.js';
import { badRequest, ClientGoneError, HttpError } from './http-errors.js';
import { jsonResponse, type SandboxResponse } from './responses.js';
import type { ContactStore } from './store.js';

export interface ImportSummaryJson {
  total: number;
  created: number;
  updated: number;
  failed: number;
  errors: { row: number; phone_number: string; reason: string }[];
}

type ImportOutcome =
  | { kind: 'imported'; summary: ImportSummaryJson }
  | { kind: 'missing_columns'; missing: string[]; found: string[] }
  | { kind: 'invalid_csv'; error: CsvError; applied: ImportSummaryJson };

/** Where each known column sits in a row, from the header. */
interface CsvColumns {
  phoneNumber: number;
  name: number;
  tags: number | undefined;
  count: number;
}

export async function importContacts(store: ContactStore, req: IncomingMessage): Promise<SandboxResponse> {
  const contentType = req.headers['content-type'];
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType ?? '')) {
    await discardBody(req);
    throw new HttpError(
      UNSUPPORTED_MEDIA_TYPE_STATUS,
      ERROR_CODES.unsupportedMediaType,
      `the import must be sent as multipart/form-data with the CSV in a file field named ${IMPORT_FILE_FIELD}`,
      { content_type: contentType ?? null },
    );
  }
  let form: busboy.Busboy;
  try {
    form = busboy({ headers: req.headers });
  } catch (error) {
    await discardBody(req);
    throw badRequest(`malformed multipart/form-data request: ${(error as Error).message}`);
  }
  return outcomeResponse(await readUpload(req, form, store));
}

function readUpload(req: IncomingMessage, form: busboy.Busboy, store: ContactStore): Promise<ImportOutcome> {
  return new Promise((resolve, reject) => {
    let csvImport: Promise<ImportOutcome> | undefined;
    let fileSentAsText = false;
    form.on('file', (field, stream) => {
      // Only the first `file` part is imported; any other part is read past.
      if (field !== IMPORT_FILE_FIELD || csvImport) {
        stream.resume();
        return;
      }
      csvImport = importCsv(stream, store);
      // A failure here is reported through the form's 'error' or awaited at 'close'; never unhandled.
      csvImport.catch(() => undefined);
    });
    form.on('field', (field) => {
      if (field === IMPORT_FILE_FIELD) fileSentAsText = true;
    });
    form.on('error', (error: Error) => {
      req.unpipe(form);
      void discardBody(req).then(() =>
        reject(badRequest(`malformed multipart/form-data body: ${error.message}`)),
      );
    });
    form.on('close', () => {
      if (csvImport) {
        csvImport.then(resolve, reject);
      } else if (fileSentAsText) {
        reject(badRequest(`the ${IMPORT_FILE_FIELD} field must be a file upload (a part with a filename)`));
      } else {
        reject(badRequest(`no ${IMPORT_FILE_FIELD} field in the multipart body: send the CSV under it`));
      }
    });
    req.on('close', () => {
      if (!req.complete) reject(new ClientGoneError());
    });
    req.pipe(form);
  });
}

function importCsv(source: Readable, store: ContactStore): Promise<ImportOutcome> {
  const records = parse({
    bom: true,
    skip_empty_lines: true,
    // Row length is checked here, per row, so that one bad row fails alone instead of the whole file.
    relax_column_count: true,
    // Files stitched together from several sources mix line endings; all three end a record.
    record_delimiter: ['\r\n', '\n', '\r'],
    // Bounds memory when an unclosed quote would otherwise swallow the rest of the file into one field.
    max_record_size: MAX_CSV_RECORD_BYTES,
  });
  const summary: ImportSummaryJson = { total: 0, created: 0, updated: 0, failed: 0, errors: [] };
  let columns: CsvColumns | undefined;

  return new Promise<ImportOutcome>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: ImportOutcome | Error) => {
      // The parser may still emit a record or an error after the outcome is known; the first one counts.
      if (settled) return;
      settled = true;
      // Whatever stopped the parsing, the rest of the part must still flow for the form to finish.
      source.unpipe(records);
      source.resume();
      records.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    // 'data' events, not an async iterator: each record is applied the moment it is parsed, so when a
    // syntax error comes, every row before it has been applied (an iterator would drop the ones buffered).
    // Upserts are synchronous, so the pipe's backpressure alone bounds what is in memory.
    records.on('data', (record: string[]) => {
      if (columns !== undefined) {
        if (record.some((cell) => cell.trim() !== '')) importRow(record, columns, store, summary);
        return;
      }
      const header = readHeader(record);
      if ('missing' in header) finish({ kind: 'missing_columns', ...header });
      else columns = header;
    });
    records.on('end', () => {
      if (columns === undefined)
        finish({ kind: 'missing_columns', missing: [...CSV_REQUIRED_COLUMNS], found: [] });
      else finish({ kind: 'imported', summary });
    });
    records.on('error', (error) => {
      finish(error instanceof CsvError ? { kind: 'invalid_csv', error, applied: summary } : error);
    });
    source.on('error', (error) => finish(error));
    source.pipe(records);
  });
}

function readHeader(record: string[]): CsvColumns | { missing: string[]; found: string[] } {
  const found = record.map((name) => name.trim());
  const missing = CSV_REQUIRED_COLUMNS.filter((name) => !found.includes(name));
  if (missing.length > 0) return { missing, found };
  const tags = found.indexOf('tags');
  return {
    phoneNumber: found.indexOf('phone_number'),
    name: found.indexOf('name'),
    tags: tags === -1 ? undefined : tags,
    count: found.length,
  };
}

function importRow(
  cells: string[],
  columns: CsvColumns,
  store: ContactStore,
  summary: ImportSummaryJson,
): void {
  summary.total += 1;
  const row = summary.total;
  const cell = (index: number | undefined) => (index === undefined ? '' : (cells[index] ?? '').trim());
  const phoneNumber = cell(columns.phoneNumber);
  const fail = (reason: string) => {
    summary.failed += 1;
    summary.errors.push({ row, phone_number: phoneNumber, reason });
  };

  if (cells.length > columns.count) {
    fail(
      `the row has ${cells.length} cells but the header has ${columns.count}; quote cells that contain commas`,
    );
    return;
  }
  const errors: FieldProblem[] = [];
  const validPhone = checkContactPhone(phoneNumber, errors);
  const name = cell(columns.name);
  // An empty cell is a missing name, not an empty string someone chose.
  const validName = checkName(name === '' ? undefined : name, errors, 'name', SANDBOX_FIELD_LIMITS);
  const tags = checkTags(splitTagCell(cell(columns.tags)), errors, 'tags', SANDBOX_FIELD_LIMITS);
  if (errors.length > 0 || validPhone === undefined || validName === undefined || tags === undefined) {
    fail(errors.map((error) => error.message).join('; '));
    return;
  }
  const result = store.upsertByPhone({ phone_number: validPhone, name: validName, tags });
  if (result.outcome === 'failed') fail(result.reason);
  else summary[result.outcome] += 1;
}

function outcomeResponse(outcome: ImportOutcome): SandboxResponse {
  switch (outcome.kind) {
    case 'imported':
      return jsonResponse(200, outcome.summary);
    case 'missing_columns': {
      const found = outcome.found.length > 0 ? outcome.found.join(', ') : 'none';
      // A header cell holding `;` or a tab is the usual sign of a file exported with another separator.
      const hint = outcome.found.some((name) => /[;\t]/.test(name))
        ? ' (the file must be comma-separated)'
        : '';
      const message = `the CSV header must name the columns ${CSV_REQUIRED_COLUMNS.join(' and ')}; missing: ${outcome.missing.join(', ')}; found: ${found}${hint}`;
      throw new HttpError(422, ERROR_CODES.validation, message, {
        errors: [{ field: IMPORT_FILE_FIELD, message, code: 'missing_columns', value: outcome.found }],
        missing: outcome.missing,
        found: outcome.found,
      });
    }
    case 'invalid_csv': {
      const { error, applied } = outcome;
      const line = typeof error.lines === 'number' ? error.lines : null;
      const message = `the file is not valid CSV: ${error.message}`;
      throw new HttpError(422, ERROR_CODES.validation, message, {
        errors: [{ field: IMPORT_FILE_FIELD, message: error.message, code: error.code, value: null }],
        reason: error.message,
        line,
        // The import streams: the rows before the error were applied (contract.ts, IMPORT_IS_ATOMIC).
        applied,
      });
    }
  }
}
