/**
 * Import files are opened once and read from that descriptor on every pass: a file that grows while it
 * is read is not read past the size limit, and a file swapped under the same name is not read at all.
 */
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
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

it('bytes that are not UTF-8 anywhere stop the read, with their byte and line; a character cut between blocks does not', async () => {
  // 70 kB of 29-byte lines ending in a four-byte character (😀): the one on line 2260 falls across the
  // 64 kB block boundary (65536 = 2259 × 29 + 25). Then a line with a lone 0xFF byte.
  const line = Buffer.from('+919800000001,Smile 123 😀\n');
  expect(line.length).toBe(29);
  const lines = Math.ceil(70_000 / line.length);
  const bad = Buffer.concat([Buffer.from('+919800000002,Bad '), Buffer.from([0xff]), Buffer.from('\n')]);
  const file = path.join(dir, 'latin1-late.csv');
  await writeFile(file, Buffer.concat([...Array.from({ length: lines }, () => line), bad]));
  const offset = lines * line.length + '+919800000002,Bad '.length;
  const opened = await openImportFile(file, [dir], 1 << 20);
  try {
    const { bytes, error } = await readAll(opened.read());
    expect(error?.message).toBe(
      `${file} is not UTF-8 text: byte ${offset + 1} (on line ${lines + 1}) cannot be read as UTF-8, so the file was not read past it. Save the CSV as UTF-8 and try again.`,
    );
    // The block holding the byte was not handed on.
    expect(bytes).toBeLessThan(offset);
  } finally {
    await opened.close();
  }
  // The same lines without the bad one read to the end.
  await writeFile(file, Buffer.concat(Array.from({ length: lines }, () => line)));
  const clean = await openImportFile(file, [dir], 1 << 20);
  try {
    expect(await readAll(clean.read())).toEqual({ bytes: lines * line.length });
  } finally {
    await clean.close();
  }
});

it('a character cut by the end of the file is not UTF-8 either', async () => {
  const file = path.join(dir, 'cut.csv');
  await writeFile(file, Buffer.concat([Buffer.from('+919800000001,Cut '), Buffer.from([0xf0, 0x9f])]));
  const opened = await openImportFile(file, [dir], 1 << 20);
  try {
    expect((await readAll(opened.read())).error?.message).toMatch(/byte 19 \(on line 1\) cannot be read/);
  } finally {
    await opened.close();
  }
});

it('a file written to in place after it was opened stops the read, so two versions are never mixed', async () => {
  const file = path.join(dir, 'overwritten.csv');
  await writeFile(file, 'phone_number,name\n'.padEnd(200_000, 'x'));
  const opened = await openImportFile(file, [dir], 1 << 20);
  try {
    const stream = opened.read();
    const blocks: Buffer[] = [];
    let error: Error | undefined;
    try {
      for await (const block of stream) {
        blocks.push(block as Buffer);
        // After the first block, another export is written over it (same file, same inode).
        if (blocks.length === 1) await writeFile(file, 'phone_number,name\n'.padEnd(150_000, 'y'));
      }
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).toMatch(/changed while it was read .* two versions of the file/);
    expect(Buffer.concat(blocks).includes('y')).toBe(false);
  } finally {
    await opened.close();
  }
});

it('reads ~/… from the home directory, as a shell would; ~other/… is refused as not absolute', async () => {
  vi.stubEnv('HOME', dir);
  try {
    await writeFile(path.join(dir, 'home.csv'), 'phone_number,name\n+919800000001,Asha\n');
    const opened = await openImportFile('~/home.csv', [dir], 2_000);
    try {
      expect(opened.label).toBe(path.join(dir, 'home.csv'));
      expect((await opened.head(100)).toString('utf8')).toMatch(/^phone_number,name/);
    } finally {
      await opened.close();
    }
    await expect(openImportFile('~someone/home.csv', [dir], 2_000)).rejects.toThrow(
      /file_path must be an absolute path/,
    );
  } finally {
    vi.unstubAllEnvs();
  }
});
