import { fileURLToPath } from 'node:url';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { E164_EXAMPLE } from '../vobiz/contract.js';
import type { RowError } from '../import/csv-rows.js';
import {
  fileSource,
  sniffCsv,
  textSource,
  type CsvShape,
  type CsvSource,
  type Delimiter,
} from '../import/csv-source.js';
import { formatBytes, ImportInputError, resolveImportFile } from '../import/file-access.js';
import { checkCsv, MAX_LISTED_ERRORS, RowTally, scanCsv, uploadCsvInChunks } from '../import/import-csv.js';
import { logInfo } from '../log.js';
import type { ImportSettings, ToolContext } from './context.js';
import { describeFailure, errorResult, successResult } from './results.js';

export const IMPORT_CONTACTS_CSV = 'import_contacts_csv';

const DELIMITERS: Record<string, Delimiter> = { comma: ',', semicolon: ';', tab: '\t' };

const inputSchema = {
  file_path: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe(
      'Absolute path of a CSV file on this machine, e.g. "/home/me/contacts.csv". Give this or `csv`.',
    ),
  csv: z
    .string()
    .min(1)
    .optional()
    .describe('The CSV text itself, header line first, for small lists. Give this or `file_path`.'),
  default_country: z
    .string()
    .trim()
    .toUpperCase()
    .refine(isSupportedCountry, {
      error: 'default_country must be an ISO 3166 country code such as "IN" or "US"',
    })
    .optional()
    .describe(
      'ISO country code (e.g. "IN") used to read local numbers without a country code, such as "098765 43210" → +919876543210. Leave it out when every number is already E.164.',
    ),
  delimiter: z
    .enum(['comma', 'semicolon', 'tab'])
    .optional()
    .describe(
      'Column separator; detected from the header line when left out (spreadsheets often export with semicolons).',
    ),
  dry_run: z
    .boolean()
    .default(false)
    .describe(
      'Check the file and report what would be imported, without uploading anything. Do this first for a large or unfamiliar file.',
    ),
};

const RowErrorOutput = z.object({ row: z.number().int(), phone_number: z.string(), reason: z.string() });

const outputSchema = {
  dry_run: z.boolean(),
  total: z.number().int().describe('Data rows in the file (header excluded).'),
  valid: z.number().int().describe('Rows that passed the checks and were (or would be) sent.'),
  created: z.number().int(),
  updated: z.number().int().describe('Rows whose phone number existed: that contact was updated.'),
  failed: z.number().int().describe('Rows refused, by the checks here or by Vobiz.'),
  errors: z
    .array(RowErrorOutput)
    .describe(`Failed rows, first ${MAX_LISTED_ERRORS}; \`row\` counts data rows from 1, header excluded.`),
  errors_omitted: z.number().int().describe('Failed rows not listed in `errors`.'),
  phone_numbers_normalised: z
    .number()
    .int()
    .describe('Valid rows whose phone number was rewritten to E.164.'),
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
type ImportOutput = z.infer<z.ZodObject<typeof outputSchema>>;

export function registerImportContactsCsv(
  server: McpServer,
  { client, import: settings }: ToolContext,
): void {
  server.registerTool(
    IMPORT_CONTACTS_CSV,
    {
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
      inputSchema,
      outputSchema,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    async (args, extra) => {
      if ((args.file_path === undefined) === (args.csv === undefined)) {
        return errorResult(
          'Give exactly one of file_path (an absolute path of a CSV file) or csv (the CSV text).',
        );
      }
      const defaultCountry = args.default_country as CountryCode | undefined;
      let source: CsvSource;
      let shape: CsvShape;
      let totalRows: number;
      let dryRun: RowTally | undefined;
      try {
        source = await openSource(args, settings, () => rootDirectories(server));
        shape = await sniffCsv(source, args.delimiter && DELIMITERS[args.delimiter]);
        // A dry run checks every row; a real run first makes sure the whole file parses, then checks
        // the rows as it uploads them.
        if (args.dry_run) dryRun = await checkCsv(source, shape, { defaultCountry });
        totalRows = dryRun ? dryRun.total : await scanCsv(source, shape);
      } catch (error) {
        if (error instanceof ImportInputError) return errorResult(error.message);
        throw error;
      }
      if (totalRows === 0) return errorResult(`${source.label} has a header but no data rows.`);
      if (dryRun) {
        const result = dryRunResult(dryRun);
        return successResult(result, `${formatCounts(result)}${countryHint(dryRun, defaultCountry)}`);
      }

      const progressToken = extra._meta?.progressToken;
      const outcome = await uploadCsvInChunks(
        source,
        shape,
        { defaultCountry },
        {
          client,
          chunkRows: settings.chunkRows,
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
        },
      );

      const { tally } = outcome;
      const hint = countryHint(tally, defaultCountry);
      if (tally.valid === 0 && !outcome.failure && !outcome.cancelled) {
        return errorResult(
          `No row of ${source.label} is valid, so nothing was uploaded.${hint}\n${formatErrors(tally.errors, tally.invalid)}`,
        );
      }
      const result: ImportOutput = {
        dry_run: false,
        total: tally.total,
        valid: tally.valid,
        created: outcome.created,
        updated: outcome.updated,
        failed: tally.invalid + outcome.failed,
        ...listErrors([...tally.errors, ...outcome.errors], tally.invalid + outcome.failed),
        phone_numbers_normalised: tally.normalised,
      };
      const done = `${outcome.rowsSent} rows sent in ${outcome.chunksDone} chunks (${result.created} created, ${result.updated} updated)`;
      if (outcome.cancelled) {
        // The client no longer waits for this result; the log is how the user learns what was done.
        const message = `Import of ${source.label} cancelled after ${outcome.chunksDone} chunks: ${done}, ${tally.total} of ${totalRows} rows read.`;
        logInfo(message);
        await server.sendLoggingMessage({ level: 'warning', logger: IMPORT_CONTACTS_CSV, data: message });
        return errorResult(message);
      }
      if (outcome.failure) {
        const { chunk, firstRow, error } = outcome.failure;
        const why =
          error instanceof ImportInputError
            ? `${error.message} (did the file change during the import?)`
            : describeFailure(error, { action: `upload chunk ${chunk}`, writes: true });
        return errorResult(
          `Import stopped at chunk ${chunk}, rows from ${firstRow} on not all sent: ${why} Before it: ${done}. ` +
            'The import is an upsert by phone number, so running the same import again is safe.',
        );
      }
      return successResult(result, `${formatCounts(result)}${hint}`);
    },
  );
}

async function openSource(
  args: { file_path?: string | undefined; csv?: string | undefined },
  settings: ImportSettings,
  roots: () => Promise<string[] | undefined>,
): Promise<CsvSource> {
  if (args.csv !== undefined) {
    const bytes = Buffer.byteLength(args.csv, 'utf8');
    if (bytes > settings.maxInlineBytes) {
      throw new ImportInputError(
        `The csv text is ${formatBytes(bytes)}, over the ${formatBytes(settings.maxInlineBytes)} limit for inline CSV: save it to a file and pass file_path.`,
      );
    }
    return textSource(args.csv);
  }
  const allowed = (await roots()) ?? settings.allowedDirs;
  const file = await resolveImportFile(args.file_path ?? '', allowed, settings.maxFileBytes);
  return fileSource(file.realPath);
}

/** The client's roots, when it offers them: the directories its user opened, which bound what we read. */
async function rootDirectories(server: McpServer): Promise<string[] | undefined> {
  if (!server.server.getClientCapabilities()?.roots) return undefined;
  try {
    const { roots } = await server.server.listRoots();
    const dirs = roots
      .filter((root) => root.uri.startsWith('file://'))
      .map((root) => fileURLToPath(root.uri));
    // A client with no folder open offers no roots: then the server's own setting applies.
    return dirs.length > 0 ? dirs : undefined;
  } catch {
    return undefined;
  }
}

function dryRunResult(preflight: RowTally): ImportOutput {
  const topTags = [...preflight.tagCounts].sort((a, b) => b[1] - a[1]).slice(0, 20);
  return {
    dry_run: true,
    total: preflight.total,
    valid: preflight.valid,
    created: 0,
    updated: 0,
    failed: preflight.invalid,
    ...listErrors(preflight.errors, preflight.invalid),
    phone_numbers_normalised: preflight.normalised,
    tag_counts: Object.fromEntries(topTags),
    sample: preflight.sample.map(({ row, phone_number, name, tags }) => ({ row, phone_number, name, tags })),
  };
}

function listErrors(errors: RowError[], failed: number): Pick<ImportOutput, 'errors' | 'errors_omitted'> {
  const listed = errors.sort((a, b) => a.row - b.row).slice(0, MAX_LISTED_ERRORS);
  return { errors: listed, errors_omitted: Math.max(0, failed - listed.length) };
}

function countryHint(preflight: RowTally, defaultCountry: string | undefined): string {
  if (defaultCountry || preflight.missingCountryCode === 0) return '';
  return `\n${preflight.missingCountryCode} rows have local numbers without a country code: pass default_country (e.g. "IN") to read them.`;
}

function formatCounts(r: ImportOutput): string {
  const head = r.dry_run
    ? `Dry run, nothing uploaded: ${r.total} rows, ${r.valid} would be sent, ${r.failed} invalid.`
    : `Imported ${r.total} rows: ${r.created} created, ${r.updated} updated, ${r.failed} failed.`;
  const normalised = r.phone_numbers_normalised
    ? ` ${r.phone_numbers_normalised} phone numbers rewritten to E.164.`
    : '';
  const tags =
    r.tag_counts && Object.keys(r.tag_counts).length > 0
      ? `\nTags: ${Object.entries(r.tag_counts)
          .map(([tag, n]) => `${tag} ${n}`)
          .join(', ')}`
      : '';
  const sample = r.sample?.length
    ? `\nFirst rows: ${r.sample.map((s) => `${s.row}: ${s.phone_number} ${JSON.stringify(s.name)}`).join('; ')}`
    : '';
  return `${head}${normalised}${tags}${sample}${r.failed ? `\n${formatErrors(r.errors, r.failed)}` : ''}`;
}

function formatErrors(errors: RowError[], failed: number): string {
  const lines = errors.map((e) => `row ${e.row} ${e.phone_number}: ${e.reason}`);
  if (failed > errors.length) lines.push(`… and ${failed - errors.length} more failed rows.`);
  return lines.join('\n');
}
