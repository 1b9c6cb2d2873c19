/**
 * Import files are opened once and read from that descriptor on every pass: a file that grows while it
 * is read is not read past the size limit, and a file swapped under the same name is not read at all.
 */
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openImportFile } from '../../src/import/file-access.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-file-access-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(stream: NodeJS.ReadableStream): Promise<{ bytes: number; error?: Error }> {
  let bytes = 0;
  try {
    for await (const chunk of stream) bytes += (chunk as Buffer).length;
    return { bytes };
  } catch (error) {
    return { bytes, error: error as Error };
  }
}

it('a file that grows past the limit while it is read is not read past the limit', async () => {
  const file = path.join(dir, 'growing.csv');
  await writeFile(file, 'phone_number,name\n'.padEnd(1_500, 'x'));
  const opened = await openImportFile(file, [dir], 2_000);
  try {
    expect(opened.size).toBe(1_500);
    // Between the size check and a pass, the file grows to 200 kB.
    await appendFile(file, 'y'.repeat(200_000));
    const { bytes, error } = await readAll(opened.read());
    expect(error?.message).toMatch(
      /grew past the 2\.0 KB limit .* while it was read; nothing past it was read/,
    );
    expect(bytes).toBeLessThanOrEqual(2_000);
  } finally {
    await opened.close();
  }
});

it('every pass reads the file that was opened, even after another is moved in under its name', async () => {
  const file = path.join(dir, 'swapped.csv');
  await writeFile(file, 'phone_number,name\n+919800000001,Original\n');
  const opened = await openImportFile(file, [dir], 10_000);
  try {
    const first = await readAll(opened.read());
    const other = path.join(dir, 'other.csv');
    await writeFile(
      other,
      'phone_number,name\n+919800000002,Swapped in, and much longer than the original\n',
    );
    await rename(other, file);
    const second = await readAll(opened.read());
    expect(second).toEqual(first);
    expect((await opened.head(1_000)).toString()).toContain('Original');
  } finally {
    await opened.close();
  }
});

it('a file already over the limit is refused from the descriptor, before a byte is parsed', async () => {
  const file = path.join(dir, 'big.csv');
  await writeFile(file, 'x'.repeat(3_000));
  await expect(openImportFile(file, [dir], 2_000)).rejects.toThrow(/is 2\.9 KB, over the 2\.0 KB limit/);
});
