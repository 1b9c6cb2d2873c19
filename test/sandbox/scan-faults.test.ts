/**
 * The faults a scan and an import must see through (issue 22): pages that do not add up, contacts
 * deleted mid-scan, a stale search index, answers that claim more than happened.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_AUTH_ID, generateContacts, type Sandbox } from '../../src/sandbox/index.js';
import { ImportSummarySchema } from '../../src/vobiz/schemas.js';
import { api, ContactPageSchema, ContactSchema, csvForm, useSandboxes } from './helpers.js';

const ACCOUNT = generateContacts(250, { accountId: DEFAULT_SANDBOX_AUTH_ID, seed: 7 });
const IDS = ACCOUNT.map((contact) => contact.id);

async function page(sandbox: Sandbox, query: string) {
  const response = await api(sandbox, 'GET', `/contacts?${query}`);
  expect(response.status, response.text).toBe(200);
  const parsed = ContactPageSchema.parse(response.json);
  // The raw body too: what the page says of itself is what these faults change.
  const raw = response.json as { limit: number; has_more: boolean; total: number };
  return { ...parsed, raw, ids: parsed.items.map((contact) => contact.id) };
}

describe('sandbox scan faults', () => {
  const start = useSandboxes();
  const startBig = () => start({ contacts: ACCOUNT });

  it('premature_end: a page says it is the last while total says more follow', async () => {
    const sandbox = await startBig();
    sandbox.faults.inject({ fault: { kind: 'premature_end' } });
    const first = await page(sandbox, 'limit=100');
    expect(first.raw).toMatchObject({ has_more: false, total: 250, limit: 100 });
    expect(first.ids).toEqual(IDS.slice(0, 100));
    // Only that page: the next is honest again.
    expect((await page(sandbox, 'limit=100&page=2')).raw.has_more).toBe(true);
  });

  it('concurrent_delete: contacts deleted before a given page shift the later ones up', async () => {
    const sandbox = await startBig();
    sandbox.faults.inject({ fault: { kind: 'concurrent_delete', count: 5 }, page: 2 });
    // Page 3 comes first (as side-by-side reads may): the rule waits for page 2.
    expect((await page(sandbox, 'limit=100&page=3')).ids).toEqual(IDS.slice(200));
    expect(sandbox.faults.pending).toBe(1);
    const second = await page(sandbox, 'limit=100&page=2');
    // The first five went; page 2 starts five further on, so a page-by-page reader skips IDS[100..104].
    expect(second.raw.total).toBe(245);
    expect(second.ids).toEqual(IDS.slice(105, 205));
    expect(sandbox.contacts().map((contact) => contact.id)).toEqual(IDS.slice(5));
  });

  it('concurrent_delete deletes the first contacts the query matches, in list order', async () => {
    const sandbox = await startBig();
    const trial = ACCOUNT.filter((contact) => contact.tags.includes('trial')).map((contact) => contact.id);
    expect(trial.length).toBeGreaterThan(10);
    sandbox.faults.inject({ fault: { kind: 'concurrent_delete', count: 3 } });
    const answered = await page(sandbox, 'tag=trial&limit=5');
    expect(answered.ids).toEqual(trial.slice(3, 8));
    expect(sandbox.contacts()).toHaveLength(247);
    expect(sandbox.contacts().some((contact) => trial.slice(0, 3).includes(contact.id))).toBe(false);
  });

  it("short_page 'served': the API pages by a smaller size and says so", async () => {
    const sandbox = await startBig();
    sandbox.faults.inject({ fault: { kind: 'short_page', items: 40 }, times: Infinity });
    const first = await page(sandbox, 'limit=100');
    expect(first.raw).toMatchObject({ limit: 40, total: 250, has_more: true });
    expect(first.ids).toEqual(IDS.slice(0, 40));
    // Pages are 40 apart: a client that counts 250 ÷ 100 = 3 pages reads 120 contacts.
    expect((await page(sandbox, 'limit=100&page=3')).ids).toEqual(IDS.slice(80, 120));
    const last = await page(sandbox, 'limit=100&page=7');
    expect(last.ids).toEqual(IDS.slice(240));
    expect(last.raw.has_more).toBe(false);
    // A smaller asked limit is served as asked.
    expect((await page(sandbox, 'limit=10')).raw.limit).toBe(10);
  });

  it("short_page 'asked': a page cut short while it echoes the asked limit", async () => {
    const sandbox = await startBig();
    sandbox.faults.inject({ fault: { kind: 'short_page', items: 40, limit: 'asked' }, times: 2 });
    const first = await page(sandbox, 'limit=100');
    expect(first.raw).toMatchObject({ limit: 100, total: 250, has_more: true });
    expect(first.ids).toEqual(IDS.slice(0, 40));
    // The next page starts at 100: contacts 40–99 were never answered.
    expect((await page(sandbox, 'limit=100&page=2')).ids).toEqual(IDS.slice(100, 140));
  });

  it('list faults serve list requests only, and refuse rules that could never apply', async () => {
    const sandbox = await start();
    sandbox.faults.inject({ fault: { kind: 'premature_end' } });
    const created = await api(sandbox, 'POST', '/contacts', {
      body: { phone_number: '+14155550142', name: 'X' },
    });
    expect(created.status).toBe(201);
    expect(sandbox.faults.pending).toBe(1);
    const inject = sandbox.faults.inject.bind(sandbox.faults);
    expect(() => inject({ fault: { kind: 'short_page', items: 5 }, route: 'get' })).toThrow(RangeError);
    expect(() => inject({ fault: { kind: 'short_page', items: 0 } })).toThrow(RangeError);
    expect(() => inject({ fault: { kind: 'concurrent_delete', count: 1.5 } })).toThrow(RangeError);
    expect(() => inject({ fault: { kind: 'short_summary', rows: 1 }, route: 'list' })).toThrow(RangeError);
    expect(() => inject({ fault: { kind: 'server_error' }, route: 'create', page: 2 })).toThrow(RangeError);
    expect(() => inject({ fault: { kind: 'server_error' }, page: 0 })).toThrow(RangeError);
    expect(sandbox.faults.pending).toBe(1);
  });

  it('a page rule matches only list requests for that page', async () => {
    const sandbox = await startBig();
    sandbox.faults.inject({ fault: { kind: 'server_error', status: 503 }, page: 1 });
    expect((await api(sandbox, 'GET', `/contacts/${IDS[0]}`)).status).toBe(200);
    expect((await api(sandbox, 'GET', '/contacts?page=2')).status).toBe(200);
    expect((await api(sandbox, 'GET', '/contacts')).status).toBe(503); // no page parameter: page 1
  });

  it('a stale search index answers filtered lists from the contacts as they were', async () => {
    const sandbox = await start();
    const vips = sandbox.contacts().filter((contact) => contact.tags.includes('vip'));
    const [demoted, deleted] = vips;
    expect(vips.length).toBeGreaterThan(2);
    sandbox.freezeSearchIndex({ requests: 2 });

    const changed = await api(sandbox, 'PUT', `/contacts/${demoted?.id}`, {
      body: { tags: [], name: 'Renamed' },
    });
    expect(changed.status).toBe(200);
    expect((await api(sandbox, 'DELETE', `/contacts/${deleted?.id}`)).status).toBe(204);
    const newcomer = { phone_number: '+14155550199', name: 'New VIP', tags: ['vip'] };
    expect((await api(sandbox, 'POST', '/contacts', { body: newcomer })).status).toBe(201);

    // Filtered: the old membership and the old contacts, twice.
    for (const query of ['tag=vip', 'search=Renamed']) {
      const stale = await page(sandbox, query);
      if (query === 'tag=vip') {
        expect(stale.ids).toEqual(vips.map((contact) => contact.id));
        expect(stale.items[0]).toMatchObject({ name: demoted?.name, tags: demoted?.tags });
      } else {
        expect(stale.total).toBe(0); // the index does not know the new name yet
      }
    }
    // Unfiltered lists read the contacts themselves all along.
    expect((await page(sandbox, 'limit=100')).ids).not.toContain(deleted?.id);
    // The index has caught up.
    const fresh = await page(sandbox, 'tag=vip');
    expect(fresh.ids).not.toContain(demoted?.id);
    expect(fresh.ids).not.toContain(deleted?.id);
    expect(fresh.items.map((contact) => contact.name)).toContain('New VIP');
  });

  it('freezeSearchIndex() lasts until refreshSearchIndex()', async () => {
    const sandbox = await start();
    const [someone] = sandbox.contacts();
    sandbox.freezeSearchIndex();
    await api(sandbox, 'PUT', `/contacts/${someone?.id}`, { body: { tags: ['moved'] } });
    for (let i = 0; i < 5; i += 1) expect((await page(sandbox, 'tag=moved')).total).toBe(0);
    sandbox.refreshSearchIndex();
    expect((await page(sandbox, 'tag=moved')).ids).toEqual([someone?.id]);
    expect(() => sandbox.freezeSearchIndex({ requests: 0 })).toThrow(RangeError);
  });

  it('short_summary: the import is applied, its summary accounts for fewer rows', async () => {
    const sandbox = await start({ seed: false });
    sandbox.faults.inject({ fault: { kind: 'short_summary', rows: 2 } });
    const csv = 'phone_number,name\n+14155550101,A\n+14155550102,B\n+14155550103,C\n';
    const response = await api(sandbox, 'POST', '/contacts/import', { body: csvForm(csv) });
    expect(response.status).toBe(200);
    expect(ImportSummarySchema.parse(response.json)).toMatchObject({
      total: 1,
      created: 1,
      updated: 0,
      failed: 0,
    });
    expect(sandbox.contacts()).toHaveLength(3);
  });

  it('unapplied_update: 200 with the contact unchanged', async () => {
    const sandbox = await start();
    const [someone] = sandbox.contacts();
    sandbox.faults.inject({ fault: { kind: 'unapplied_update' } });
    const response = await api(sandbox, 'PUT', `/contacts/${someone?.id}`, { body: { tags: ['added'] } });
    expect(response.status).toBe(200);
    expect(ContactSchema.parse(response.json).tags).toEqual(someone?.tags);
    expect(sandbox.contacts()[0]).toEqual(someone);
    // The next update is applied.
    const applied = await api(sandbox, 'PUT', `/contacts/${someone?.id}`, { body: { tags: ['added'] } });
    expect(ContactSchema.parse(applied.json).tags).toEqual(['added']);
  });
});
