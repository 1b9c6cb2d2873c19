import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { type ContactPage } from '../../src/vobiz/schemas.js';
import { ContactPageSchema, ContactSchema, RFC3339_UTC, api, fieldErrors, useSandboxes } from './helpers.js';

async function listPage(sandbox: Sandbox, query: string): Promise<ContactPage> {
  const response = await api(sandbox, 'GET', `/contacts${query}`);
  expect(response.status, response.text).toBe(200);
  // The flat envelope exactly, nothing more, nothing less.
  expect(Object.keys(response.json as object).sort()).toEqual([
    'has_more',
    'items',
    'limit',
    'page',
    'total',
  ]);
  return ContactPageSchema.parse(response.json);
}

async function createNumbered(sandbox: Sandbox, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 1; index <= count; index += 1) {
    const response = await api(sandbox, 'POST', '/contacts', {
      body: { phone_number: `+1415555${String(index).padStart(4, '0')}`, name: `Person ${index}` },
    });
    ids.push(ContactSchema.parse(response.json).id);
  }
  return ids;
}

describe('sandbox list: the seed', () => {
  const start = useSandboxes();

  it('starts with realistic sample contacts from several countries', async () => {
    const sandbox = await start();
    const page = await listPage(sandbox, '');
    expect(page).toMatchObject({ page: 1, limit: 25, has_more: false });
    expect(page.total).toBeGreaterThanOrEqual(8);
    expect(page.total).toBeLessThanOrEqual(12);
    const countryCodes = new Set(
      page.items.map((contact) => /^\+(1|44|49|55|61|91|971)/.exec(contact.phone_number)?.[1]),
    );
    expect(countryCodes.size).toBeGreaterThanOrEqual(6);
    const tags = new Set(page.items.flatMap((contact) => contact.tags));
    expect([...tags]).toEqual(expect.arrayContaining(['vip', 'newsletter', 'enterprise']));
    expect(page.items.some((contact) => Object.keys(contact.custom_attributes).length > 0)).toBe(true);
    const active = page.items.filter((contact) => contact.last_active_at !== undefined);
    expect(active.length).toBeGreaterThan(0);
    expect(active.length).toBeLessThan(page.total);
    for (const contact of page.items)
      expect(contact.last_active_at ?? contact.created_at).toMatch(RFC3339_UTC);
    // Oldest first.
    const created = page.items.map((contact) => contact.created_at ?? '');
    expect(created).toEqual([...created].sort());
  });

  it('starts empty with seed: false', async () => {
    const sandbox = await start({ seed: false });
    expect(await listPage(sandbox, '')).toEqual({ items: [], total: 0, page: 1, limit: 25, has_more: false });
  });
});

describe('sandbox list: pagination', () => {
  const start = useSandboxes();

  it('pages through every contact in creation order, then answers empty pages', async () => {
    const sandbox = await start({ seed: false });
    const ids = await createNumbered(sandbox, 7);

    const first = await listPage(sandbox, '?limit=3');
    expect(first).toMatchObject({ total: 7, page: 1, limit: 3, has_more: true });
    const second = await listPage(sandbox, '?limit=3&page=2');
    expect(second.has_more).toBe(true);
    const last = await listPage(sandbox, '?limit=3&page=3');
    expect(last).toMatchObject({ total: 7, page: 3, has_more: false });
    expect(last.items).toHaveLength(1);
    expect([...first.items, ...second.items, ...last.items].map((contact) => contact.id)).toEqual(ids);

    expect(await listPage(sandbox, '?limit=3&page=4')).toEqual({
      items: [],
      total: 7,
      page: 4,
      limit: 3,
      has_more: false,
    });
    expect((await listPage(sandbox, '?page=999999')).items).toEqual([]);
    // Exactly full: no further page.
    expect(await listPage(sandbox, '?limit=7')).toMatchObject({ has_more: false });
    expect((await listPage(sandbox, '?limit=100')).items).toHaveLength(7);
  });

  it.each([
    ['?limit=101', [['limit', 'out_of_range']]],
    ['?limit=0', [['limit', 'out_of_range']]],
    ['?limit=abc', [['limit', 'invalid_type']]],
    ['?limit=2.5', [['limit', 'invalid_type']]],
    ['?limit=-1', [['limit', 'invalid_type']]],
    ['?limit=', [['limit', 'invalid_type']]],
    ['?page=0', [['page', 'out_of_range']]],
    [
      '?page=abc&limit=500',
      [
        ['page', 'invalid_type'],
        ['limit', 'out_of_range'],
      ],
    ],
  ])('refuses %s with 422', async (query, expected) => {
    const sandbox = await start();
    expect(fieldErrors(await api(sandbox, 'GET', `/contacts${query}`))).toEqual(expected);
  });
});

describe('sandbox list: search and tag', () => {
  const start = useSandboxes();
  const names = (page: ContactPage) => page.items.map((contact) => contact.name);

  it('searches names case-insensitively, anywhere in the name', async () => {
    const sandbox = await start();
    expect(names(await listPage(sandbox, '?search=RAHUL'))).toEqual(['Rahul Sharma']);
    expect(names(await listPage(sandbox, '?search=sharm'))).toEqual(['Rahul Sharma']);
    expect(names(await listPage(sandbox, `?search=${encodeURIComponent('müller')}`))).toEqual([
      'Lukas Müller',
    ]);
  });

  it('searches phone numbers by substring, with or without +, spaces or dashes', async () => {
    const sandbox = await start();
    for (const search of ['98765', '+9198765', '+91 98765', '43210', '987-654-3210']) {
      const page = await listPage(sandbox, `?search=${encodeURIComponent(search)}`);
      expect(
        page.items.map((contact) => contact.phone_number),
        search,
      ).toContain('+919876543210');
    }
    // A bare `+` in a query string is a space; it still finds the number.
    expect(names(await listPage(sandbox, '?search=+9198765'))).toEqual(['Rahul Sharma']);
    expect((await listPage(sandbox, '?search=%2B4477009')).items.map((c) => c.phone_number)).toEqual([
      '+447700900123',
    ]);
  });

  it('filters by an exact tag, and combines it with search', async () => {
    const sandbox = await start();
    const vip = await listPage(sandbox, '?tag=vip');
    expect(vip.total).toBeGreaterThan(1);
    expect(vip.items.every((contact) => contact.tags.includes('vip'))).toBe(true);
    expect((await listPage(sandbox, '?tag=VIP')).total).toBe(0);
    expect((await listPage(sandbox, '?tag=vi')).total).toBe(0);

    const indianVips = await listPage(sandbox, `?tag=vip&search=${encodeURIComponent('+91')}`);
    expect(names(indianVips)).toEqual(['Rahul Sharma']);
    const newsletterByName = await listPage(sandbox, '?tag=newsletter&search=an');
    expect(names(newsletterByName)).toEqual(['Ananya Iyer']);
  });

  it('counts and pages the filtered set, not the whole store', async () => {
    const sandbox = await start();
    const all = await listPage(sandbox, '?tag=newsletter');
    const firstPage = await listPage(sandbox, '?tag=newsletter&limit=2');
    expect(firstPage).toMatchObject({ total: all.total, has_more: all.total > 2 });
    expect(names(firstPage)).toEqual(names(all).slice(0, 2));
    expect(await listPage(sandbox, '?search=nobody-by-this-name')).toMatchObject({
      items: [],
      total: 0,
      has_more: false,
    });
  });
});
