import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import { StatePersister } from '../../src/sandbox/persist.js';
import { ContactBodySchema, toContact } from '../../src/vobiz/schemas.js';
import { api, csvForm, useSandboxes } from './helpers.js';

describe('sandbox persistence', () => {
  const start = useSandboxes();
  let dir: string;
  let statePath: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vobiz-sandbox-'));
    statePath = path.join(dir, 'contacts.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('brings the same contacts back after a restart, and writes valid JSON with no temp files left', async () => {
    const first = await start({ persistPath: statePath });
    const created = await api(first, 'POST', '/contacts', {
      body: {
        phone_number: '+919800000001',
        name: 'Saved Person',
        tags: ['kept'],
        custom_attributes: { n: 1 },
      },
    });
    const saved = toContact(ContactBodySchema.parse(created.json));
    const [seeded] = first.contacts();
    expect((await api(first, 'DELETE', `/contacts/${seeded?.id}`)).status).toBe(204);
    const before = first.contacts();
    await first.close();

    const file = JSON.parse(await readFile(statePath, 'utf8')) as { contacts: unknown[] };
    expect(file.contacts).toHaveLength(before.length);
    expect(await readdir(dir)).toEqual(['contacts.json']);

    // `seed` is ignored when there is a saved state: nothing is seeded twice.
    const second = await start({ persistPath: statePath, seed: true });
    expect(second.contacts()).toEqual(before);
    const fetched = await api(second, 'GET', `/contacts/${saved.id}`);
    expect(toContact(ContactBodySchema.parse(fetched.json))).toEqual(saved);
  });

  it('keeps its tokens across restarts, so a client configured with them still gets in', async () => {
    const first = await start({ persistPath: statePath });
    const { authToken, bearerToken } = first.credentials;
    await first.close();
    expect((await stat(statePath)).mode & 0o777).toBe(0o600);

    const second = await start({ persistPath: statePath });
    expect(second.credentials).toMatchObject({ authToken, bearerToken });
    const old = { 'x-auth-id': second.credentials.authId, 'x-auth-token': authToken };
    expect((await api(second, 'GET', '/contacts?limit=1', { auth: false, headers: old })).status).toBe(200);
    await second.close();

    // A token given at start wins, and is the one kept from then on.
    const third = await start({ persistPath: statePath, authToken: 'chosen-token' });
    expect(third.credentials.authToken).toBe('chosen-token');
    await third.close();
    expect((await start({ persistPath: statePath })).credentials.authToken).toBe('chosen-token');
  });

  it('gives a state file saved without tokens (an older sandbox) tokens, and keeps them from then on', async () => {
    await writeFile(statePath, JSON.stringify({ version: 1, contacts: [] }));
    const first = await start({ persistPath: statePath });
    const { authToken } = first.credentials;
    await first.close();
    expect((await start({ persistPath: statePath })).credentials.authToken).toBe(authToken);
  });

  it('saves the seeded state at start, before any change', async () => {
    const sandbox = await start({ persistPath: statePath });
    await sandbox.close();
    const file = JSON.parse(await readFile(statePath, 'utf8')) as { contacts: { name: string }[] };
    expect(file.contacts.map((contact) => contact.name)).toEqual(
      sandbox.contacts().map((contact) => contact.name),
    );
  });

  it('keeps every change of a burst of concurrent requests and a large import', async () => {
    const sandbox = await start({ persistPath: statePath, seed: false });
    const creates = Array.from({ length: 30 }, (_, index) =>
      api(sandbox, 'POST', '/contacts', {
        body: { phone_number: `+4930000000${String(index).padStart(2, '0')}`, name: `Burst ${index}` },
      }),
    );
    expect((await Promise.all(creates)).map((response) => response.status)).toEqual(Array(30).fill(201));
    const rows = Array.from(
      { length: 2000 },
      (_, index) => `+4940000${String(index).padStart(5, '0')},Row ${index}`,
    );
    const imported = await api(sandbox, 'POST', '/contacts/import', {
      body: csvForm(['phone_number,name', ...rows].join('\n')),
    });
    expect(imported.status).toBe(200);
    await sandbox.close();

    const reopened = await start({ persistPath: statePath });
    expect(reopened.contacts()).toHaveLength(2030);
    expect(await readdir(dir)).toEqual(['contacts.json']);
  });

  it('refuses to start over a corrupt state file rather than overwrite it', async () => {
    await writeFile(statePath, '{"version":1,"contacts":[{"id":');
    await expect(startSandbox({ persistPath: statePath })).rejects.toThrow(/not valid JSON/);
    await writeFile(statePath, '{"hello":"world"}');
    await expect(startSandbox({ persistPath: statePath })).rejects.toThrow(/does not hold sandbox contacts/);
    expect(await readFile(statePath, 'utf8')).toBe('{"hello":"world"}');
  });

  it('coalesces writes: changes made during a write lead to one more write of the latest state', async () => {
    let state = 0;
    let serialized = 0;
    const persister = new StatePersister(statePath, () => {
      serialized += 1;
      return JSON.stringify({ state });
    });
    for (state = 1; state <= 100; state += 1) persister.schedule();
    state = 100;
    persister.schedule();
    await persister.flush();
    expect(serialized).toBe(2);
    expect(JSON.parse(await readFile(statePath, 'utf8'))).toEqual({ state: 100 });
    expect(await readdir(dir)).toEqual(['contacts.json']);
  });

  it('fails to start when the state file cannot be written, saying why', async () => {
    const report = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const unwritable = path.join(dir, 'missing-dir', 'contacts.json');
      await expect(startSandbox({ persistPath: unwritable })).rejects.toMatchObject({ code: 'ENOENT' });
      expect(report).toHaveBeenCalledWith(expect.stringContaining(unwritable), expect.anything());
    } finally {
      report.mockRestore();
    }
  });
});
