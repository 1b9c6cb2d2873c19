/**
 * The CSV a chunk uploads must read back, through a real CSV parser, as exactly the rows that went in —
 * names with quotes, commas, line breaks and emoji included — and map the API's row numbers back to
 * the user's file.
 */
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { UploadChunk } from '../../src/import/upload-chunk.js';

it('writes CSV that parses back to the same rows', async () => {
  const cell = fc.string({
    unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r', '😀', 'é', ';'),
    maxLength: 12,
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ name: cell, tags: fc.array(cell, { maxLength: 3 }) }), { maxLength: 20 }),
      (rows) => {
        const chunk = new UploadChunk();
        rows.forEach((r, i) =>
          chunk.add({
            row: i + 1,
            phone_number: `+9198000${String(i).padStart(5, '0')}`,
            name: r.name,
            tags: r.tags,
            normalised: false,
          }),
        );
        return chunk
          .toBlob()
          .text()
          .then((text) => {
            const parsed = parse(text, {
              columns: true,
              relax_quotes: false,
              skip_empty_lines: false,
            }) as Record<string, string>[];
            expect(parsed).toEqual(
              rows.map((r, i) => ({
                phone_number: `+9198000${String(i).padStart(5, '0')}`,
                name: r.name,
                tags: r.tags.join(','),
              })),
            );
          });
      },
    ),
  );
});

it("maps the API's row numbers within the chunk back to the file's", () => {
  const chunk = new UploadChunk();
  for (const row of [7, 9, 12])
    chunk.add({ row, phone_number: '+919800000001', name: 'A', tags: [], normalised: false });
  expect(chunk.size).toBe(3);
  expect(chunk.firstRow).toBe(7);
  expect([1, 2, 3].map((r) => chunk.fileRow(r))).toEqual([7, 9, 12]);
});
