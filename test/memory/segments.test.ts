/**
 * Segments on a 20,000-contact sandbox: each request of issue 16 is one tag_contacts call, and what it
 * tags is checked against the same question answered here, independently, over the sandbox's contacts.
 * The server runs in this process (in-memory MCP link), its requests go to the sandbox over loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateContacts, type Sandbox, type SandboxContact } from '../../src/sandbox/index.js';
import { contactsOf, requestMark, requestsSince, textOf } from '../support/context.js';
import { linkServer, startMemoryStack, type MemoryStack } from '../support/memory-stack.js';

const CONTACTS = 20_000;
const DAY = 86_400_000;

let sandbox: Sandbox;
let stack: MemoryStack;
/** Writes eight at a time, as many contacts are tagged here. */
const context = { bulkConcurrency: 8 };

beforeAll(async () => {
  stack = await startMemoryStack({
    sandbox: { contacts: generateContacts(CONTACTS, { accountId: 'MA_SANDBOX1', seed: 16 }) },
    context,
  });
  sandbox = stack.sandbox;
});
afterAll(async () => {
  await stack?.close();
});

interface ScanOut {
  scanned: number;
  total: number;
  matched: number;
  complete: boolean;
  stopped?: string;
  reason?: string;
  api_filter?: { search?: string; tag?: string };
}
interface TagOut {
  dry_run: boolean;
  matched: number;
  changed: number;
  unchanged: number;
  failed: number;
  examples?: { rows: unknown[][] };
  scan: ScanOut;
}

// ---- The questions, answered here without the server's code --------------------------------------

const cities = (c: SandboxContact) =>
  Object.entries(c.custom_attributes)
    .filter(([key]) => key.toLowerCase() === 'city')
    .map(([, value]) => String(value).trim().toLowerCase());
const inMumbai = (c: SandboxContact) => cities(c).includes('mumbai');
const quietFor90Days = (now: number) => (c: SandboxContact) =>
  c.last_active_at === undefined || Date.parse(c.last_active_at) < now - 90 * DAY;
const addedThisWeek = (now: number) => (c: SandboxContact) => Date.parse(c.created_at) >= now - 7 * DAY;
const untagged = (c: SandboxContact) => c.tags.length === 0;
const vipNotAtExpo = (c: SandboxContact) => c.tags.includes('vip') && !c.tags.includes('expo-2026');

const idsWhere = (test: (c: SandboxContact) => boolean) =>
  sandbox
    .contacts()
    .filter(test)
    .map((c) => c.id)
    .sort();
const mark = () => requestMark(sandbox);
const since = (from: number) => requestsSince(sandbox, from);
const updatesSince = (from: number) => since(from).filter((r) => r.route === 'update');

async function tagAll(args: Record<string, unknown>): Promise<TagOut> {
  const result = await stack.call('tag_contacts', { max_contacts: CONTACTS, ...args });
  expect(result.isError, textOf(result)).toBeFalsy();
  return result.structuredContent as unknown as TagOut;
}

describe('each request of the issue is one tag_contacts call', () => {
  it.each([
    [
      'everyone whose city is Mumbai gets "mumbai"',
      { attributes: { city: 'Mumbai' } },
      'mumbai',
      () => inMumbai,
    ],
    [
      'everyone who hasn\'t been active for 90 days gets "win-back"',
      { inactive_for: '90d' },
      'win-back',
      quietFor90Days,
    ],
    ['the contacts added this week get "new-lead"', { created_after: '7d' }, 'new-lead', addedThisWeek],
    ['every contact with no tags gets "unsorted"', { untagged: true }, 'unsorted', () => untagged],
    [
      'everyone with "vip" but not "expo-2026" gets "expo-invite"',
      { tags_all: ['vip'], tags_none: ['expo-2026'] },
      'expo-invite',
      () => vipNotAtExpo,
    ],
  ] as const)('%s', async (_request, where, tag, question) => {
    const expected = idsWhere(question(Date.now()));
    expect(expected.length).toBeGreaterThan(50); // the generated account holds a real segment for each
    const out = await tagAll({ where, add: [tag] });
    expect(out).toMatchObject({
      matched: expected.length,
      changed: expected.length,
      unchanged: 0,
      failed: 0,
    });
    expect(out.scan).toMatchObject({ complete: true, matched: expected.length });
    expect(out.scan.stopped).toBeUndefined();
    expect(idsWhere((c) => c.tags.includes(tag))).toEqual(expected);
  });

  it('pushes a required tag down to the API: only the vip contacts are read', async () => {
    const vips = idsWhere((c) => c.tags.includes('vip')).length;
    const from = mark();
    const out = await tagAll({
      where: { tags_all: ['vip'], tags_none: ['expo-2026'] },
      add: ['expo-invite'],
      dry_run: true,
    });
    expect(out.scan).toMatchObject({
      api_filter: { tag: 'vip' },
      scanned: vips,
      total: vips,
      complete: true,
    });
    expect(since(from).filter((r) => r.route === 'list')).toHaveLength(Math.ceil(vips / 100));
  });

  it('asks the API which of several required tags is rarest, and reads that list only', async () => {
    const vips = idsWhere((c) => c.tags.includes('vip')).length;
    const expected = idsWhere((c) => c.tags.includes('vip') && c.tags.includes('newsletter'));
    const from = mark();
    const out = await tagAll({ where: { tags_all: ['newsletter', 'vip'] }, add: ['x'], dry_run: true });
    expect(out).toMatchObject({ matched: expected.length, changed: expected.length });
    // Two probes of one contact each, then the vip pages: never the newsletter list, ten times longer.
    expect(out.scan).toMatchObject({ api_filter: { tag: 'vip' }, scanned: vips });
    expect(since(from).filter((r) => r.route === 'list')).toHaveLength(2 + Math.ceil(vips / 100));
  });

  it('dry run counts what would change and writes nothing; the real run then writes exactly that', async () => {
    const now = Date.now();
    const where = {
      attributes: { city: ['Pune', 'JAIPUR'] },
      active_within: '30d',
      missing_attributes: ['email'],
    };
    const question = (c: SandboxContact) =>
      cities(c).some((city) => city === 'pune' || city === 'jaipur') &&
      c.last_active_at !== undefined &&
      Date.parse(c.last_active_at) >= now - 30 * DAY &&
      !Object.keys(c.custom_attributes).some((k) => k.toLowerCase() === 'email');
    const expected = idsWhere(question);
    const before = mark();
    const dry = await tagAll({ where, add: ['west-follow-up'], dry_run: true });
    expect(dry).toMatchObject({ dry_run: true, matched: expected.length, changed: expected.length });
    expect(dry.examples?.rows ?? []).toHaveLength(Math.min(5, expected.length));
    expect(updatesSince(before)).toEqual([]);
    const real = await tagAll({ where, add: ['west-follow-up'] });
    expect(real.changed).toBe(dry.changed);
    expect(idsWhere((c) => c.tags.includes('west-follow-up'))).toEqual(expected);
    // And again: everyone has it, nothing is written.
    const from = mark();
    expect(await tagAll({ where, add: ['west-follow-up'] })).toMatchObject({
      changed: 0,
      unchanged: expected.length,
    });
    expect(updatesSince(from)).toEqual([]);
  });
});

describe('confirmation', () => {
  it('asks the user before tagging a segment above the threshold, with its size; a no changes nothing', async () => {
    const where = { attributes: { city: 'Chennai' }, active_within: '14d' };
    const expected = idsWhere(
      (c) =>
        cities(c).includes('chennai') &&
        c.last_active_at !== undefined &&
        Date.parse(c.last_active_at) >= Date.now() - 14 * DAY,
    );
    for (const answer of ['decline', 'accept'] as const) {
      const asking = await linkServer(sandbox, {
        context: { ...context, confirm: { mode: 'auto', bulkThreshold: 10 } },
        elicit: () => answer,
      });
      try {
        const result = await asking.call('tag_contacts', { where, add: [`chennai-${answer}`] });
        expect(asking.elicitations).toEqual([
          `Change the tags of up to ${expected.length} contacts (add chennai-${answer})?`,
        ]);
        expect(result.isError ?? false).toBe(answer === 'decline');
        expect(idsWhere((c) => c.tags.includes(`chennai-${answer}`))).toEqual(
          answer === 'accept' ? expected : [],
        );
      } finally {
        await asking.close();
      }
    }
  });
});

describe('bounded scans', () => {
  it('a real run that could not read everyone changes nothing and says why; a dry run reports the part', async () => {
    const before = mark();
    const refused = await stack.call('tag_contacts', {
      where: { inactive_for: '90d' },
      add: ['partial'],
      max_scan: 5_000,
    });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(
      /Nothing was changed.*max_scan after 5000 of 20\d{3} contacts.*Raise max_scan/s,
    );
    expect(updatesSince(before)).toEqual([]);

    const firstPart = sandbox.contacts().slice(0, 5_000);
    const expected = firstPart.filter(quietFor90Days(Date.now())).length;
    const dry = await tagAll({
      where: { inactive_for: '90d' },
      add: ['partial'],
      max_scan: 5_000,
      dry_run: true,
    });
    expect(dry.matched).toBe(expected);
    expect(dry.scan).toMatchObject({ scanned: 5_000, complete: false, stopped: 'max_scan' });
    expect(dry.scan.reason).toMatch(/max_scan after 5000 of/);
  });

  it('refuses a segment larger than max_contacts with its exact size, before any write', async () => {
    const expected = idsWhere(quietFor90Days(Date.now())).length;
    const result = await stack.call('tag_contacts', {
      where: { inactive_for: '90d' },
      add: ['too-many'],
      max_contacts: 100,
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(`${expected} contacts match, more than max_contacts (100)`);
    expect(idsWhere((c) => c.tags.includes('too-many'))).toEqual([]);
  });

  it('sends progress while it scans, only forward, when the client asks for it', async () => {
    const seen: number[] = [];
    await stack.client.callTool(
      {
        name: 'tag_contacts',
        arguments: { where: { untagged: true }, add: ['p'], dry_run: true, max_contacts: CONTACTS },
      },
      { onprogress: (p) => seen.push(p.progress) },
    );
    expect(seen.length).toBeGreaterThanOrEqual(100); // a notification per page read, at least
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('list_contacts and list_tags send progress page by page too', async () => {
    for (const [name, args] of [
      // A condition no page can be filtered by upstream, matched by none: every page is read.
      ['list_contacts', { where: { attributes: { city: 'Nowhere' } } }],
      ['list_tags', { where: { attributes: { city: 'Nowhere' } } }],
    ] as const) {
      const seen: number[] = [];
      await stack.client.callTool(
        { name, arguments: args },
        {
          onprogress: (p) => seen.push(p.progress),
        },
      );
      expect(seen.length, name).toBeGreaterThanOrEqual(10);
      expect(seen, name).toEqual([...seen].sort((a, b) => a - b));
    }
  });

  it('stops scanning when the client cancels, and changes nothing', async () => {
    const before = mark();
    const controller = new AbortController();
    const call = stack.client.callTool(
      {
        name: 'tag_contacts',
        arguments: { where: { untagged: true }, add: ['cancelled'], max_contacts: CONTACTS },
      },
      { signal: controller.signal, onprogress: () => controller.abort() },
    );
    await expect(call).rejects.toThrow();
    const lists = () => since(before).filter((r) => r.route === 'list').length;
    // Whatever was in flight ends; no page is asked for after it, and nothing is written.
    await expect.poll(lists).toBeGreaterThan(0);
    const settled = lists();
    await stack.call('list_tags', { where: { tags_all: ['nothing-has-this'] } }); // a full round trip later
    expect(lists() - settled).toBeLessThanOrEqual(2);
    expect(lists()).toBeLessThan(CONTACTS / 100);
    expect(updatesSince(before)).toEqual([]);
  });
});

describe('list_contacts and list_tags with where', () => {
  it('pages through the matches with a cursor, in list order, each once', async () => {
    const now = Date.now();
    const where = { attributes: { city: 'mumbai' }, created_after: '180d' };
    const expected = sandbox
      .contacts()
      .filter((c) => inMumbai(c) && Date.parse(c.created_at) >= now - 180 * DAY)
      .map((c) => c.id);
    expect(expected.length).toBeGreaterThan(100);
    const got: string[] = [];
    let args: Record<string, unknown> = { where, limit: 40 };
    for (let page = 1; page < 100; page++) {
      const result = await stack.call('list_contacts', args);
      expect(result.isError, textOf(result)).toBeFalsy();
      const out = result.structuredContent as { page: number; next_cursor?: string };
      expect(out.page).toBe(page);
      got.push(...contactsOf(result).map((c) => c.id));
      if (!out.next_cursor) break;
      expect(textOf(result)).toContain(out.next_cursor);
      // The cursor alone carries the query; every other page sends the filters along too.
      args =
        page % 2 ? { cursor: out.next_cursor, limit: 40 } : { cursor: out.next_cursor, where, limit: 40 };
    }
    expect(got).toEqual(expected);
  });

  it('goes on past max_scan with the cursor, reading at most max_scan contacts a call', async () => {
    const expected = idsWhere(addedThisWeek(Date.now()));
    const got: string[] = [];
    let args: Record<string, unknown> = { where: { created_after: '7d' }, limit: 100, max_scan: 3_000 };
    for (let call = 0; call < 20; call++) {
      const result = await stack.call('list_contacts', args);
      const out = result.structuredContent as { next_cursor?: string; scan: ScanOut };
      expect(out.scan.scanned).toBeLessThanOrEqual(3_000);
      got.push(...contactsOf(result).map((c) => c.id));
      if (!out.next_cursor) break;
      args = { cursor: out.next_cursor, limit: 100, max_scan: 3_000 };
    }
    expect(got.sort()).toEqual(expected);
  });

  it('refuses a cursor with other filters, a made-up cursor and page with where', async () => {
    const first = await stack.call('list_contacts', { where: { untagged: false }, limit: 5 });
    const cursor = (first.structuredContent as { next_cursor: string }).next_cursor;
    const other = await stack.call('list_contacts', { cursor, where: { untagged: true } });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toMatch(/cursor continues another query/);
    for (const bad of ['v1.e30', 'abc', `${cursor.slice(0, -4)}AAAA`, cursor.replace('v1.', 'v2.')]) {
      const result = await stack.call('list_contacts', { cursor: bad });
      expect(result.isError, bad).toBe(true);
      expect(textOf(result)).toMatch(/cursor is not one list_contacts gave/);
    }
    const paged = await stack.call('list_contacts', { where: { untagged: true }, page: 2 });
    expect(textOf(paged)).toMatch(/page is for lists without where/);
  });

  it('list_tags counts the tags within a segment', async () => {
    const members = sandbox.contacts().filter(inMumbai);
    const counts = new Map<string, number>();
    for (const c of members) for (const tag of c.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    const result = await stack.call('list_tags', { where: { attributes: { city: 'Mumbai' } } });
    const out = result.structuredContent as {
      tags: [string, number][];
      matched: number;
      untagged: number;
      complete: boolean;
    };
    expect(out).toMatchObject({
      matched: members.length,
      untagged: members.filter(untagged).length,
      complete: true,
    });
    expect(new Map(out.tags)).toEqual(counts);
  });

  it('refuses an unknown field, a bad age and a filter that can match nothing, with what to do', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ cty: 'Mumbai' }, /where has no field "cty"; its fields are attributes, missing_attributes/],
      [
        { inactive_for: '3 months' },
        /inactive_for "3 months" is neither an age nor a date: give an age such as "7d"/,
      ],
      [{ inactive_for: 90 }, /an age without a unit/],
      [{ created_after: '2026-02-30' }, /created_after "2026-02-30" is neither an age nor a date/],
      [{ untagged: true, tags_all: ['vip'] }, /can match no contact/],
      [{ attributes: { city: null } }, /use missing_attributes/],
    ];
    for (const [where, message] of cases) {
      for (const tool of ['list_contacts', 'tag_contacts', 'list_tags']) {
        const result = await stack.call(tool, { where, add: ['x'] });
        expect(result.isError, `${tool} ${JSON.stringify(where)}`).toBe(true);
        expect(textOf(result)).toMatch(message);
      }
    }
  });

  it('reads where as JSON text, and its lists as comma text, as clients send them', async () => {
    const expected = idsWhere((c) => c.tags.includes('vip') && !c.tags.includes('trial')).length;
    const result = await stack.call('tag_contacts', {
      where: '{"tags_all": "vip", "tags_none": "trial"}',
      add: 'y',
      dry_run: 'true',
      max_contacts: CONTACTS,
    });
    expect(result.structuredContent).toMatchObject({ matched: expected });
  });
});
