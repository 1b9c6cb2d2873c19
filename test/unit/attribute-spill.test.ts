/**
 * The attribute values an import keeps on disk until its attribute phase: a repeated number's rows merge
 * in file order (a later value wins), a refused row's values are left out while its number's other rows
 * count, and the temporary file is gone once the import ends.
 */
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import { expect, it } from 'vitest';
import { AttributeSpill } from '../../src/import/attribute-spill.js';

const spills = async () =>
  (await readdir(os.tmpdir())).filter((name) => name.startsWith('vobiz-import-attributes-'));

it('merges a number’s rows in file order, leaves refused rows out, and forgets numbers with none left', async () => {
  const before = await spills();
  const spill = await AttributeSpill.create();
  try {
    await spill.add('+919800000001', 1, { city: 'Pune', plan: 'gold' });
    await spill.add('+919800000002', 2, { city: 'Delhi' });
    await spill.add('+919800000001', 3, { city: 'Mumbai ✓' });
    await spill.add('+919800000001', 5, { plan: 'silver' });
    await spill.add('+919800000003', 6, { city: 'Goa' });
    spill.skipRow(5); // refused by the API
    spill.skipRow(4); // a row without values: nothing to skip
    spill.skipRows(6, 9); // a chunk whose outcome is unknown
    await spill.seal();
    expect(spill.skippedRows).toBe(2);
    expect([...spill.phones()].sort()).toEqual(['+919800000001', '+919800000002']);
    expect(await spill.valuesOf('+919800000001')).toEqual({
      row: 3,
      values: { city: 'Mumbai ✓', plan: 'gold' },
    });
    expect(await spill.valuesOf('+919800000003')).toBeUndefined();
    expect((await spills()).length).toBe(before.length + 1);
  } finally {
    await spill.close();
  }
  expect(await spills()).toEqual(before);
});

it('writes to disk once a megabyte is waiting, and reads every value back', async () => {
  const spill = await AttributeSpill.create();
  try {
    const big = 'x'.repeat(10_000);
    let flushes = 0;
    for (let row = 1; row <= 300; row++) {
      const pending = spill.add(`+9198000${String(row).padStart(5, '0')}`, row, { note: `${row}${big}` });
      if (pending) {
        flushes++;
        await pending;
      }
    }
    await spill.seal();
    expect(flushes).toBe(2);
    expect((await spill.valuesOf('+919800000150'))?.values.note).toBe(`150${big}`);
    expect((await spill.valuesOf('+919800000300'))?.values.note).toBe(`300${big}`);
  } finally {
    await spill.close();
  }
});
