/**
 * Lists in structured results as tables: `columns` names the fields once, each row holds the values in
 * that order. Some clients give the model the structured result instead of the text (Claude Code reads
 * `structuredContent` as JSON), so a list must cost about what its text does — not its field names once
 * per item. The table says only what varies:
 * - a column empty on every row (no tags anywhere, nobody ever active) is left out;
 * - with two rows or more, a column equal on every row is given once, under `same`;
 * - a row ends at its last non-empty cell: the cells it lacks are empty.
 * Empty is `undefined`, `null`, `[]` or `{}`; an empty string is a value. The model reads the table
 * without its schema (clients do not show output schemas to it), so it names its columns itself.
 */
import { z } from 'zod';

export interface Table<Record extends object> {
  columns: (keyof Record & string)[];
  rows: unknown[][];
  same?: Partial<Record>;
}

export function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/** `records` as a table of `columns` (in that order); linear in the cells. */
export function toTable<Record extends object>(
  columns: readonly (keyof Record & string)[],
  records: readonly Record[],
): Table<Record> {
  const kept: (keyof Record & string)[] = [];
  const same: Partial<Record> = {};
  for (const column of columns) {
    const values = records.map((record) => record[column]);
    if (values.every(isEmptyValue)) continue;
    const first = JSON.stringify(values[0]);
    if (records.length > 1 && !isEmptyValue(values[0]) && values.every((v) => JSON.stringify(v) === first)) {
      same[column] = values[0];
      continue;
    }
    kept.push(column);
  }
  const rows = records.map((record) => {
    const row = kept.map((column) => record[column] ?? null);
    while (row.length > 0 && isEmptyValue(row[row.length - 1])) row.pop();
    return row;
  });
  return { columns: kept, rows, ...(Object.keys(same).length > 0 && { same }) };
}

/** The records a table holds, each with its non-empty fields: what consumers of a result read. */
export function fromTable<T extends object>(table: {
  columns: readonly string[];
  rows: readonly (readonly unknown[])[];
  same?: object;
}): T[] {
  return table.rows.map((row) => {
    const record: Record<string, unknown> = { ...table.same };
    table.columns.forEach((column, index) => {
      if (!isEmptyValue(row[index])) record[column] = row[index];
    });
    return record as T;
  });
}

/**
 * The output schema of a table of `record`'s fields: the column names are its keys; `cells` are the
 * types one cell may hold (null is added: an empty cell before a filled one).
 */
export function tableSchema<Shape extends z.ZodRawShape>(
  record: z.ZodObject<Shape>,
  cells: [z.ZodType, ...z.ZodType[]],
  what: string,
) {
  const names = Object.keys(record.shape) as [string, ...string[]];
  return z
    .object({
      columns: z.array(z.enum(names)).describe(`The fields of each ${what}, in row order.`),
      rows: z
        .array(z.array(z.union([...cells, z.null()])))
        .describe(`One ${what} per row; a row that ends early has the fields after its last cell empty.`),
      same: record
        .partial()
        .optional()
        .describe(`Fields equal on every ${what}, given once. A field in neither is empty on every one.`),
    })
    .describe(`A table of ${what}s: columns, then rows.`);
}
