import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { ImportSummarySchema, type ImportSummary } from '../../src/vobiz/schemas.js';
import { waitFor } from '../support/context.js';
import { api, csvForm, expectError, useSandboxes } from './helpers.js';

async function importCsv(sandbox: Sandbox, csv: string | Uint8Array): Promise<ImportSummary> {
  const response = await api(sandbox, 'POST', '/contacts/import', { body: csvForm(csv) });
  expect(response.status, response.text).toBe(200);
  return ImportSummarySchema.parse(response.json);
}

function byPhone(sandbox: Sandbox, phone: string) {
  return sandbox.contacts().find((contact) => contact.phone_number === phone);
}

describe('sandbox import', () => {
  const start = useSandboxes();

  it('imports a messy real-world file: BOM, CRLF, quoted commas and newlines, good and bad rows', async () => {
    const sandbox = await start(); // seeded: +919876543210 Rahul Sharma [vip, enterprise] exists
    const csv =
      '\uFEFF phone_number , name ,tags\r\n' +
      '+14155550100,"Doe, Jane","vip,newsletter"\r\n' + // 1 created, comma inside quotes
      '+14155550101,"Line\r\nBreak Ltd",b2b\r\n' + // 2 created, newline inside quotes
      '98765,Bad Phone,\r\n' + // 3 failed
      '+14155550102,,vip\r\n' + // 4 failed: empty name
      '+919876543210,Rahul S.,"newsletter, vip"\r\n' + // 5 updated: name overwritten, tags merged
      '+14155550103,Semi Colon,a;b\r\n' + // 6 created, `;` is not special
      '\r\n' + // blank line: skipped, not counted
      '+14155550100,Jane Doe,trial\r\n' + // 7 updated: same phone earlier in this file
      '+14155550104,"Say ""hi""",\r\n'; // 8 created, escaped quotes
    const summary = await importCsv(sandbox, csv);

    expect(summary).toEqual({
      total: 8,
      created: 4,
      updated: 2,
      failed: 2,
      errors: [
        {
          row: 3,
          phone_number: '98765',
          reason: expect.stringMatching(/^invalid phone_number: must be E\.164 format/) as string,
        },
        { row: 4, phone_number: '+14155550102', reason: 'name is required' },
      ],
    });
    expect(byPhone(sandbox, '+14155550100')).toMatchObject({
      name: 'Jane Doe',
      tags: ['vip', 'newsletter', 'trial'],
    });
    expect(byPhone(sandbox, '+14155550101')?.name).toBe('Line\r\nBreak Ltd');
    expect(byPhone(sandbox, '+14155550103')?.tags).toEqual(['a;b']);
    expect(byPhone(sandbox, '+14155550104')?.name).toBe('Say "hi"');
    expect(byPhone(sandbox, '+14155550102')).toBeUndefined();
    const rahul = byPhone(sandbox, '+919876543210');
    expect(rahul).toMatchObject({ name: 'Rahul S.', tags: ['vip', 'enterprise', 'newsletter'] });
    expect(rahul?.custom_attributes).toEqual({ city: 'Mumbai', plan: 'enterprise' });
    expect(Date.parse(rahul?.updated_at ?? '')).toBeGreaterThan(Date.parse(rahul?.created_at ?? ''));
  });

  it('reads LF-only files without a tags column, ignoring unknown columns', async () => {
    const sandbox = await start({ seed: false });
    const summary = await importCsv(sandbox, 'email,name,phone_number\nana@example.com,Ana,+5511912345678\n');
    expect(summary).toMatchObject({ total: 1, created: 1, failed: 0 });
    expect(sandbox.contacts()[0]).toMatchObject({ name: 'Ana', phone_number: '+5511912345678', tags: [] });
  });

  it('fails single rows for too many tags, too-long fields and stray commas', async () => {
    const sandbox = await start({ seed: false });
    const manyTags = Array.from({ length: 101 }, (_, index) => `t${index}`).join(',');
    const csv = [
      'phone_number,name,tags',
      `+4915100000001,Many Tags,"${manyTags}"`,
      `+4915100000002,${'n'.repeat(257)},`,
      '+4915100000003,Unquoted,vip,enterprise',
      '+4915100000004,Fine,ok',
    ].join('\n');
    const summary = await importCsv(sandbox, csv);
    expect(summary).toMatchObject({ total: 4, created: 1, failed: 3 });
    expect(summary.errors.map((error) => [error.row, error.phone_number])).toEqual([
      [1, '+4915100000001'],
      [2, '+4915100000002'],
      [3, '+4915100000003'],
    ]);
    expect(summary.errors[0]?.reason).toMatch(/too many tags: 101/);
    expect(summary.errors[1]?.reason).toMatch(/name must be at most 256 characters/);
    expect(summary.errors[2]?.reason).toMatch(/4 cells but the header has 3/);
    expect(sandbox.contacts().map((contact) => contact.name)).toEqual(['Fine']);
  });

  it('refuses a file without the required headers, naming the ones it found', async () => {
    const sandbox = await start({ seed: false });
    const missingName = await api(sandbox, 'POST', '/contacts/import', {
      body: csvForm('phone_number,full_name\n+14155550100,Jane\n'),
    });
    const body = expectError(missingName, 422, 'VALIDATION_ERROR');
    expect(body.error.message).toMatch(/missing: name; found: phone_number, full_name/);
    expect(body.error.details).toMatchObject({ missing: ['name'], found: ['phone_number', 'full_name'] });

    // Semicolons are not separators: the whole line is one header.
    const semicolons = await api(sandbox, 'POST', '/contacts/import', {
      body: csvForm('phone_number;name\n+14155550100;Jane\n'),
    });
    const semicolonError = expectError(semicolons, 422, 'VALIDATION_ERROR').error;
    expect(semicolonError.details.found).toEqual(['phone_number;name']);
    expect(semicolonError.message).toMatch(/must be comma-separated/);
    expectError(
      await api(sandbox, 'POST', '/contacts/import', { body: csvForm('') }),
      422,
      'VALIDATION_ERROR',
    );
    expect(sandbox.contacts()).toHaveLength(0);
  });

  it('answers 422 with the parser reason and line for a file that is not valid CSV', async () => {
    const sandbox = await start({ seed: false });
    const csv = 'phone_number,name\n+14155550100,Jane\n+14155550101,Jo "Jr" Doe\n+14155550102,Joe\n';
    const response = await api(sandbox, 'POST', '/contacts/import', { body: csvForm(csv) });
    const body = expectError(response, 422, 'VALIDATION_ERROR');
    expect(body.error.message).toMatch(/not valid CSV: Invalid Opening Quote.*line 3/);
    expect(body.error.details).toMatchObject({ line: 3, applied: { total: 1, created: 1 } });
    expect(body.error.details.errors).toEqual([
      expect.objectContaining({ field: 'file', code: 'INVALID_OPENING_QUOTE' }),
    ]);
    // The import streams: the row before the error stays imported, none after it (IMPORT_IS_ATOMIC).
    expect(sandbox.contacts().map((contact) => contact.name)).toEqual(['Jane']);

    const unclosed = await api(sandbox, 'POST', '/contacts/import', {
      body: csvForm('phone_number,name\n+14155550103,"Unclosed\n+14155550104,Joe\n'),
    });
    expect(expectError(unclosed, 422, 'VALIDATION_ERROR').error.details).toMatchObject({
      reason: expect.stringMatching(/Quote Not Closed/),
      line: expect.any(Number),
    });
  });

  it('answers 415 for a body that is not multipart, and 400 without a file part', async () => {
    const sandbox = await start({ seed: false });
    const json = await api(sandbox, 'POST', '/contacts/import', { body: { file: 'phone_number,name' } });
    expectError(json, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const raw = await api(sandbox, 'POST', '/contacts/import', {
      body: 'phone_number,name\n+14155550100,Jane\n',
      headers: { 'content-type': 'text/csv' },
    });
    expectError(raw, 415, 'UNSUPPORTED_MEDIA_TYPE');

    const otherField = await api(sandbox, 'POST', '/contacts/import', {
      body: csvForm('phone_number,name\n', 'csv'),
    });
    expect(expectError(otherField, 400, 'BAD_REQUEST').error.message).toMatch(/no file field/);
    const asText = new FormData();
    asText.append('file', 'phone_number,name\n+14155550100,Jane\n');
    const textField = await api(sandbox, 'POST', '/contacts/import', { body: asText });
    expect(expectError(textField, 400, 'BAD_REQUEST').error.message).toMatch(/must be a file upload/);
    const noBoundary = await api(sandbox, 'POST', '/contacts/import', {
      body: 'x',
      headers: { 'content-type': 'multipart/form-data' },
    });
    expectError(noBoundary, 400, 'BAD_REQUEST');
    const truncated = await api(sandbox, 'POST', '/contacts/import', {
      body: '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nphone_number,name\n+1415',
      headers: { 'content-type': 'multipart/form-data; boundary=XYZ' },
    });
    expectError(truncated, 400, 'BAD_REQUEST');
    expect(sandbox.contacts()).toHaveLength(0);
    // The connection survived all of it.
    expect((await api(sandbox, 'GET', '/contacts')).status).toBe(200);
  });

  it('streams a large file correctly across chunk boundaries', async () => {
    const sandbox = await start({ seed: false });
    const rows = 20_000;
    const lines = ['phone_number,name,tags'];
    for (let index = 0; index < rows; index += 1) {
      lines.push(
        `+4477009${String(index).padStart(5, '0')},"Customer ${index}, Ltd","bulk,batch-${index % 7}"`,
      );
    }
    const summary = await importCsv(sandbox, lines.join('\r\n'));
    expect(summary).toEqual({ total: rows, created: rows, updated: 0, failed: 0, errors: [] });
    const contacts = sandbox.contacts();
    expect(contacts).toHaveLength(rows);
    expect(contacts[12_345]).toMatchObject({ name: 'Customer 12345, Ltd', tags: ['bulk', 'batch-4'] });
  });

  it('keeps serving after a client gives up halfway through an upload', async () => {
    const sandbox = await start({ seed: false });
    const { hostname, port, pathname } = new URL(`${sandbox.baseUrl}/contacts/import`);
    const socket = connect(Number(port), hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      [
        `POST ${pathname} HTTP/1.1`,
        `Host: ${hostname}:${port}`,
        `X-Auth-ID: ${sandbox.credentials.authId}`,
        `X-Auth-Token: ${sandbox.credentials.authToken}`,
        'Content-Type: multipart/form-data; boundary=XYZ',
        'Content-Length: 100000',
        '',
        '--XYZ',
        'Content-Disposition: form-data; name="file"; filename="a.csv"',
        '',
        'phone_number,name',
        '+14155550100,Half Way',
        '+1415',
      ].join('\r\n'),
    );
    await waitFor(() => sandbox.requestCount() === 1, 'the upload to arrive');
    socket.destroy();
    await sandbox.idle(); // the sandbox has seen the client go and finished with the upload

    expect(sandbox.requestLog.at(-1)).toMatchObject({ route: 'import', status: 0 });
    // The complete row that arrived was applied; the sandbox answers the next request normally.
    expect(sandbox.contacts().map((contact) => contact.name)).toEqual(['Half Way']);
    expect(await importCsv(sandbox, 'phone_number,name\n+14155550101,Next\n')).toMatchObject({ created: 1 });
  });
});
