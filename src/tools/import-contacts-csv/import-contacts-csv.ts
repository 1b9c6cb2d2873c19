import type { AttributeOutcome } from '../../import/attributes.js';
import type { CsvShape, CsvSource } from '../../import/csv-source.js';
import { uploadStopReason, type UploadOutcome } from '../../import/upload-outcome.js';
import { logInfo } from '../../log.js';
import { CSV_TAG_SEPARATOR, E164_EXAMPLE } from '../../vobiz/contract.js';
import { DEFAULT_IMPORT_CONCURRENCY } from '../../settings.js';
import { dryRunResult, importResult, type ImportOutput } from './import-result.js';
import {
  ImportInputShape,
  ImportOutputShape,
  rowOptions,
  type ImportArgs,
  type Pipeline,
} from './import-schema.js';
import { confirmUpload, importBinding, mayChangeMore, refusedWithPreview } from './import-approval.js';
import { attributeFailures, countryHint, formatCounts, formatErrors } from './import-text.js';
import { allowedDirectories } from './import-roots.js';
import { renderTags, renderText } from '../../render.js';
import { approvalFor, approvalOf } from '../../mcp/confirm.js';
import { isInputRequiredResult } from '../../mcp/sdk.js';
import { REVIEWED_TOOL_UI } from '../../review/review-app.js';
import { describeCause, describeFailure, errorResult, successResult } from '../../mcp/results.js';
import { progressReporter, type ProgressReporter } from '../../mcp/progress.js';
import { defineTool, type ToolCall } from '../../mcp/tool.js';

export const importContactsCsv = defineTool({
  name: 'import_contacts_csv',
  title: 'Import contacts from CSV',
  description:
    "Create or update contacts in bulk from a CSV: the API's columns (phone_number, name, tags) or an " +
    'export from a CRM or address book, whose phone, name and label columns are recognised. ' +
    `Numbers in E.164 (e.g. ${E164_EXAMPLE}), or local with default_country. A number that exists updates ` +
    'that contact, so a re-run is safe. Bad rows are reported and not uploaded. dry_run shows which ' +
    'column fed which field and the first rows as they would be sent. Returns counts of created, updated ' +
    'and failed rows, with the first 50 failures.',
  input: ImportInputShape,
  output: ImportOutputShape,
  // Destructive: a row for a number that exists overwrites that contact's name. Idempotent: it upserts by
  // phone number, tags add up and attributes are written only where they differ, so the same import
  // again changes nothing more, and answers as the first did (its rows counted as updated).
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  mayRunLong: true,
  localArguments: ['file_path'],
  ui: REVIEWED_TOOL_UI,
  approvalArgument: ({ bulkThreshold }) =>
    `Needed when the import would overwrite the names of, or add tags to, more than ${bulkThreshold} ` +
    'existing contacts (the dry run counts them): the approval.token of the dry run (or of the answer ' +
    'that refused the upload), sent only once the user has agreed. It approves exactly that file with ' +
    'those arguments; without it nothing is uploaded, and the answer has the preview and a new token.',
  async run(args, call) {
    if ((args.file_path === undefined) === (args.csv === undefined)) {
      return errorResult(
        'Give exactly one of file_path (an absolute path of a CSV file) or csv (the CSV text).',
      );
    }
    // The API reads an import's tags cell as comma-separated: a tag holding a comma would arrive as two
    // tags. It cannot be sent through the import, so it is refused here, in the dry run and the upload alike.
    const splitTags = (args.add_tags ?? []).filter((tag) => tag.includes(CSV_TAG_SEPARATOR));
    if (splitTags.length > 0) {
      return errorResult(
        `add_tags ${renderTags(splitTags)} holds a comma: the import's tags cell is comma-separated, so Vobiz would ` +
          'store it as separate tags. Nothing was uploaded. Use a tag without a comma, or import without it and ' +
          'add it with tag_contacts, which sends tags one by one.',
      );
    }
    // The import code (csv-parse, the phone rules) loads with the first import, not at start-up.
    const pipeline = await import('../../import/import-csv.js');
    const { isKnownRegion } = await import('../../vobiz/phone.js');
    const country = args.default_country;
    if (country !== undefined && !isKnownRegion(country)) {
      return errorResult(
        `default_country ${renderText(country)} is not a country code we know, e.g. "IN" or "US".`,
      );
    }
    const warnings: string[] = [];
    let opened;
    let shape: CsvShape;
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
      shape = await pipeline.sniffCsv(opened.source, {
        delimiter: args.delimiter && pipeline.DELIMITERS[args.delimiter],
        ...(args.columns && { columns: args.columns }),
        ...(args.attributes_from && { attributesFrom: args.attributes_from }),
      });
      return await (args.dry_run ? dryRun : upload)(args, call, pipeline, opened.source, shape, warnings);
    } catch (error) {
      if (error instanceof pipeline.ImportInputError) return errorResult(error.message);
      throw error;
    } finally {
      await opened.close();
    }
  },
});

async function dryRun(
  args: ImportArgs,
  call: ToolCall,
  pipeline: Pipeline,
  source: CsvSource,
  shape: CsvShape,
  warnings: string[],
) {
  const { context, extra } = call;
  const { tally, plan } = await pipeline.checkCsv(source, shape, rowOptions(args));
  if (tally.total === 0) return errorResult(`${source.label} has a header but no data rows.`);
  // What the upload would change on contacts that exist: what a confirmation would ask about.
  const existing =
    plan.size > 0
      ? await pipeline.countExistingChanges(context.client, plan, {
          signal: extra.signal,
          call: () => context.client.startCall(extra.signal),
        })
      : undefined;
  if (existing?.incomplete !== undefined) {
    warnings.push(
      `How many existing contacts the import would change is not fully known: reading the account's contacts failed (${describeCause(existing.incomplete)}); the counts are those of the contacts read.`,
    );
  }
  let accountTotal: number | undefined;
  if (tally.withAttributes > 0) {
    // What writing the attributes would cost depends on the account's size: one cheap read tells.
    try {
      accountTotal = (await context.client.listContacts({ limit: 1 }, { signal: extra.signal })).total;
    } catch (error) {
      // A dry run writes nothing: a failed count costs the estimate, not the dry run.
      warnings.push(
        `How many requests writing the attributes would take is not known: counting the account's contacts failed (${describeCause(error)}).`,
      );
    }
  }
  const requests =
    accountTotal === undefined
      ? undefined
      : pipeline.attributeRequestEstimate(tally.withAttributes, accountTotal);
  const result = dryRunResult(tally, shape, warnings, requests, existing);
  const needsYes =
    existing !== undefined &&
    context.confirm.mode !== 'never' &&
    mayChangeMore(existing, plan.size, context.confirm.bulkThreshold);
  const approval = needsYes && approvalFor(call, importBinding(args, context.client.account, plan, existing));
  if (approval) result.approval = approval;
  const ask = needsYes
    ? `\nThe upload changes more than ${context.confirm.bulkThreshold} existing contacts (or cannot tell): it will need the user's yes.`
    : '';
  return successResult(result, `${formatCounts(result)}${countryHint(tally, args.default_country)}${ask}`);
}

async function upload(
  args: ImportArgs,
  call: ToolCall,
  pipeline: Pipeline,
  source: CsvSource,
  shape: CsvShape,
  warnings: string[],
) {
  const { extra, context } = call;
  try {
    await pipeline.readThrough(source);
    const gate = await confirmUpload(args, call, pipeline, source, shape);
    if (gate !== 'go') {
      if (isInputRequiredResult(gate) || !approvalOf(gate)) return gate;
      const preview = () => dryRun({ ...args, dry_run: true }, call, pipeline, source, shape, warnings);
      return await refusedWithPreview(gate, preview);
    }
  } catch (error) {
    if (error instanceof pipeline.ImportInputError)
      return errorResult(`${error.message} Nothing was uploaded.`);
    throw error;
  }
  const progress = progressReporter(extra);
  const outcome = await pipeline.uploadCsvInChunks(source, shape, rowOptions(args), {
    client: context.client,
    chunkRows: context.import.chunkRows,
    concurrency: context.import.chunkConcurrency ?? DEFAULT_IMPORT_CONCURRENCY,
    signal: extra.signal,
    onProgress: ({ rowsDone, rowsTotal, chunksDone }) =>
      progress.report(
        rowsDone,
        rowsTotal,
        `${rowsDone} of ${rowsTotal} rows done, ${chunksDone} chunks uploaded`,
      ),
  });
  try {
    return await reportUpload(args, call, pipeline, source, shape, warnings, outcome, progress);
  } finally {
    await outcome.attributes?.close();
  }
}

async function reportUpload(
  args: ImportArgs,
  { server, extra, context }: ToolCall,
  pipeline: Pipeline,
  source: CsvSource,
  shape: CsvShape,
  warnings: string[],
  outcome: UploadOutcome,
  progress: ProgressReporter,
) {
  const { tally } = outcome;
  const hint = countryHint(tally, args.default_country);
  const stopped = uploadStopReason(outcome) !== undefined;
  if (tally.total === 0 && !stopped) return errorResult(`${source.label} has a header but no data rows.`);
  if (tally.valid === 0 && !stopped) {
    return errorResult(
      `No row of ${source.label} is valid, so nothing was uploaded.${hint}\n${formatErrors(tally.errors, tally.invalid)}`,
    );
  }
  if (stopped) {
    const result = importResult(outcome, shape, warnings, undefined);
    if (outcome.cancelled) {
      // The client no longer waits for this result; the log is how the user learns what was done.
      const message = `Import of ${source.label} cancelled after ${outcome.chunksDone} chunks: ${outcome.rowsSent} rows sent (${outcome.created} created, ${outcome.updated} updated), ${tally.total} rows read.`;
      logInfo(message);
      // A job's call may have ended (remote mode closes its server): the log line is then for stderr only.
      await server
        .sendLoggingMessage({ level: 'warning', logger: 'import_contacts_csv', data: message })
        .catch(() => undefined);
    }
    // An error, so that the model notices the job is not done; with everything known of what was.
    return { ...successResult(result, `${formatCounts(result)}${hint}`), isError: true };
  }

  let attributes: AttributeOutcome | undefined;
  // Numbers none of whose rows were imported for certain are dropped here: nothing is written for them.
  await outcome.attributes?.seal();
  if (outcome.attributes && outcome.attributes.size > 0) {
    // Progress goes on counting: the rows, then the contacts whose attributes are written.
    const rows = tally.total;
    attributes = await pipeline.writeAttributes(context.client, outcome.attributes, {
      concurrency: context.bulkConcurrency,
      signal: extra.signal,
      call: () => context.client.startCall(),
      onProgress: (doneCount, total) =>
        progress.report(
          rows + doneCount,
          rows + total,
          `Writing attributes: ${doneCount} of ${total} contacts`,
        ),
    });
  }
  const result = importResult(outcome, shape, warnings, attributes);
  const failures = attributes
    ? attributeFailures(attributes, (error) =>
        describeFailure(error, { action: 'write the attributes', writes: true, repeatable: true }),
      )
    : '';
  return successResult(result, `${formatCounts(result)}${hint}${failures}`);
}

export type { ImportOutput };
