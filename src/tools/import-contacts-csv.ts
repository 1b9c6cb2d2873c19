import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { E164_EXAMPLE } from '../vobiz/contract.js';
import type { RepeatedNumber, RowError } from '../import/csv-rows.js';
import type { CsvSource } from '../import/csv-source.js';
import type { RowTally, UploadOutcome } from '../import/import-csv.js';
import { logInfo } from '../log.js';
import { renderTags, renderText } from '../render.js';
import { booleanField, optional, withDefault } from './fields.js';
import { describeCause, describeFailure, errorResult, successResult } from './results.js';
import { defineTool, type ToolCall } from './tool.js';

/** Failed rows listed in a result: a model needs examples and a count, not fifty thousand lines. */
const MAX_LISTED_ERRORS = 50;
/** How long the client has to answer roots/list before the configured directories apply. */
export const ROOTS_TIMEOUT_MS = 3_000;

const input = {
  file_path: optional(z.string().min(1).max(4096)).describe(
    'Absolute path of a CSV file on this machine, e.g. "/home/me/contacts.csv". Give this or `csv`.',
  ),
  csv: optional(z.string().min(1)).describe(
    'The CSV text itself, header line first, for small lists. Give this or `file_path`.',
  ),
  default_country: optional(
    z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, {
        error: 'default_country must be an ISO 3166 country code such as "IN" or "US"',
      }),
  ).describe(
    'ISO country code (e.g. "IN") used to read local numbers without a country code, such as "098765 43210" → +919876543210. Leave it out when every number is already E.164.',
  ),
  delimiter: optional(z.enum(['comma', 'semicolon', 'tab'])).describe(
    'Column separator; detected from the header line when left out (spreadsheets often export with semicolons).',
  ),
  dry_run: withDefault(booleanField, false).describe(
    'Check the file and report what would be imported, without uploading anything. Do this first for a large or unfamiliar file.',
  ),
};
type ImportArgs = z.output<z.ZodObject<typeof input>>;

const RowErrorOutput = z.object({ row: z.number().int(), phone_number: z.string(), reason: z.string() });

const output = {
  dry_run: z.boolean(),
  total: z.number().int().describe('Data rows in the file (header excluded).'),
  valid: z.number().int().describe('Rows that passed the checks and were (or would be) sent.'),
  created: z.number().int(),
  updated: z.number().int().describe('Rows whose phone number existed: that contact was updated.'),
  created_or_updated: z
    .number()
    .int()
    .optional()
    .describe('Rows accepted in chunks that were sent twice, whose created/updated split is unknown.'),
  failed: z.number().int().describe('Rows refused, by the checks here or by Vobiz.'),
  errors: z
    .array(RowErrorOutput)
    .describe(`Failed rows, first ${MAX_LISTED_ERRORS}; \`row\` counts data rows from 1, header excluded.`),
  errors_omitted: z.number().int().describe('Failed rows not listed in `errors`.'),
  phone_numbers_normalised: z
    .number()
    .int()
    .describe('Valid rows whose phone number was rewritten to E.164.'),
  repeated_numbers: z
    .number()
    .int()
    .describe('Rows whose phone number came earlier in the file: sent too, the later row wins.'),
  tag_counts: z.record(z.string(), z.number().int()).optional().describe('Dry run: rows per tag (top 20).'),
  sample: z
    .array(
      z.object({
        row: z.number().int(),
        phone_number: z.string(),
        name: z.string(),
        tags: z.array(z.string()),
      }),
    )
    .optional()
    .describe('Dry run: the first rows as they would be sent.'),
};
type ImportOutput = z.infer<z.ZodObject<typeof output>> & { warnings?: string[] };

export const importContactsCsv = defineTool({
  name: 'import_contacts_csv',
  title: 'Import contacts from CSV',
  description:
    'Bulk-create or update WhatsApp contacts on Vobiz from a CSV with the columns phone_number and name, ' +
    'and optionally tags (comma-separated in one quoted cell: "vip,newsletter"). Phone numbers must be ' +
    `E.164 (e.g. ${E164_EXAMPLE}), or local numbers with default_country. A number that already exists ` +
    'updates that contact, so running the same import twice is safe. A file that is not CSV or lacks the ' +
    'required columns is refused before anything is uploaded; each row is checked before it is sent, and ' +
    'bad rows are reported, never uploaded. Run with dry_run first ' +
    'for a large or unfamiliar file. Returns counts of created, updated and failed rows, with the row ' +
    'number and reason of each failure (first 50). Sends progress notifications for large files.',
  input,
  output,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async run(args, call) {
    if ((args.file_path === undefined) === (args.csv === undefined)) {
      return errorResult(
        'Give exactly one of file_path (an absolute path of a CSV file) or csv (the CSV text).',
      );
    }
    // The import code (csv-parse, the phone rules) loads with the first import, not at start-up.
    const pipeline = await import('../import/import-csv.js');
    const { isKnownRegion } = await import('../vobiz/phone.js');
    const defaultCountry = args.default_country;
    if (defaultCountry !== undefined && !isKnownRegion(defaultCountry)) {
      return errorResult(
        `default_country ${renderText(defaultCountry)} is not a country code libphonenumber knows, e.g. "IN" or "US".`,
      );
    }
    const warnings: string[] = [];
    let opened;
    try {
      opened = await pipeline.openCsvSource(
        args,
        await allowedDirectories(call, warnings),
        call.context.import,
      );
    } catch (error) {
      if (error instanceof pipeline.ImportInputError) return errorResult(error.message);
      throw error;
    }
    try {
      return await runImport(args, call, pipeline, opened.source, warnings);
    } finally {
      await opened.close();
    }
  },
});

type Pipeline = typeof import('../import/import-csv.js');

async function runImport(
  args: ImportArgs,
  { server, extra, context }: ToolCall,
  pipeline: Pipeline,
  source: CsvSource,
  warnings: string[],
) {
  const rowOptions = { defaultCountry: args.default_country as never };
  let shape;
  let totalRows: number;
  let dryRun: RowTally | undefined;
  try {
    shape = await pipeline.sniffCsv(source, args.delimiter && pipeline.DELIMITERS[args.delimiter]);
    // A dry run checks every row; a real run first makes sure the whole file parses, then checks
    // the rows as it uploads them.
    if (args.dry_run) dryRun = await pipeline.checkCsv(source, shape, rowOptions);
    totalRows = dryRun ? dryRun.total : await pipeline.scanCsv(source, shape);
  } catch (error) {
    if (error instanceof pipeline.ImportInputError) return errorResult(error.message);
    throw error;
  }
  if (totalRows === 0) return errorResult(`${source.label} has a header but no data rows.`);
  if (dryRun) {
    const result = dryRunResult(dryRun, warnings);
    return successResult(result, `${formatCounts(result)}${countryHint(dryRun, args.default_country)}`);
  }

  const progressToken = extra._meta?.progressToken;
  const outcome = await pipeline.uploadCsvInChunks(source, shape, rowOptions, {
    client: context.client,
    chunkRows: context.import.chunkRows,
    totalRows,
    signal: extra.signal,
    onProgress: async ({ rowsRead, rowsTotal, chunksDone }) => {
      if (progressToken === undefined) return;
      await extra.sendNotification({
        method: 'notifications/progress',
        params: {
          progressToken,
          progress: rowsRead,
          total: rowsTotal,
          message: `Read ${rowsRead} of ${rowsTotal} rows, ${chunksDone} chunks uploaded`,
        },
      });
    },
  });

  const { tally } = outcome;
  const hint = countryHint(tally, args.default_country);
  if (tally.valid === 0 && !outcome.failure && !outcome.cancelled) {
    return errorResult(
      `No row of ${source.label} is valid, so nothing was uploaded.${hint}\n${formatErrors(tally.errors, tally.invalid)}`,
    );
  }
  const uncertain = outcome.uncertain.reduce((sum, chunk) => sum + chunk.accepted, 0);
  const result: ImportOutput = {
    dry_run: false,
    total: tally.total,
    valid: tally.valid,
    created: outcome.created,
    updated: outcome.updated,
    ...(outcome.uncertain.length > 0 && { created_or_updated: uncertain }),
    failed: tally.invalid + outcome.failed,
    ...listErrors([...tally.errors, ...outcome.errors], tally.invalid + outcome.failed),
    phone_numbers_normalised: tally.normalised,
    repeated_numbers: tally.repeatCount,
    ...withWarnings([...warnings, ...repeatWarnings(tally), ...uncertainWarnings(outcome)]),
  };
  const done =
    `${outcome.rowsSent} rows sent in ${outcome.chunksDone} chunks (${result.created} created, ${result.updated} updated` +
    `${uncertain > 0 ? `, ${uncertain} created or updated` : ''})`;
  if (outcome.cancelled) {
    // The client no longer waits for this result; the log is how the user learns what was done.
    const message = `Import of ${source.label} cancelled after ${outcome.chunksDone} chunks: ${done}, ${tally.total} of ${totalRows} rows read.`;
    logInfo(message);
    await server.sendLoggingMessage({ level: 'warning', logger: 'import_contacts_csv', data: message });
    return errorResult(message);
  }
  if (outcome.failure) {
    const { chunk, firstRow, error } = outcome.failure;
    const why =
      error instanceof Error && error.name === 'ImportInputError'
        ? `${error.message} (did the file change during the import?)`
        : describeFailure(error, { action: `upload chunk ${chunk}`, writes: true });
    return errorResult(
      `Import stopped at chunk ${chunk}, rows from ${firstRow} on not all sent: ${why} Before it: ${done}. ` +
        'The import is an upsert by phone number, so running the same import again is safe.',
    );
  }
  return successResult(result, `${formatCounts(result)}${hint}`);
}

/**
 * Where a `file_path` may lie: the client's roots when it offers them (the folders its user opened),
 * else the configured directories. A client that declares roots but does not answer within
 * ROOTS_TIMEOUT_MS does not hold the call up: the configured directories apply, and a warning says so.
 */
async function allowedDirectories({ server, context }: ToolCall, warnings: string[]): Promise<string[]> {
  const configured = context.import.allowedDirs;
  if (!server.server.getClientCapabilities()?.roots) return configured;
  try {
    const timeout = context.import.rootsTimeoutMs ?? ROOTS_TIMEOUT_MS;
    const { roots } = await server.server.listRoots(undefined, { timeout });
    const dirs = roots
      .filter((root) => root.uri.startsWith('file://'))
      .map((root) => fileURLToPath(root.uri));
    // A client with no folder open offers no roots: then the server's own setting applies.
    return dirs.length > 0 ? dirs : configured;
  } catch (error) {
    warnings.push(
      `The client did not list its roots (${describeCause(error)}), so the server's configured directories ` +
        'applied (VOBIZ_IMPORT_DIRS, or its working directory).',
    );
    return configured;
  }
}

function withWarnings(warnings: string[]): { warnings?: string[] } {
  return warnings.length > 0 ? { warnings } : {};
}

function repeatWarnings(tally: RowTally): string[] {
  if (tally.repeatCount === 0) return [];
  const listed = tally.repeats.map(
    (r: RepeatedNumber) => `row ${r.row} repeats ${r.phone_number} from row ${r.firstRow}`,
  );
  const more = tally.repeatCount > listed.length ? `, and ${tally.repeatCount - listed.length} more` : '';
  return [
    `${tally.repeatCount} rows repeat a phone number from an earlier row; all were sent, and the later row wins (its name; tags add up): ${listed.join('; ')}${more}.`,
  ];
}

function uncertainWarnings(outcome: UploadOutcome): string[] {
  return outcome.uncertain.map(
    ({ chunk, firstRow, accepted, cause }) =>
      `Chunk ${chunk} (rows from ${firstRow}) was sent twice: the first attempt got ${describeCause(cause)}, which ` +
      `may have applied it. The second was accepted (${accepted} rows created or updated), but whether each ` +
      'row was created or updated cannot be told; its rows are counted in created_or_updated.',
  );
}

function dryRunResult(tally: RowTally, warnings: string[]): ImportOutput {
  const topTags = [...tally.tagCounts].sort((a, b) => b[1] - a[1]).slice(0, 20);
  const ranges =
    tally.outOfRange > 0
      ? [
          `${tally.outOfRange} numbers are in no range known to be allocated (they are sent all the same), e.g. ${tally.rangeWarnings.join('; ')}.`,
        ]
      : [];
  return {
    dry_run: true,
    total: tally.total,
    valid: tally.valid,
    created: 0,
    updated: 0,
    failed: tally.invalid,
    ...listErrors(tally.errors, tally.invalid),
    phone_numbers_normalised: tally.normalised,
    repeated_numbers: tally.repeatCount,
    tag_counts: Object.fromEntries(topTags),
    sample: tally.sample.map(({ row, phone_number, name, tags }) => ({ row, phone_number, name, tags })),
    ...withWarnings([...warnings, ...repeatWarnings(tally), ...ranges]),
  };
}

function listErrors(errors: RowError[], failed: number): Pick<ImportOutput, 'errors' | 'errors_omitted'> {
  const listed = errors
    .sort((a, b) => a.row - b.row)
    .slice(0, MAX_LISTED_ERRORS)
    .map(({ row, phone_number, reason }) => ({ row, phone_number, reason }));
  return { errors: listed, errors_omitted: Math.max(0, failed - listed.length) };
}

function countryHint(tally: RowTally, defaultCountry: string | undefined): string {
  if (defaultCountry || tally.missingCountryCode === 0) return '';
  return `\n${tally.missingCountryCode} rows have local numbers without a country code: pass default_country (e.g. "IN") to read them.`;
}

function formatCounts(r: ImportOutput): string {
  const head = r.dry_run
    ? `Dry run, nothing uploaded: ${r.total} rows, ${r.valid} would be sent, ${r.failed} invalid.`
    : `Imported ${r.total} rows: ${r.created} created, ${r.updated} updated, ` +
      `${r.created_or_updated ? `${r.created_or_updated} created or updated (uncertain which), ` : ''}${r.failed} failed.`;
  const normalised = r.phone_numbers_normalised
    ? ` ${r.phone_numbers_normalised} phone numbers rewritten to E.164.`
    : '';
  const tags =
    r.tag_counts && Object.keys(r.tag_counts).length > 0
      ? `\nTags: ${Object.entries(r.tag_counts)
          .map(([tag, n]) => `${renderTags([tag])} ${n}`)
          .join(', ')}`
      : '';
  const sample = r.sample?.length
    ? `\nFirst rows: ${r.sample.map((s) => `${s.row}: ${s.phone_number} ${renderText(s.name)} tags ${renderTags(s.tags)}`).join('; ')}`
    : '';
  return `${head}${normalised}${tags}${sample}${r.failed ? `\n${formatErrors(r.errors, r.failed)}` : ''}`;
}

function formatErrors(errors: RowError[], failed: number): string {
  const lines = errors.map(
    (e) =>
      `row ${e.row} ${renderText(e.phone_number, { quote: 'unless-plain', max: 40 })}: ${renderText(e.reason, { quote: 'never', max: 300 })}`,
  );
  if (failed > errors.length) lines.push(`… and ${failed - errors.length} more failed rows.`);
  return lines.join('\n');
}
