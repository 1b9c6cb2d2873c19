import { openAsBlob } from 'node:fs';
import path from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { E164_EXAMPLE } from '../vobiz/contract.js';
import { formatBytes, ImportInputError, resolveImportFile } from '../import/file-access.js';
import type { ToolContext } from './context.js';
import { errorResult, failureResult, successResult } from './results.js';

export const IMPORT_CONTACTS_CSV = 'import_contacts_csv';

const inputSchema = {
  file_path: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe('Absolute path of a .csv file on this machine, e.g. "/home/me/contacts.csv". Give this or `csv`.'),
  csv: z
    .string()
    .min(1)
    .optional()
    .describe('The CSV text itself, header line first. Give this or `file_path`.'),
};

const outputSchema = {
  total: z.number().int().describe('Data rows read (header excluded).'),
  created: z.number().int(),
  updated: z.number().int().describe('Rows whose phone number existed: the contact was updated.'),
  failed: z.number().int(),
  errors: z
    .array(z.object({ row: z.number().int(), phone_number: z.string(), reason: z.string() }))
    .describe('Failed rows; `row` counts data rows from 1, header excluded.'),
};
type ImportOutput = z.infer<z.ZodObject<typeof outputSchema>>;

export function registerImportContactsCsv(server: McpServer, { client, import: settings }: ToolContext): void {
  server.registerTool(
    IMPORT_CONTACTS_CSV,
    {
      title: 'Import contacts from CSV',
      description:
        'Bulk-create or update WhatsApp contacts on Vobiz from a CSV with the columns phone_number (E.164, ' +
        `e.g. ${E164_EXAMPLE}) and name, and optionally tags (comma-separated in one quoted cell: ` +
        '"vip,newsletter"). A phone number that already exists updates that contact. Give `file_path` for ' +
        'a file or `csv` for the text. Returns counts of created, updated and failed rows, with a reason ' +
        'for each failed row.',
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async ({ file_path, csv }, extra) => {
      if ((file_path === undefined) === (csv === undefined)) {
        return errorResult('Give exactly one of file_path (an absolute path of a .csv file) or csv (the CSV text).');
      }
      let upload: Blob;
      let filename: string;
      try {
        if (file_path !== undefined) {
          const file = await resolveImportFile(file_path, settings.allowedDirs, settings.maxFileBytes);
          upload = await openAsBlob(file.realPath, { type: 'text/csv' });
          filename = path.basename(file.realPath);
        } else {
          upload = new Blob([csv ?? ''], { type: 'text/csv' });
          if (upload.size > settings.maxInlineBytes) {
            return errorResult(
              `The csv text is ${formatBytes(upload.size)}, over the ${formatBytes(settings.maxInlineBytes)} limit ` +
                'for inline CSV: save it to a file and pass file_path.',
            );
          }
          filename = 'contacts.csv';
        }
      } catch (error) {
        if (error instanceof ImportInputError) return errorResult(error.message);
        throw error;
      }
      try {
        const summary = await client.importContactsCsv(upload, filename, { signal: extra.signal });
        const result: ImportOutput = {
          total: summary.total,
          created: summary.created,
          updated: summary.updated,
          failed: summary.failed,
          errors: summary.errors.map(({ row, phone_number, reason }) => ({ row, phone_number, reason })),
        };
        return successResult(result, formatSummary(result));
      } catch (error) {
        return failureResult(error, { action: 'import the CSV', writes: true });
      }
    },
  );
}

function formatSummary(s: ImportOutput): string {
  const lines = [`Imported ${s.total} rows: ${s.created} created, ${s.updated} updated, ${s.failed} failed.`];
  for (const e of s.errors) lines.push(`row ${e.row} ${e.phone_number}: ${e.reason}`);
  return lines.join('\n');
}
