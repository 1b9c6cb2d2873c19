/**
 * The import pipeline's entry, loaded with the first import (not at start-up): where the CSV comes from,
 * its shape, the dry run, and the upload (upload.ts) and the attributes written after it (attributes.ts).
 * Every pass streams the file; none holds more than a few chunks of it.
 */
import { forEachRecord, RowChecker, type RowOptions } from './csv-rows.js';
import { fileSource, textSource, type CsvShape, type CsvSource, type Delimiter } from './csv-source.js';
import { formatBytes, ImportInputError, openImportFile } from './file-access.js';
import { ImportPlan } from './existing-changes.js';
import { RowTally } from './tally.js';

export { attributeRequestEstimate, writeAttributes } from './attributes.js';
export { countExistingChanges } from './existing-changes.js';
export { sniffCsv } from './csv-source.js';
export { ImportInputError } from './file-access.js';
export { uploadCsvInChunks } from './upload.js';

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

/**
 * Checks every row without uploading anything: what a dry run reports, and what the import would leave
 * on each number's contact (to count what it changes on contacts that exist).
 */
export async function checkCsv(
  source: CsvSource,
  shape: CsvShape,
  options: RowOptions,
  /** The dry run's extras (tag counts, a sample, range checks): too slow for a pass before an upload. */
  extras = true,
): Promise<{ tally: RowTally; plan: ImportPlan }> {
  const checker = new RowChecker(shape.plan, options);
  const tally = new RowTally(checker, extras);
  const plan = new ImportPlan();
  await forEachRecord(source, shape, { bytes: 0 }, (record, row) => {
    const checked = checker.check(record, row);
    tally.add(checked);
    if (checked.ok) plan.add(checked.row);
  });
  return { tally, plan };
}

/**
 * Reads the whole source once, checking its bytes only (file-access.ts: UTF-8, unchanged since opened),
 * before an upload: a file that is not UTF-8 half-way down is refused before a row is sent, not after.
 * No more than one block is held at a time.
 */
export async function readThrough(source: CsvSource): Promise<void> {
  for await (const _block of source.open()) {
    // Only the reading matters: the checks run as each block is read.
  }
}
