/**
 * Importing the files people actually have: exports of Shopify, HubSpot, Google Contacts and Outlook,
 * and an Excel "CSV (semicolon)" file with a BOM and CRLF line ends — generated here, no real personal
 * data. Contacts must land with the right numbers, names, tags and attributes, and the row numbers in
 * errors must point at the user's file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOutOf, textOf } from '../support/context.js';
import { startMemoryStack, type MemoryStack } from '../support/memory-stack.js';

let stack: MemoryStack;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-exports-'));
  stack = await startMemoryStack({
    sandbox: { seed: false },
    context: { import: { allowedDirs: [dir], maxFileBytes: 1 << 20, maxInlineBytes: 1 << 20, chunkRows: 3 } },
  });
});
afterAll(async () => {
  await stack?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A CSV line: cells quoted where they must be, as spreadsheets write them. */
const line = (cells: string[], delimiter = ',') =>
  cells.map((cell) => (/[",;\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(delimiter);

async function importFile(name: string, content: string, args: Record<string, unknown> = {}) {
  const file_path = path.join(dir, name);
  await writeFile(file_path, content);
  const result = await stack.call('import_contacts_csv', { file_path, ...args });
  return { result, out: importOutOf(result.structuredContent) };
}

const stored = (phone: string) => stack.sandbox.contacts().find((c) => c.phone_number === phone);

describe('Shopify customers export', () => {
  const header = [
    'First Name',
    'Last Name',
    'Email',
    'Accepts Email Marketing',
    'Default Address Company',
    'Default Address City',
    'Default Address Country Code',
    'Default Address Phone',
    'Phone',
    'Accepts SMS Marketing',
    'Total Spent',
    'Total Orders',
    'Note',
    'Tax Exempt',
    'Tags',
  ];
  const row = (first: string, last: string, phone: string, addressPhone: string, tags: string) =>
    line([
      first,
      last,
      `${first.toLowerCase()}@example.com`,
      'yes',
      '',
      'Mumbai',
      'IN',
      addressPhone,
      phone,
      'yes',
      '120.00',
      '3',
      '',
      'no',
      tags,
    ]);
  const csv = [
    line(header),
    row('Asha', 'Rao', '+919810000001', '', 'vip, newsletter'),
    row('Kabir', 'Khan', '', '+919810000002', 'newsletter'), // no Phone: the address phone is used
    row('Meera', 'Das', 'not a number', '', ''), // row 3: refused, by its row number
    row('Dev', 'Iyer', '+91 98100 00004', '', ''),
  ].join('\n');

  it('is recognised: phone (else the address phone), first + last name, tags', async () => {
    const dry = await importFile('shopify.csv', csv, { dry_run: true });
    expect(dry.out).toMatchObject({
      dry_run: true,
      total: 4,
      valid: 3,
      columns: {
        phone_number: ['Phone', 'Default Address Phone'],
        name: ['First Name', 'Last Name'],
        tags: ['Tags'],
      },
    });
    expect(textOf(dry.result)).toMatch(
      /^Columns: phone_number ← "Phone", else "Default Address Phone"; name ← "First Name" \+ "Last Name"; tags ← "Tags"$/m,
    );
    expect(textOf(dry.result)).toMatch(/^Row 1 as sent: \+919810000001 "Asha Rao" tags vip,newsletter$/m);

    const { result, out } = await importFile('shopify.csv', csv, { add_tags: ['expo-2026'] });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(out).toMatchObject({
      total: 4,
      created: 3,
      failed: 1,
      errors: [expect.objectContaining({ row: 3 })],
    });
    expect(stored('+919810000001')).toMatchObject({
      name: 'Asha Rao',
      tags: ['vip', 'newsletter', 'expo-2026'],
    });
    expect(stored('+919810000002')).toMatchObject({ name: 'Kabir Khan', tags: ['newsletter', 'expo-2026'] });
    expect(stored('+919810000004')).toMatchObject({ name: 'Dev Iyer', tags: ['expo-2026'] });
  });
});

describe('HubSpot contacts export', () => {
  const header = [
    'Record ID',
    'First Name',
    'Last Name',
    'Email',
    'Phone Number',
    'Mobile Phone Number',
    'Lifecycle Stage',
    'City',
    'Create Date',
  ];
  const csv = [
    line(header),
    line([
      '101',
      'Lena',
      'Park',
      'lena@example.com',
      '+1 (415) 555-0101',
      '',
      'Lead',
      'San Francisco',
      '2026-01-02',
    ]),
    line([
      '102',
      'Omar',
      'Haddad',
      'omar@example.com',
      '',
      '+44 7700 900102',
      'Customer',
      'London',
      '2026-01-03',
    ]),
    line(['103', 'Ines', 'Costa', 'ines@example.com', '+14155550103', '', '', 'Lisbon', '2026-01-04']),
  ].join('\r\n');

  it('keeps the chosen columns as custom attributes, written after the upload', async () => {
    const dry = await importFile('hubspot.csv', csv, {
      dry_run: true,
      attributes_from: ['City', 'Lifecycle Stage'],
    });
    expect(dry.out).toMatchObject({
      columns: {
        phone_number: ['Phone Number', 'Mobile Phone Number'],
        name: ['First Name', 'Last Name'],
        attributes: { City: 'city', 'Lifecycle Stage': 'lifecycle_stage' },
      },
      attribute_requests: expect.any(Number),
      sample: [
        expect.objectContaining({ attributes: { lifecycle_stage: 'Lead', city: 'San Francisco' } }),
        expect.anything(),
        expect.anything(),
      ],
    });
    expect(textOf(dry.result)).toMatch(
      /Writing the attributes after the upload would take about \d+ more requests/,
    );

    const { result, out } = await importFile('hubspot.csv', csv, {
      attributes_from: 'City, Lifecycle Stage',
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(out).toMatchObject({ created: 3, failed: 0, attributes_written: 3, attributes_failed: 0 });
    expect(stored('+14155550101')).toMatchObject({
      name: 'Lena Park',
      custom_attributes: { city: 'San Francisco', lifecycle_stage: 'Lead' },
    });
    expect(stored('+447700900102')).toMatchObject({
      custom_attributes: { city: 'London', lifecycle_stage: 'Customer' },
    });
    expect(stored('+14155550103')).toMatchObject({ custom_attributes: { city: 'Lisbon' } });

    // Run again: nothing left to write, so nothing is written; the attributes a contact had stay.
    await stack.call('update_contact', {
      id: stored('+14155550103')!.id,
      custom_attributes: { city: 'Lisbon', plan: 'pro' },
    });
    const again = await importFile('hubspot.csv', csv, { attributes_from: ['City'] });
    expect(again.out).toMatchObject({ updated: 3, attributes_written: 0, attributes_unchanged: 3 });
    expect(stored('+14155550103')!.custom_attributes).toEqual({ city: 'Lisbon', plan: 'pro' });
  });
});

describe('Google Contacts export', () => {
  const header = [
    'First Name',
    'Middle Name',
    'Last Name',
    'Nickname',
    'E-mail 1 - Label',
    'E-mail 1 - Value',
    'Phone 1 - Label',
    'Phone 1 - Value',
    'Phone 2 - Label',
    'Phone 2 - Value',
    'Labels',
  ];
  const csv = [
    line(header),
    line([
      'Ravi',
      'K',
      'Menon',
      '',
      '* Home',
      'ravi@example.com',
      'Mobile',
      '+91 98200 00001 ::: +91 98200 00009',
      '',
      '',
      '* myContacts ::: Expo 2026 ::: Friends',
    ]),
    line(['Sara', '', 'Bose', '', '', '', '', '', 'Work', '+91 98200 00002', '* starred ::: Expo 2026']),
  ].join('\n');

  it('takes the first number of a multi-number cell, drops system labels, reads ::: as a list', async () => {
    const { result } = await importFile('google.csv', csv);
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(stored('+919820000001')).toMatchObject({ name: 'Ravi K Menon', tags: ['Expo 2026', 'Friends'] });
    expect(stored('+919820000009')).toBeUndefined();
    expect(stored('+919820000002')).toMatchObject({ name: 'Sara Bose', tags: ['Expo 2026'] });
  });
});

describe('Outlook export', () => {
  const header = [
    'First Name',
    'Middle Name',
    'Last Name',
    'E-mail Address',
    'Home Phone',
    'Business Phone',
    'Mobile Phone',
    'Primary Phone',
    'Categories',
  ];
  const csv = [
    line(header),
    line(['Tom', '', 'Reid', 'tom@example.com', '+442071000001', '', '+447700900201', '', 'Expo;Customers']),
    line(['Ana', '', 'Silva', 'ana@example.com', '', '+442071000002', '', '', 'Expo']),
  ].join('\r\n');

  it('prefers the mobile, else another phone, and reads ; between categories', async () => {
    const { result, out } = await importFile('outlook.csv', csv);
    expect(result.isError, textOf(result)).toBeFalsy();
    expect((out['columns'] as { phone_number: string[] }).phone_number[0]).toBe('Mobile Phone');
    expect(stored('+447700900201')).toMatchObject({ name: 'Tom Reid', tags: ['Expo', 'Customers'] });
    expect(stored('+442071000002')).toMatchObject({ name: 'Ana Silva', tags: ['Expo'] });
  });
});

describe('Excel "CSV (semicolon)" with a BOM and CRLF', () => {
  it('detects the separator and reads the local numbers with default_country', async () => {
    const csv = `\uFEFF${['Name;Mobile;Tags', 'Priya Nair;098450 00001;"vip,expo"', ';;', 'Arjun Rao;;expo', 'Divya Pillai;09845000003;'].join('\r\n')}\r\n`;
    const { result, out } = await importFile('excel.csv', csv, { default_country: 'IN' });
    expect(result.isError, textOf(result)).toBeFalsy();
    // The blank `;;` line is no row (as the API counts data rows): Arjun is data row 2, refused for want of a number.
    expect(out).toMatchObject({ total: 3, created: 2, failed: 1, phone_numbers_normalised: 2 });
    expect(out['errors']).toEqual([expect.objectContaining({ row: 2, reason: 'phone_number is empty' })]);
    expect(stored('+919845000001')).toMatchObject({ name: 'Priya Nair', tags: ['vip', 'expo'] });
    expect(stored('+919845000003')).toMatchObject({ name: 'Divya Pillai' });
  });
});

describe('columns the server cannot tell apart', () => {
  const csv = ['Name,Home Phone,Business Phone', 'Zoe Lam,+442071000301,+442071000302'].join('\n');

  it('is refused with the candidates named, and imports once columns says which', async () => {
    const refused = await importFile('ambiguous.csv', csv);
    expect(refused.result.isError).toBe(true);
    expect(textOf(refused.result)).toMatch(
      /several phone columns and none is clearly the one: "Home Phone", "Business Phone"\. Pass columns/,
    );
    expect(stack.sandbox.contacts().some((c) => c.name === 'Zoe Lam')).toBe(false);

    const { result } = await importFile('ambiguous.csv', csv, {
      columns: { phone_number: 'business phone' },
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(stored('+442071000302')).toMatchObject({ name: 'Zoe Lam' });
  });

  it('a column named in columns that the file lacks is refused with the columns it has', async () => {
    const { result } = await importFile('ambiguous.csv', csv, { columns: { phone_number: 'Cell' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /has no column "Cell" for phone_number\. Its columns: "Name", "Home Phone", "Business Phone"/,
    );
  });
});
