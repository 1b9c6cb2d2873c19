/**
 * Bad input and upstream failures, as an agent meets them: every one is an isError result that says
 * what happened and what to do next, and bad input never reaches the API.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requestMark, requestsSince, textOf } from '../support/context.js';
import { linkServer, startMemoryStack, type MemoryStack } from '../support/memory-stack.js';

let stack: MemoryStack;
let allowedDir: string;
let outsideDir: string;

beforeAll(async () => {
  allowedDir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-allowed-'));
  outsideDir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-outside-'));
  // Faults below are injected for every attempt (`times: Infinity`): retries cannot absorb them.
  stack = await startMemoryStack({
    vobiz: { timeoutMs: 1_000 },
    context: {
      import: {
        allowedDirs: [allowedDir],
        maxFileBytes: 100 << 20,
        maxInlineBytes: 5 << 20,
        chunkRows: 5_000,
      },
      confirm: { mode: 'auto', bulkThreshold: 50 },
    },
  });
});
afterEach(() => stack.sandbox.faults.clear());
afterAll(async () => {
  await stack?.close();
  await rm(allowedDir, { recursive: true, force: true });
  await rm(outsideDir, { recursive: true, force: true });
});

/** Calls a tool and asserts it failed with a message matching `pattern` without sending any request. */
async function expectRefusedLocally(name: string, args: Record<string, unknown>, pattern: RegExp) {
  const before = requestMark(stack.sandbox);
  const result = await stack.call(name, args);
  expect(result.isError, `${name} ${JSON.stringify(args).slice(0, 80)}`).toBe(true);
  expect(textOf(result)).toMatch(pattern);
  expect(requestsSince(stack.sandbox, before)).toEqual([]);
  return result;
}

describe('validation before any request is sent', () => {
  it('refuses phone numbers that are not E.164', async () => {
    for (const phone_number of ['9876543210', '+91 12', 'call me', '+0123456789', '']) {
      await expectRefusedLocally('create_contact', { phone_number, name: 'X' }, /phone_number|E\.164/);
    }
  });

  it('refuses an empty name and a missing one', async () => {
    await expectRefusedLocally(
      'create_contact',
      { phone_number: '+919812340000', name: '   ' },
      /\bname: name must not be empty/,
    );
    await expectRefusedLocally(
      'create_contact',
      { phone_number: '+919812340000' },
      /\bname: Invalid input: expected string, received undefined/,
    );
  });

  it('refuses ids that could change the route called', async () => {
    for (const id of [
      '../contacts',
      'a/b',
      '%2F..%2F',
      'x?limit=100',
      'a#b',
      'id\u0000',
      'ü',
      'x'.repeat(10_000),
      '',
    ]) {
      for (const tool of ['get_contact', 'delete_contact']) {
        await expectRefusedLocally(
          tool,
          { id },
          /\bid: id must be a contact id as returned by list_contacts/,
        );
      }
    }
  });

  it('refuses an update with nothing to change', async () => {
    const id = stack.sandbox.contacts()[0]!.id;
    await expectRefusedLocally('update_contact', { id }, /at least one of name, tags or custom_attributes/);
  });

  it('refuses out-of-range paging and prototype-polluting attributes', async () => {
    await expectRefusedLocally('list_contacts', { limit: 101 }, /limit/);
    await expectRefusedLocally('list_contacts', { page: 0 }, /page/);
    await expectRefusedLocally(
      'create_contact',
      { phone_number: '+919812340001', name: 'P', custom_attributes: { constructor: 'x' } },
      /constructor/,
    );
  });

  it('guards import_contacts_csv inputs', async () => {
    await expectRefusedLocally('import_contacts_csv', {}, /exactly one of file_path/);
    await expectRefusedLocally('import_contacts_csv', { csv: 'a', file_path: '/x.csv' }, /exactly one/);
    await expectRefusedLocally('import_contacts_csv', { file_path: 'contacts.csv' }, /absolute/);
    await expectRefusedLocally(
      'import_contacts_csv',
      { file_path: path.join(allowedDir, 'nope.csv') },
      /or there is no such file/,
    );

    const outside = path.join(outsideDir, 'secret.csv');
    await writeFile(outside, 'phone_number,name\n+919812340002,Leak\n');
    await expectRefusedLocally('import_contacts_csv', { file_path: outside }, /outside the directories/);

    // Whether a file exists outside the allowed directories is not told: the same words as for a file
    // that is nowhere. (`/etc/passwd` is refused by its name alone, which says nothing either.)
    const sameWords = async (filePath: string) =>
      textOf(await stack.call('import_contacts_csv', { file_path: filePath })).replace(filePath, 'PATH');
    const missingOutside = path.join(outsideDir, 'missing.csv');
    expect(await sameWords(outside)).toBe(await sameWords(missingOutside));
    expect(await sameWords(path.join(allowedDir, 'nope.csv'))).toBe(await sameWords(missingOutside));

    const link = path.join(allowedDir, 'innocent.csv');
    await symlink(outside, link);
    await expectRefusedLocally('import_contacts_csv', { file_path: link }, /outside the directories/);

    // Only .csv files, by name and by what a link points at: never a key or a dotfile quoted back.
    const notes = path.join(allowedDir, '.env');
    await writeFile(notes, 'API_KEY=abc\n');
    await expectRefusedLocally('import_contacts_csv', { file_path: notes }, /not a \.csv file/);
    const disguised = path.join(allowedDir, 'contacts.csv');
    await symlink(notes, disguised);
    const refused = await expectRefusedLocally(
      'import_contacts_csv',
      { file_path: disguised },
      /not a \.csv/,
    );
    expect(textOf(refused)).not.toContain('API_KEY');
  });
});

describe('upstream failures become isError results', () => {
  it('401: says to check the credentials by variable name, never by value', async () => {
    const { baseUrl, credentials } = stack.sandbox;
    const bad = await linkServer({
      baseUrl,
      credentials: { authId: credentials.authId, authToken: 'wrong-token-value-123' },
    });
    try {
      const result = await bad.call('list_contacts', {});
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN/);
      expect(textOf(result)).toMatch(/401/);
      expect(textOf(result)).not.toContain('wrong-token-value-123');
    } finally {
      await bad.close();
    }
  });

  it('404: not found, with how to find the id', async () => {
    const result = await stack.call('update_contact', { id: 'cnt_does_not_exist', name: 'X' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/404/);
    expect(textOf(result)).toMatch(/list_contacts/);
  });

  it('429: says how long to wait', async () => {
    // Longer than the server waits by itself: it answers at once, asking the model to wait.
    stack.sandbox.faults.inject({ fault: { kind: 'rate_limit', retryAfterSeconds: 120 }, times: Infinity });
    const result = await stack.call('list_contacts', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/rate limit/i);
    expect(textOf(result)).toMatch(/Wait 120 s/);
  });

  it('5xx on a create: looks the number up and says nothing was changed', async () => {
    stack.sandbox.faults.inject({
      fault: { kind: 'server_error', status: 500 },
      route: 'create',
      times: Infinity,
    });
    const result = await stack.call('create_contact', { phone_number: '+919812340004', name: 'Maybe' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/500/);
    expect(textOf(result)).toMatch(/had not been applied: nothing was changed/);
  });

  it('an HTML page from a proxy: no crash, a clear message', async () => {
    stack.sandbox.faults.inject({ fault: { kind: 'html', status: 502 }, times: Infinity });
    const result = await stack.call('get_contact', { id: stack.sandbox.contacts()[0]!.id });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/502/);
    expect(textOf(result)).toMatch(/not the API's JSON/);
    expect(textOf(result)).not.toMatch(/<html|<body/i);
  });

  it('a malformed success body: no crash, a clear message', async () => {
    stack.sandbox.faults.inject({ fault: { kind: 'malformed_body', status: 200 }, times: Infinity });
    const result = await stack.call('list_contacts', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/not the expected JSON/);
  });

  it('a timeout: ends in a clear error after VOBIZ_TIMEOUT_MS', async () => {
    stack.sandbox.faults.inject({ fault: { kind: 'latency', ms: 2_000 }, times: Infinity });
    const result = await stack.call('list_contacts', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/did not answer in time/);
    expect(textOf(result)).toMatch(/VOBIZ_TIMEOUT_MS/);
  });

  it('a dropped connection: says the connection failed', async () => {
    stack.sandbox.faults.inject({ fault: { kind: 'drop_connection' }, times: Infinity });
    const result = await stack.call('list_contacts', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/Could not reach the Vobiz API/);
  });

  it('keeps serving after every failure', async () => {
    const result = await stack.call('list_contacts', { limit: 1 });
    expect(result.isError).toBeFalsy();
    expect(stack.protocolErrors).toEqual([]);
  });
});
