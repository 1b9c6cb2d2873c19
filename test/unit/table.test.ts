import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromTable, toTable } from '../../src/mcp/table.js';

type Row = { id: string; tags?: string[]; attrs?: Record<string, unknown>; seen?: string | null };
const COLUMNS = ['id', 'tags', 'attrs', 'seen'] as const;

describe('a table of records', () => {
  it('names each field once, leaves out what is empty everywhere, gives what is equal everywhere once', () => {
    const table = toTable<Row>(COLUMNS, [
      { id: 'a', tags: ['vip'], attrs: {} },
      { id: 'b', tags: ['vip'], attrs: { city: 'Pune' }, seen: '2026-01-01' },
      { id: 'c', tags: ['vip'] },
    ]);
    expect(table).toEqual({
      columns: ['id', 'attrs', 'seen'],
      // A row ends at its last filled cell.
      rows: [['a'], ['b', { city: 'Pune' }, '2026-01-01'], ['c']],
      same: { tags: ['vip'] },
    });
  });

  it('gives nothing as `same` for one row', () => {
    expect(toTable<Row>(COLUMNS, [{ id: 'a', tags: ['x'] }])).toEqual({
      columns: ['id', 'tags'],
      rows: [['a', ['x']]],
    });
  });

  it('reads back as the records, their empty fields left out', () => {
    const empty = fc.constantFrom(undefined, null, [], {});
    const row = fc.record({
      id: fc.string(),
      tags: fc.oneof(empty, fc.array(fc.string(), { minLength: 1, maxLength: 3 })),
      attrs: fc.oneof(empty, fc.dictionary(fc.string({ minLength: 1 }), fc.integer(), { minKeys: 1 })),
      seen: fc.oneof(empty, fc.string()),
    }) as fc.Arbitrary<Row>;
    fc.assert(
      fc.property(fc.array(row, { maxLength: 6 }), (rows) => {
        const nonEmpty = (value: unknown) =>
          value !== undefined &&
          value !== null &&
          !(Array.isArray(value) && value.length === 0) &&
          !(typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);
        const expected = rows.map((r) =>
          Object.fromEntries(Object.entries(r).filter(([, v]) => nonEmpty(v))),
        );
        const table = toTable<Row>(COLUMNS, rows);
        expect(JSON.parse(JSON.stringify(fromTable(table)))).toEqual(expected);
      }),
    );
  });
});
