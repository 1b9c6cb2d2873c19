/**
 * Imports that must change only what the file says, and say only what the API said (issue 22): each
 * through the SDK's Client linked to the server in memory, against the sandbox over HTTP or a scripted
 * upstream on loopback.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ImportOutput } from '../../src/tools/import-contacts-csv/import-result.js';
import { SANDBOX_FIELD_LIMITS } from '../../src/vobiz/contract.js';
import { json, startLoopbackApi, uploadedNumbers } from '../unit/scripted-api.js';
import { importOutOf, textOf } from '../support/context.js';
import { linkServer, startMemoryStack, type MemoryStack } from '../support/memory-stack.js';

let stack: MemoryStack;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-import-edges-'));
  stack = await startMemoryStack({
    sandbox: { seed: false },
    context: {
      import: {
        allowedDirs: [dir],
        chunkRows: 4,
        // One chunk at a time: a fault meant for the second chunk meets the second chunk.
        chunkConcurrency: 1,
        maxFileBytes: 1 << 20,
        maxInlineBytes: 5 << 20,
      },
    },
  });
});
afterEach(() => stack.sandbox.faults.clear());
afterAll(async () => {
  await stack?.close();
  await rm(dir, { recursive: true, force: true });
});

/** `count` rows of distinct valid numbers from `from`, each `phone,name`. */
const numbered = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `+9198${String(from + i).padStart(8, '0')},Row ${from + i + 1}`);

const contactWith = (phone: string) => stack.sandbox.contacts().find((c) => c.phone_number === phone);

describe('phone columns', () => {
  it('a placeholder such as "n/a" or "-" falls back to the next phone column, as an empty cell does', async () => {
    const csv = [
      'name,Mobile,Phone',
      'Asha,n/a,+919811100001',
      'Ravi,-,+919811100002',
      'Meera,,+919811100003',
      'Nobody,n/a,-',
    ].join('\n');
    const result = await stack.call('import_contacts_csv', { csv });
    const out = importOutOf(result.structuredContent) as unknown as ImportOutput;
    expect(out).toMatchObject({ total: 4, created: 3, failed: 1 });
    expect(contactWith('+919811100001')?.name).toBe('Asha');
    expect(contactWith('+919811100002')?.name).toBe('Ravi');
    // With no number in any column, the row's error shows what the file held.
    expect(out.errors).toEqual([expect.objectContaining({ row: 4, phone_number: 'n/a' })]);
    expect(textOf(result)).toMatch(/row 4 n\/a: /);
  });
});

describe('a tag holding a comma', () => {
  it('is refused by the dry run and the upload alike, before anything is sent', async () => {
    const csv = 'phone_number,name\n+919811100011,Asha\n';
    const before = stack.sandbox.requestCount();
    for (const dry_run of [true, false]) {
      const result = await stack.call('import_contacts_csv', { csv, add_tags: ['expo, 2026'], dry_run });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/add_tags "expo, 2026" holds a comma: .*Nothing was uploaded/);
    }
    expect(stack.sandbox.requestCount()).toBe(before);
    expect(contactWith('+919811100011')).toBeUndefined();
  });
});

describe('an import summary short of rows', () => {
  it('reports the rows it does not account for as unknown, never as all imported', async () => {
    // Two chunks of four, each answered with a summary that leaves one row out.
    const csv = [
      'phone_number,name',
      ...Array.from({ length: 8 }, (_, i) => `+9198111002${String(i).padStart(2, '0')},Row ${i + 1}`),
    ].join('\n');
    stack.sandbox.faults.inject({ route: 'import', fault: { kind: 'short_summary', rows: 1 }, times: 2 });
    const result = await stack.call('import_contacts_csv', { csv });
    const out = importOutOf(result.structuredContent) as unknown as ImportOutput;
    expect(out).toMatchObject({ total: 8, created: 6, updated: 0, failed: 0, unaccounted: 2 });
    const text = textOf(result);
    expect(text).not.toMatch(/^Imported/);
    expect(text).toMatch(
      /^Import of 8 rows done, but not all accounted for: 6 created, 0 updated, 0 failed, 2 unknown/,
    );
    for (const rows of ['1–4', '5–8']) {
      expect(out.warnings).toContainEqual(
        expect.stringContaining(
          `(rows ${rows}): Vobiz's summary accounts for 3 of the 4 rows sent; for the other 1 (not counted as created, updated or failed), whether they were imported is unknown.`,
        ),
      );
    }
    // The sandbox did import all eight: the summary, not the account, was short.
    expect(stack.sandbox.contacts().filter((c) => c.phone_number.startsWith('+9198111002'))).toHaveLength(8);
  });
});

describe('a file that is not UTF-8 past its first 64 kB', () => {
  it('is refused by the dry run and before the upload, with the byte and line, and nothing is sent', async () => {
    const good = ['phone_number,name', ...numbered(4_000, 30_000_000)].join('\n');
    expect(Buffer.byteLength(good)).toBeGreaterThan(64 * 1024);
    // A Latin-1 "é" (0xE9) in the last row's name, where no sniffing of the head looks.
    const content = Buffer.concat([Buffer.from(`${good}\n+919812345678,Ren`), Buffer.from([0xe9, 0x0a])]);
    const file_path = path.join(dir, 'latin1.csv');
    await writeFile(file_path, content);
    // Byte numbers count from 1: the 0xE9 is the one after the prefix.
    const at = Buffer.byteLength(good) + '\n+919812345678,Ren'.length + 1;
    const before = stack.sandbox.requestCount();
    for (const dry_run of [true, false]) {
      const result = await stack.call('import_contacts_csv', { file_path, dry_run });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain(
        `is not UTF-8 text: byte ${at} (on line 4002) cannot be read as UTF-8, so the file was not read past it.`,
      );
      if (!dry_run) expect(textOf(result)).toMatch(/Nothing was uploaded\.$/);
    }
    expect(stack.sandbox.requestCount()).toBe(before);
  });
});

describe('a file overwritten in place while it is imported', () => {
  it('stops at the change, says so, and sends no row of the new content', async () => {
    const file_path = path.join(dir, 'overwritten.csv');
    const original = ['phone_number,name', ...numbered(20_000, 40_000_000)].join('\n');
    // Another export, written over the same file while the first chunk is being uploaded.
    const replacement = ['phone_number,name', ...numbered(10_000, 50_000_000)].join('\n');
    await writeFile(file_path, original);
    const sent: string[] = [];
    const upstream = await startLoopbackApi((req, res, body) => {
      const numbers = uploadedNumbers(body);
      if (sent.length === 0) writeFileSync(file_path, replacement);
      sent.push(...numbers);
      json(200, { total: numbers.length, created: numbers.length, updated: 0, failed: 0, errors: [] })(
        req,
        res,
        body,
      );
    });
    const link = await linkServer(
      { baseUrl: upstream.baseUrl, credentials: { authId: 'MA_TEST', authToken: 'token-for-tests' } },
      {
        context: {
          import: { allowedDirs: [dir], chunkRows: 100, maxFileBytes: 1 << 20, maxInlineBytes: 1 << 20 },
        },
      },
    );
    try {
      const result = await link.call('import_contacts_csv', { file_path });
      expect(result.isError).toBe(true);
      const out = importOutOf(result.structuredContent) as unknown as ImportOutput;
      expect(out.stopped).toMatchObject({ why: 'file_unreadable' });
      expect(out.stopped?.read_error).toMatch(/changed while it was read/);
      expect(textOf(result)).toMatch(/^Import stopped early: the file could not be read on\./);
      // Only rows of the original were sent, and not all of them.
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.length).toBeLessThan(20_000);
      expect(sent.every((n) => n.startsWith('+919840'))).toBe(true);
      expect(out.created).toBe(sent.length);
    } finally {
      await link.close();
      await upstream.close();
    }
  });
});

describe('attributes_from', () => {
  it('keeps a refused row’s values off the contact that has its number, and a short summary’s rows too', async () => {
    // Contacts that exist before the import, with a city each.
    for (const [phone, name] of [
      ['+919811100501', 'Asha'],
      ['+919811100502', 'Ravi'],
      ['+919811100503', 'Meera'],
    ] as const) {
      const created = await stack.call('create_contact', {
        phone_number: phone,
        name,
        custom_attributes: { city: 'Pune' },
      });
      expect(created.isError, textOf(created)).toBeFalsy();
    }
    const longName = 'N'.repeat(SANDBOX_FIELD_LIMITS.name + 1);
    // Chunk 1: row 2 is refused by the API (a name longer than it takes). Chunk 2 (rows 5–8): its
    // summary leaves one row unaccounted for, so none of its rows' values can be known to belong.
    const csv = [
      'phone_number,name,City',
      '+919811100504,Dev,Delhi',
      `+919811100501,${longName},Delhi`,
      '+919811100505,Kiran,Delhi',
      '+919811100506,Lata,Delhi',
      '+919811100502,Ravi,Delhi',
      '+919811100507,Mohan,Delhi',
      '+919811100508,Nila,Delhi',
      '+919811100509,Om,Delhi',
    ].join('\n');
    stack.sandbox.faults.inject({ route: 'import', fault: { kind: 'latency', ms: 0 } });
    stack.sandbox.faults.inject({ route: 'import', fault: { kind: 'short_summary', rows: 1 } });
    const result = await stack.call('import_contacts_csv', { csv, attributes_from: ['City'] });
    const out = importOutOf(result.structuredContent) as unknown as ImportOutput;
    expect(out).toMatchObject({ failed: 1, unaccounted: 1, attributes_written: 3 });
    expect(contactWith('+919811100501')?.custom_attributes).toEqual({ city: 'Pune' });
    expect(contactWith('+919811100502')?.custom_attributes).toEqual({ city: 'Pune' });
    expect(contactWith('+919811100504')?.custom_attributes).toEqual({ city: 'Delhi' });
    expect(out.warnings).toContainEqual(
      expect.stringMatching(/^The attributes \(attributes_from\) of 5 rows were not written: Vobiz refused/),
    );
  });

  it('writes a value under the key the contact already has in another case, never a second key', async () => {
    const created = await stack.call('create_contact', {
      phone_number: '+919811100601',
      name: 'Asha',
      custom_attributes: { City: 'Pune', Plan: 'gold' },
    });
    expect(created.isError, textOf(created)).toBeFalsy();
    const csv = 'phone_number,name,city,Lifecycle Stage\n+919811100601,Asha,Mumbai,lead\n';
    const result = await stack.call('import_contacts_csv', {
      csv,
      attributes_from: ['city', 'Lifecycle Stage'],
    });
    expect(result.structuredContent).toMatchObject({ attributes_written: 1 });
    expect(contactWith('+919811100601')?.custom_attributes).toEqual({
      City: 'Mumbai',
      Plan: 'gold',
      lifecycle_stage: 'lead',
    });
    // Running it again finds every value in place: nothing is written.
    const again = await stack.call('import_contacts_csv', {
      csv,
      attributes_from: ['city', 'Lifecycle Stage'],
    });
    expect(again.structuredContent).toMatchObject({ attributes_written: 0, attributes_unchanged: 1 });
    // A segment on the file's spelling finds the contact.
    const segment = await stack.call('tag_contacts', {
      where: { attributes: { city: 'Mumbai' } },
      add: ['mumbai'],
      dry_run: true,
    });
    expect(segment.structuredContent).toMatchObject({ matched: 1 });
  });
});

describe('attributes_from against an API that serves fewer contacts per page than asked', () => {
  it('follows the page size it answers, and writes every contact', async () => {
    const PAGE = 50;
    const contacts = numbered(120, 60_000_000).map((line, i) => ({
      id: `c${i}`,
      account_id: 'MA_TEST',
      phone_number: line.split(',')[0]!,
      name: `Row ${i + 1}`,
      tags: [],
      custom_attributes: {},
      created_at: '2025-01-01T00:00:00Z',
      updated_at: '2025-01-01T00:00:00Z',
    }));
    const listed: string[] = [];
    const written: string[] = [];
    const upstream = await startLoopbackApi((req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'POST' && url.pathname.endsWith('/contacts/import')) {
        const n = uploadedNumbers(body).length;
        return json(200, { total: n, created: 0, updated: n, failed: 0, errors: [] })(req, res, body);
      }
      if (req.method === 'GET' && url.pathname.endsWith('/contacts')) {
        // Caps every page at 50, and says so in `limit`.
        const page = Number(url.searchParams.get('page') ?? 1);
        listed.push(`${page}:${url.searchParams.get('limit')}`);
        const items = contacts.slice((page - 1) * PAGE, page * PAGE);
        const more = page * PAGE < contacts.length;
        return json(200, { items, total: contacts.length, page, limit: PAGE, has_more: more })(
          req,
          res,
          body,
        );
      }
      if (req.method === 'PUT') {
        written.push(url.pathname.split('/').at(-1)!);
        const contact = contacts.find((c) => url.pathname.endsWith(`/${c.id}`))!;
        return json(200, { ...contact, ...JSON.parse(body) })(req, res, body);
      }
      return json(500, { status: 'error', error: { code: 'UNSCRIPTED', message: 'unscripted' } })(
        req,
        res,
        body,
      );
    });
    const link = await linkServer({
      baseUrl: upstream.baseUrl,
      credentials: { authId: 'MA_TEST', authToken: 'token-for-tests' },
    });
    try {
      const csv = ['phone_number,name,City', ...numbered(120, 60_000_000).map((row) => `${row},Pune`)].join(
        '\n',
      );
      const result = await link.call('import_contacts_csv', { csv, attributes_from: ['City'] });
      expect(result.structuredContent, textOf(result)).toMatchObject({
        updated: 120,
        attributes_written: 120,
      });
      expect(result.structuredContent).not.toHaveProperty('attributes_not_found');
      expect(new Set(written).size).toBe(120);
      expect(listed).toEqual(['1:100', '2:50', '3:50']);
    } finally {
      await link.close();
      await upstream.close();
    }
  });
});

describe('an import that changes many existing contacts', () => {
  let asking: MemoryStack;
  let answer: 'accept' | 'decline' = 'decline';
  const existing = numbered(3, 70_000_000).map((row) => row.split(',')[0]!);
  beforeAll(async () => {
    asking = await startMemoryStack({
      sandbox: { seed: false },
      context: {
        import: { allowedDirs: [], chunkRows: 100, maxFileBytes: 1 << 20, maxInlineBytes: 1 << 20 },
        confirm: { mode: 'auto', bulkThreshold: 2 },
      },
      elicit: () => answer,
    });
    const seeded = await asking.call('import_contacts_csv', {
      csv: ['phone_number,name', ...existing.map((phone, i) => `${phone},Row ${i + 1}`)].join('\n'),
    });
    expect(seeded.structuredContent).toMatchObject({ created: 3 });
    expect(asking.elicitations).toEqual([]);
  });
  afterAll(async () => {
    await asking?.close();
  });
  const names = () =>
    existing.map((phone) => asking.sandbox.contacts().find((c) => c.phone_number === phone)?.name);

  it('counts them in the dry run, and asks the user before the upload, as tag_contacts does', async () => {
    // Two names overwritten, and a tag added to all three by add_tags.
    const csv = [
      'phone_number,name',
      `${existing[0]},Renamed 1`,
      `${existing[1]},Renamed 2`,
      `${existing[2]},Row 3`,
      ...numbered(5, 71_000_000),
    ].join('\n');
    const dryRun = await asking.call('import_contacts_csv', { csv, add_tags: ['expo'], dry_run: true });
    expect((dryRun.structuredContent as ImportOutput).existing_contacts).toEqual({
      changed: 3,
      names_overwritten: 2,
      tags_added: 3,
      complete: true,
    });
    expect(textOf(dryRun)).toMatch(
      /Existing contacts it would change: 3 \(2 names overwritten, 3 gaining tags\)\.[^]*will need the user's yes/,
    );
    expect(asking.elicitations).toEqual([]);

    answer = 'decline';
    const declined = await asking.call('import_contacts_csv', { csv, add_tags: ['expo'] });
    expect(declined.isError).toBe(true);
    expect(textOf(declined)).toMatch(
      /^Not done: the user declined to import "the csv text", changing 3 existing contacts \(overwrite the names of 2 and add tags to 3\)\. Nothing was changed\./,
    );
    expect(asking.elicitations).toHaveLength(1);
    expect(asking.elicitations[0]).toMatch(
      /^Import "the csv text": it would change 3 existing contacts \(overwrite the names of 2 and add tags to 3\)\. Go ahead\?$/,
    );
    expect(names()).toEqual(['Row 1', 'Row 2', 'Row 3']);
    expect(asking.sandbox.contacts()).toHaveLength(3);

    answer = 'accept';
    const accepted = await asking.call('import_contacts_csv', { csv, add_tags: ['expo'] });
    expect(accepted.structuredContent).toMatchObject({ created: 5, updated: 3 });
    expect(names()).toEqual(['Renamed 1', 'Renamed 2', 'Row 3']);
  });

  it('asks nothing when the changes are at or under the threshold, or only new contacts are created', async () => {
    const before = asking.elicitations.length;
    // The same rows again change nothing; two renames are at the threshold; new numbers change nothing.
    const rows = [
      'phone_number,name',
      `${existing[0]},Again 1`,
      `${existing[1]},Again 2`,
      `${existing[2]},Row 3`,
      ...numbered(10, 72_000_000),
    ];
    const result = await asking.call('import_contacts_csv', { csv: rows.join('\n') });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ created: 10, updated: 3 });
    expect(asking.elicitations).toHaveLength(before);
  });
});
