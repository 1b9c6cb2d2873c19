/** import_contacts_csv's contract: its arguments, and what it answers (the shape the result builders fill). */
import { z } from 'zod';
import { approvalOutput } from '../../mcp/approval.js';
import { tableSchema } from '../../mcp/table.js';
import {
  booleanField,
  listOfText,
  objectField,
  optional,
  stringListField,
  tagListField,
  withDefault,
} from '../../mcp/fields.js';
import { CSV_TAG_SEPARATOR, MAX_CSV_RECORD_BYTES } from '../../vobiz/contract.js';

/** Failed rows listed in a result: a model needs examples and a count, not fifty thousand lines. */
export const MAX_LISTED_ERRORS = 50;

const RowErrorOutput = z.object({ row: z.number().int(), phone_number: z.string(), reason: z.string() });
const SampleRowOutput = z.object({
  row: z.number().int(),
  phone_number: z.string(),
  name: z.string(),
  tags: z.array(z.string()),
  attributes: z.record(z.string(), z.string()),
});
export type SampleRow = z.infer<typeof SampleRowOutput>;

export const ImportOutputShape = {
  dry_run: z.boolean(),
  total: z.number().int().describe('Data rows in the file (header excluded).'),
  valid: z.number().int().optional().describe('Dry run: rows that passed the checks and would be sent.'),
  created: z.number().int().optional().describe('Not in a dry run.'),
  updated: z
    .number()
    .int()
    .optional()
    .describe('Rows whose phone number existed: that contact was updated. Not in a dry run.'),
  created_or_updated: z
    .number()
    .int()
    .optional()
    .describe('Rows accepted in chunks that were sent twice, whose created/updated split is unknown.'),
  failed: z.number().int().describe('Rows refused, by the checks here or by Vobiz.'),
  unaccounted: z
    .number()
    .int()
    .optional()
    .describe(
      "Rows sent that Vobiz's summary did not account for (not counted as created, updated or failed): whether they were imported is unknown.",
    ),
  errors: tableSchema(RowErrorOutput, [z.number().int(), z.string()], 'failed row')
    .optional()
    .describe(
      `Failed rows, first ${MAX_LISTED_ERRORS}; \`row\` counts data rows from 1, header excluded. Absent: none.`,
    ),
  errors_omitted: z.number().int().optional().describe('Failed rows not listed in `errors`.'),
  phone_numbers_normalised: z
    .number()
    .int()
    .optional()
    .describe('Valid rows whose phone number was rewritten to E.164. Absent: none.'),
  repeated_numbers: z
    .number()
    .int()
    .optional()
    .describe(
      'Rows whose phone number came earlier in the file: sent too, the later row wins. Absent: none.',
    ),
  columns: z
    .object({
      phone_number: z.array(z.string()),
      name: z.array(z.string()),
      tags: z.array(z.string()).optional(),
      attributes: z.record(z.string(), z.string()).optional().describe('Column → custom attribute key.'),
    })
    .optional()
    .describe(
      "Which columns of the file fed which field: in a dry run, and for a file without the API's own header.",
    ),
  tag_counts: z.record(z.string(), z.number().int()).optional().describe('Dry run: rows per tag (top 20).'),
  sample: tableSchema(
    SampleRowOutput,
    [z.number().int(), z.string(), z.array(z.string()), z.record(z.string(), z.string())],
    'row',
  )
    .optional()
    .describe('Dry run: the first rows as they would be sent.'),
  attribute_requests: z
    .number()
    .int()
    .optional()
    .describe(
      'Dry run: about how many requests the attributes would cost (reads, and one write per contact).',
    ),
  existing_contacts: z
    .object({
      changed: z.number().int().describe('Existing contacts the import would change.'),
      names_overwritten: z.number().int().describe('Existing contacts whose name it would overwrite.'),
      tags_added: z.number().int().describe('Existing contacts it would add tags to.'),
      complete: z.boolean().describe('Every number was looked up; false: the counts are a floor.'),
    })
    .optional()
    .describe(
      "Dry run: what the import would change on contacts that exist (the API's import upserts by phone number).",
    ),
  attributes_written: z.number().int().optional(),
  attributes_unchanged: z.number().int().optional().describe('Contacts that had the values already.'),
  attributes_failed: z.number().int().optional(),
  attributes_not_found: z
    .number()
    .int()
    .optional()
    .describe('Numbers with attributes in the file not found when the contacts were read.'),
  stopped: z
    .object({
      why: z.enum(['cancelled', 'chunk_failed', 'file_unreadable']),
      failed_chunks: z.array(
        z.object({
          chunk: z.number().int(),
          first_row: z.number().int(),
          last_row: z.number().int(),
          reason: z.string(),
        }),
      ),
      read_error: z.string().optional().describe('Why the file could not be read on.'),
      last_row_sent: z.number().int().describe('No row after this one was sent.'),
    })
    .optional()
    .describe('Set when the import ended early: the counts are what was done before; `total` is rows read.'),
  approval: approvalOutput.optional(),
};
export type ImportOutput = z.infer<z.ZodObject<typeof ImportOutputShape>> & { warnings?: string[] };

/** Header names for one field; one name may come as a plain string (read as a list of one). */
const columnList = listOfText.pipe(stringListField(10));
/** Most columns attributes_from names: a bound on the request, not an account limit. */
const MAX_ATTRIBUTE_COLUMNS = 100;

export const ImportInputShape = {
  file_path: optional(z.string().min(1).max(4096)).describe(
    'Absolute path of a CSV file on this machine; or give csv.',
  ),
  csv: optional(z.string().min(1)).describe(
    'The CSV text, header line first, for small lists; or give file_path.',
  ),
  columns: optional(
    objectField(
      z.strictObject({
        phone_number: columnList.optional(),
        name: columnList.optional(),
        tags: columnList.optional(),
      }),
    ),
  ).describe(
    'Columns for each field when the header is not recognised, e.g. {"phone_number": ["Phone 1 - Value"], "name": ["First Name", "Last Name"], "tags": ["Labels"]}.',
  ),
  add_tags: optional(
    // Every uploaded row carries them: past one CSV record of the API, every row would be refused, and a
    // chunk of 5,000 rows would hold them 5,000 times over.
    tagListField('add_tags').refine(
      (tags) => Buffer.byteLength(tags.join(CSV_TAG_SEPARATOR)) < MAX_CSV_RECORD_BYTES,
      `add_tags is longer than one CSV record the API reads (${MAX_CSV_RECORD_BYTES / 1024} kB): every row would be refused`,
    ),
  ).describe('Tags added to every row, e.g. ["expo-2026"].'),
  attributes_from: optional(stringListField(MAX_ATTRIBUTE_COLUMNS)).describe(
    'Columns kept as custom attributes, e.g. ["City"] → city; written after the upload.',
  ),
  default_country: optional(
    z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, {
        error: 'default_country must be an ISO 3166 country code such as "IN" or "US"',
      }),
  ).describe('ISO country (e.g. "IN") for local numbers such as "098765 43210" → +919876543210.'),
  delimiter: optional(z.enum(['comma', 'semicolon', 'tab'])).describe(
    'Column separator; detected when left out.',
  ),
  dry_run: withDefault(booleanField, false).describe(
    'Check the file and report what would be imported; upload nothing.',
  ),
};

export type ImportArgs = z.output<z.ZodObject<typeof ImportInputShape>>;
/** The CSV pipeline, loaded with the first import (not at start-up). */
export type Pipeline = typeof import('../../import/import-csv.js');

/** The pipeline's row options, from the tool's arguments. */
export function rowOptions(args: ImportArgs) {
  return { defaultCountry: args.default_country as never, addTags: args.add_tags };
}
