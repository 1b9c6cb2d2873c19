/**
 * import_contacts_csv as an agent uses it on real files: checks before upload, chunked upload with
 * progress, cancellation, retries, and file-path safety — the SDK's Client linked to the server in
 * memory, against the sandbox over HTTP.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ImportSettings } from '../../src/mcp/context.js';
import { importOutOf, requestMark, requestsSince, textOf, waitFor } from '../support/context.js';
import { startMemoryStack, type MemoryStack } from '../support/memory-stack.js';

interface ImportResult {
  dry_run: boolean;
  total: number;
  valid: number;
  created: number;
  updated: number;
  failed: number;
  errors: { row: number; phone_number: string; reason: string }[];
  errors_omitted: number;
  phone_numbers_normalised: number;
  repeated_numbers: number;
  created_or_updated?: number;
  tag_counts?: Record<string, number>;
  warnings?: string[];
}

/** `count` valid Indian mobile numbers from a base, as E.164. */
function phones(count: number, base = 9_700_000_000): string[] {
  return Array.from({ length: count }, (_, i) => `+91${base + i}`);
}

let dir: string;
let stack: MemoryStack;
const CHUNK = 4;
/** Small files and chunks: the same code paths as the defaults, in a few rows. */
const importSettings = (): ImportSettings => ({
  allowedDirs: [dir],
  chunkRows: CHUNK,
  maxFileBytes: 4096,
  maxInlineBytes: 5 << 20,
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-import-'));
  stack = await startMemoryStack({
    sandbox: { seed: false },
    vobiz: { retry: { baseDelayMs: 5 } },
    context: { import: importSettings() },
  });
});
afterEach(() => stack.sandbox.faults.clear());
afterAll(async () => {
  await stack?.close();
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, content: string | Buffer): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

async function importFile(name: string, content: string | Buffer, extra: Record<string, unknown> = {}) {
  const file_path = await fileWith(name, content);
  const before = requestMark(stack.sandbox);
  const result = await stack.call('import_contacts_csv', { file_path, ...extra });
  return {
    result,
    out: importOutOf(result.structuredContent) as unknown as ImportResult,
    uploads: requestsSince(stack.sandbox, before),
  };
}

describe('a clean file', () => {
  it('creates every contact, in chunks, with tags', async () => {
    const numbers = phones(10, 9_700_000_000);
    const csv = [
      'phone_number,name,tags',
      ...numbers.map((p, i) => `${p},Person ${i},"expo-2026,batch-a"`),
    ].join('\n');
    const { result, out, uploads } = await importFile('clean.csv', csv);
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(out).toMatchObject({ total: 10, created: 10, updated: 0, failed: 0, errors: [] });
    expect(uploads.filter((r) => r.route === 'import')).toHaveLength(Math.ceil(10 / CHUNK));
    const stored = stack.sandbox.contacts().filter((c) => numbers.includes(c.phone_number));
    expect(stored).toHaveLength(10);
    expect(stored.every((c) => c.tags.includes('expo-2026') && c.tags.includes('batch-a'))).toBe(true);
  });
});

describe('a mixed file', () => {
  it('imports the good rows and reports the bad ones by their row in the original file', async () => {
    const good = phones(7, 9_710_000_000);
    const rows = [
      `${good[0]},Good 1,`, // row 1
      `12345,Short,`, // row 2: not E.164
      `${good[1]},Good 2,`, // row 3
      `${good[2]},,`, // row 4: no name
      `${good[3]},"Multi\nLine, Name",vip`, // row 5: quoted newline and comma
      `${good[4]},Good 5,`, // row 6
      `${good[1]},Again,`, // row 7: repeats row 3
      `${good[5]},Good 6,`, // row 8
      `+4420,UK too short,`, // row 9
      `${good[6]},Good 7,`, // row 10
    ];
    const { result, out } = await importFile(
      'mixed.csv',
      `\uFEFFphone_number,name,tags\r\n${rows.join('\r\n')}\r\n`,
    );
    expect(result.isError, textOf(result)).toBeFalsy();
    // Row 7 repeats row 3's number: the API upserts, so both are sent and the later row wins.
    expect(out).toMatchObject({
      total: 10,
      created: 6,
      updated: 1,
      failed: 3,
      repeated_numbers: 1,
    });
    expect(out.errors.map((e) => e.row)).toEqual([2, 4, 9]);
    expect(textOf(result)).toMatch(/row 2 12345/);
    expect(textOf(result)).toMatch(
      new RegExp(`Warning: 1 row repeats .*row 7 repeats \\${good[1]} from row 3`),
    );
    expect(stack.sandbox.contacts().find((c) => c.phone_number === good[1])?.name).toBe('Again');
    expect(stack.sandbox.contacts().find((c) => c.phone_number === good[3])?.name).toBe('Multi\nLine, Name');
  });

  it('refuses a row split by an unquoted comma, and skips blank rows without counting them', async () => {
    const good = phones(3, 9_720_000_000);
    const csv = [
      'phone_number,name,tags',
      `${good[0]},Good 1,vip`, // row 1
      '', // a blank line: not a row
      `${good[1]},Sharma, Rahul,vip`, // row 2: four cells under three headers
      ',,', // an empty spreadsheet row: not a row
      `${good[2]},Good 3,`, // row 3
      ',,',
      ' , , ',
    ].join('\n');
    const { result, out } = await importFile('spreadsheet.csv', csv);
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(out).toMatchObject({ total: 3, created: 2, failed: 1 });
    expect(out.errors).toEqual([
      expect.objectContaining({
        row: 2,
        phone_number: good[1],
        reason: expect.stringMatching(/quote cells/),
      }),
    ]);
    expect(stack.sandbox.contacts().some((c) => c.phone_number === good[1])).toBe(false);
  });

  it('reads local numbers with default_country and uploads them as E.164', async () => {
    const csv =
      'Phone_Number , NAME\n098765 43211,Local One\n(0)98765-43212,Local Two\n+919876543213,Already E164\n';
    const without = await importFile('local.csv', csv, { dry_run: true });
    expect(without.out).toMatchObject({ valid: 1, failed: 2 });
    expect(textOf(without.result)).toMatch(/default_country/);

    const { result, out } = await importFile('local.csv', csv, { default_country: 'in' });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(out).toMatchObject({ total: 3, created: 3, failed: 0, phone_numbers_normalised: 2 });
    const names = Object.fromEntries(stack.sandbox.contacts().map((c) => [c.phone_number, c.name]));
    expect(names['+919876543211']).toBe('Local One');
    expect(names['+919876543212']).toBe('Local Two');
  });

  it('accepts a semicolon-separated spreadsheet export', async () => {
    const { result, out } = await importFile(
      'excel.csv',
      'phone_number;name;tags\n+919720000001;Semi Colon;"a,b"\n',
    );
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(out).toMatchObject({ created: 1 });
    expect(stack.sandbox.contacts().find((c) => c.phone_number === '+919720000001')?.tags).toEqual([
      'a',
      'b',
    ]);
  });
});

describe('files refused before a byte is uploaded', () => {
  async function expectRefused(name: string, content: string | Buffer, pattern: RegExp) {
    const { result, uploads } = await importFile(name, content);
    expect(result.isError, name).toBe(true);
    expect(textOf(result)).toMatch(pattern);
    expect(uploads).toEqual([]);
  }

  it('a header with no phone column, naming the columns found', async () => {
    await expectRefused(
      'wrong.csv',
      'email,company\nx@example.com,X\n',
      /has no phone column .*Its columns: "email", "company"\. Pass columns/,
    );
  });

  it('two equally likely phone columns, named on one line however their headers are written', async () => {
    // "WhatsApp" with a line separator and a bidi override in its header cell still reads as WhatsApp.
    const csv = 'name,"WhatsApp\u2028\u202e",WhatsApp Number\nAsha,+919800000501,+919800000502\n';
    const { result, uploads } = await importFile('tied.csv', csv);
    expect(result.isError).toBe(true);
    expect(uploads).toEqual([]);
    const text = textOf(result);
    expect(text).toMatch(/several phone columns and none is clearly the one: "WhatsApp\\u2028\\u202e"/);
    expect(text).toMatch(/e\.g\. \{"phone_number": "WhatsApp\\u2028\\u202e"\}/);
    expect(text).not.toMatch(/[\u2028\u202e]/);
  });

  it('a binary file', async () => {
    await expectRefused(
      'photo.csv',
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      /binary/,
    );
  });

  it('an empty file and a header with no rows', async () => {
    await expectRefused('empty.csv', '', /empty/);
    await expectRefused('header-only.csv', 'phone_number,name\n', /no data rows/);
  });

  it('a file that breaks CSV quoting', async () => {
    await expectRefused('broken.csv', 'phone_number,name\n+919730000002,"Unclosed\n', /not valid CSV/);
  });

  it('an oversize file', async () => {
    const big = `phone_number,name\n${phones(200, 9_740_000_000)
      .map((p) => `${p},Someone With A Long Name`)
      .join('\n')}`;
    await expectRefused('big.csv', big, /over the 4\.0 KB limit/);
  });

  it('a path outside the allowed directories, and a symlink escaping them', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'vobiz-elsewhere-'));
    try {
      const secret = path.join(outside, 'secret.csv');
      await writeFile(secret, 'phone_number,name\n+919730000003,Secret\n');
      const before = requestMark(stack.sandbox);
      const direct = await stack.call('import_contacts_csv', { file_path: secret });
      expect(textOf(direct)).toMatch(/outside the directories/);
      await symlink(secret, path.join(dir, 'link.csv'));
      const viaLink = await stack.call('import_contacts_csv', { file_path: path.join(dir, 'link.csv') });
      expect(viaLink.isError).toBe(true);
      expect(textOf(viaLink)).toMatch(/outside the directories/);
      const dotdot = await stack.call('import_contacts_csv', {
        file_path: `${dir}/../${path.basename(outside)}/secret.csv`,
      });
      expect(textOf(dotdot)).toMatch(/outside the directories/);
      expect(requestsSince(stack.sandbox, before)).toEqual([]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('dry_run', () => {
  it('reports counts, invalid rows and tags, and uploads nothing', async () => {
    const csv = 'phone_number,name,tags\n+919750000001,A,"vip,new"\n+919750000002,B,vip\nnope,C,\n';
    const { result, out, uploads } = await importFile('dry.csv', csv, { dry_run: true });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(out).toMatchObject({
      dry_run: true,
      total: 3,
      valid: 2,
      failed: 1,
      tag_counts: { vip: 2, new: 1 },
    });
    expect(out.errors).toEqual([expect.objectContaining({ row: 3, phone_number: 'nope' })]);
    // It reads the account (to count the existing contacts the import would change), and writes nothing.
    expect(uploads.filter((request) => request.method !== 'GET')).toEqual([]);
    expect(stack.sandbox.contacts().some((c) => c.phone_number === '+919750000001')).toBe(false);
  });

  it('counts one of a thing in the singular', async () => {
    const csv = 'phone_number,name\n+91 97500 00011,One\n';
    const { result } = await importFile('one.csv', csv, { dry_run: true });
    expect(textOf(result)).toMatch(
      /^Dry run, nothing uploaded: 1 row, 1 would be sent, 0 invalid\. 1 phone number rewritten to E\.164\./,
    );
  });
});

describe('long imports', () => {
  it('sends a progress notification after each chunk', async () => {
    const numbers = phones(10, 9_760_000_000);
    const file_path = await fileWith(
      'progress.csv',
      `phone_number,name\n${numbers.map((p) => `${p},P`).join('\n')}`,
    );
    const seen: { progress: number; total?: number }[] = [];
    const result = await stack.client.callTool(
      { name: 'import_contacts_csv', arguments: { file_path } },
      {
        onprogress: (p) => seen.push(p),
      },
    );
    expect(result.isError).toBeFalsy();
    // One per chunk (three), counting the rows done with, in whatever order the chunks were answered.
    // The total is estimated until the file has been read to the end (a chunk can be answered before
    // that): never below the rows done, and exact in the last notification.
    const values = seen.map((p) => p.progress);
    expect(values).toHaveLength(3);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.every((v) => v > 0 && v <= 10)).toBe(true);
    expect(seen.every((p) => p.total !== undefined && p.total >= p.progress)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ progress: 10, total: 10 });
    expect(stack.protocolErrors).toEqual([]);
  });

  it('stops after the chunks in flight when the client cancels, and uploads nothing more', async () => {
    // 50 chunks, of which at most the import's concurrency are in flight when the cancel comes.
    const numbers = phones(200, 9_770_000_000);
    const file_path = await fileWith(
      'cancel.csv',
      `phone_number,name\n${numbers.map((p) => `${p},C`).join('\n')}`,
    );
    stack.sandbox.faults.inject({ fault: { kind: 'latency', ms: 150 }, route: 'import', times: Infinity });
    const mark = requestMark(stack.sandbox);
    const imports = () => requestsSince(stack.sandbox, mark).filter((r) => r.route === 'import').length;
    const controller = new AbortController();
    const call = stack.client.callTool(
      { name: 'import_contacts_csv', arguments: { file_path } },
      {
        signal: controller.signal,
        onprogress: (p) => {
          if (p.progress >= 2 * CHUNK) controller.abort();
        },
      },
    );
    await expect(call).rejects.toThrow();
    // The server tells the client once the chunks in flight are answered; nothing is sent after that.
    const cancelled = /cancelled after (\d+) chunks/;
    await waitFor(() => stack.logs.some((line) => cancelled.test(line)), 'the log of the cancel');
    const logged = Number(cancelled.exec(stack.logs.find((line) => cancelled.test(line))!)![1]);
    const sentByThen = imports();
    const imported = stack.sandbox.contacts().filter((c) => numbers.includes(c.phone_number)).length;
    expect(imported).toBe(logged * CHUNK);
    expect(imported).toBeGreaterThanOrEqual(2 * CHUNK);
    expect(imported).toBeLessThan(numbers.length);
    // A request in flight when the cancel was logged would be in the log already.
    await stack.call('list_contacts', { limit: 1 });
    expect(imports()).toBe(sentByThen);
  });

  it('retries a chunk that failed after it was applied, without duplicates', async () => {
    const numbers = phones(8, 9_780_000_000);
    stack.sandbox.faults.inject({
      fault: { kind: 'error_after_write', status: 502 },
      route: 'import',
      times: 1,
    });
    const { result, out, uploads } = await importFile(
      'retry.csv',
      `phone_number,name\n${numbers.map((p, i) => `${p},R${i}`).join('\n')}`,
    );
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(uploads.filter((r) => r.route === 'import').map((r) => r.status)).toEqual([502, 200, 200]);
    // The replay of chunk 1 counts its rows as updated although the lost attempt created them: the split
    // of that chunk is not claimed, only that its 4 rows were accepted.
    expect(out).toMatchObject({ created: 4, updated: 0, created_or_updated: 4, failed: 0 });
    expect(textOf(result)).toMatch(/4 created or updated \(uncertain which\)/);
    expect(textOf(result)).toMatch(
      /Chunk (1 \(rows from 1\)|2 \(rows from 5\)) was sent twice: the first attempt got HTTP 502/,
    );
    const stored = stack.sandbox.contacts().filter((c) => numbers.includes(c.phone_number));
    expect(stored).toHaveLength(8);
  });

  it('a chunk refused with a 502 before it was applied is sent again; its split is not claimed either way', async () => {
    // The other direction of the test above: the lost attempt changed nothing. The tool cannot see the
    // difference, so it says the same true thing: those rows were accepted, created or updated.
    const numbers = phones(8, 9_785_000_000);
    stack.sandbox.faults.inject({ fault: { kind: 'server_error', status: 502 }, route: 'import', times: 1 });
    const { result, out, uploads } = await importFile(
      'retry-unapplied.csv',
      `phone_number,name\n${numbers.map((p, i) => `${p},U${i}`).join('\n')}`,
    );
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(uploads.filter((r) => r.route === 'import').map((r) => r.status)).toEqual([502, 200, 200]);
    expect(out).toMatchObject({ created: 4, updated: 0, created_or_updated: 4, failed: 0 });
    expect(textOf(result)).toMatch(
      /Chunk (1 \(rows from 1\)|2 \(rows from 5\)) was sent twice: the first attempt got HTTP 502/,
    );
    const stored = stack.sandbox.contacts().filter((c) => numbers.includes(c.phone_number));
    expect(stored.map((c) => c.name).sort()).toEqual(numbers.map((_, i) => `U${i}`).sort());
  });

  it('reports what was imported when a chunk keeps failing', async () => {
    const numbers = phones(8, 9_790_000_000);
    stack.sandbox.faults.inject({ fault: { kind: 'latency', ms: 0 }, route: 'import', times: 1 });
    stack.sandbox.faults.inject({
      fault: { kind: 'server_error', status: 500 },
      route: 'import',
      times: Infinity,
    });
    const { result } = await importFile(
      'fails.csv',
      `phone_number,name\n${numbers.map((p) => `${p},F`).join('\n')}`,
    );
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^Import stopped early: a chunk failed\. Of 8 rows read: 4 created/);
    // Both chunks are in flight at once: whichever reached the sandbox second met the 500s.
    const out = result.structuredContent as unknown as ImportResult & {
      stopped: { failed_chunks: { chunk: number; first_row: number; last_row: number }[] };
    };
    const [failed] = out.stopped.failed_chunks;
    expect([
      [1, 1, 4],
      [2, 5, 8],
    ]).toContainEqual([failed?.chunk, failed?.first_row, failed?.last_row]);
    // A 500 after retries: that chunk may or may not have been applied, and sending it again is safe.
    expect(textOf(result)).toMatch(
      new RegExp(
        `^Chunk ${failed!.chunk} \\(rows ${failed!.first_row}–${failed!.last_row}\\) failed: .*HTTP 500 .* may or may not have been applied\\. Repeating the same call is safe`,
        'm',
      ),
    );
    expect(textOf(result)).toMatch(/running the same import again is safe/);
    expect(textOf(result)).not.toMatch(/check the current state/);
    expect(out).toMatchObject({ created: 4, stopped: { why: 'chunk_failed', last_row_sent: 8 } });
    expect(out.stopped.failed_chunks).toHaveLength(1);
  });
});

describe('roots', () => {
  it('reads files inside the client roots, not the configured directories', async () => {
    const rootDir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-root-'));
    const rooted = await startMemoryStack({
      sandbox: { seed: false },
      roots: [rootDir],
      context: { import: importSettings() },
    });
    try {
      const inside = path.join(rootDir, 'ok.csv');
      await writeFile(inside, 'phone_number,name\n+919800000001,Rooted\n');
      const ok = await rooted.call('import_contacts_csv', { file_path: inside });
      expect(ok.isError, textOf(ok)).toBeFalsy();
      const configured = await fileWith('configured.csv', 'phone_number,name\n+919800000002,NotRooted\n');
      const refused = await rooted.call('import_contacts_csv', { file_path: configured });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/outside the directories/);
    } finally {
      await rooted.close();
      await rm(rootDir, { recursive: true, force: true });
    }
  });

  it('falls back to the configured directories when the client offers no roots', async () => {
    const rootless = await startMemoryStack({
      sandbox: { seed: false },
      roots: [],
      context: { import: importSettings() },
    });
    try {
      const configured = await fileWith('no-roots.csv', 'phone_number,name\n+919800000003,Configured\n');
      const result = await rootless.call('import_contacts_csv', { file_path: configured });
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(rootless.sandbox.contacts().map((c) => c.name)).toEqual(['Configured']);
    } finally {
      await rootless.close();
    }
  });
});
