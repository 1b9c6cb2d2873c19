/**
 * Paging loops against an upstream that misbehaves (issue 13): one that ignores `page` and always says
 * `has_more: true` once made tag_contacts send 20,576 list requests in 15 s, and list_tags report
 * "vip 10000" on 3 contacts as complete. Here each scanning tool, over the real MCP client and real HTTP
 * to a small server of this test on loopback, must end with a clear result — on its own, or at the
 * call's deadline — having sent a handful of requests and written nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { contactsOf, textOf } from '../support/context.js';
import { linkServer, type MemoryLink } from '../support/memory-stack.js';

type Mode =
  /** The same three vip contacts on every page, `page` echoed, `total: 3`, `has_more: true`. */
  | 'ignores_page'
  /** The same, but claiming 1,000 contacts: page 2 repeats page 1. */
  | 'repeats_pages'
  /** Answers `page: 1` whatever page is asked for. */
  | 'always_page_one'
  /** New contacts on every page, forever, each page a little slow: only the deadline ends it. */
  | 'endless';

const DEADLINE_MS = 2_000;
/** Pages read side by side at most. */
const CONCURRENCY = 4;
/**
 * Pages a scan reads ahead once it has read its first page (bulk/scan.ts), unused when it stops next:
 * two for list_contacts, which may have what it needs after a page; all it may for the scans that read
 * to the end (list_tags, tag_contacts).
 */
const READ_AHEAD = { list_contacts: 2, list_tags: CONCURRENCY, tag_contacts: CONCURRENCY };
const ENDLESS_PAGE_DELAY_MS = 50;

let mode: Mode = 'ignores_page';
let server: Server;
let stack: MemoryLink;
const received = { list: 0, other: 0 };

const contact = (n: number) => ({
  id: `c-${n}`,
  phone_number: `+9198${String(n).padStart(8, '0')}`,
  name: `Contact ${n}`,
  tags: ['vip'],
  custom_attributes: { city: 'Mumbai' },
});

function listAnswer(url: URL): { body: unknown; delayMs: number } {
  const page = Number(url.searchParams.get('page') ?? 1);
  const limit = Number(url.searchParams.get('limit') ?? 25);
  const three = [contact(1), contact(2), contact(3)];
  switch (mode) {
    case 'ignores_page':
      return { body: { items: three, total: 3, page, limit, has_more: true }, delayMs: 0 };
    case 'repeats_pages':
      return { body: { items: three, total: 1_000, page, limit, has_more: true }, delayMs: 0 };
    case 'always_page_one':
      return { body: { items: three, total: 1_000, page: 1, limit, has_more: true }, delayMs: 0 };
    case 'endless': {
      const items = Array.from({ length: limit }, (_, i) => contact((page - 1) * limit + i + 1));
      return {
        body: { items, total: 1_000_000_000, page, limit, has_more: true },
        delayMs: ENDLESS_PAGE_DELAY_MS,
      };
    }
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    if (req.method === 'GET' && url.pathname === '/api/v1/messaging/contacts') {
      received.list++;
      const { body, delayMs } = listAnswer(url);
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      }, delayMs);
      return;
    }
    // Reading or writing one contact: nothing in these tests should get this far.
    received.other++;
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'error', error: { code: 'INTERNAL_ERROR', message: 'unexpected' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const upstream = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/messaging`,
    credentials: { authId: 'MA_TEST', authToken: 'token-for-tests' },
  };
  stack = await linkServer(upstream, {
    vobiz: { timeoutMs: 5_000, deadlineMs: DEADLINE_MS, retry: { maxRetries: 0 }, concurrency: CONCURRENCY },
  });
});
afterEach(() => {
  received.list = 0;
  received.other = 0;
});
afterAll(async () => {
  await stack?.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/**
 * The scan stopped at the page that showed the fault: the pages it needed, and at most the pages it had
 * started reading ahead once the first one came back — never a walk onwards.
 */
function expectListRequests(tool: keyof typeof READ_AHEAD, needed: number): void {
  expect(received.list).toBeGreaterThanOrEqual(needed);
  expect(received.list).toBeLessThanOrEqual(needed === 1 ? 1 : needed + READ_AHEAD[tool] - 1);
}

interface Scan {
  scanned: number;
  complete: boolean;
  stopped?: string;
  reason?: string;
}

describe.each([
  [
    'ignores_page',
    /paging contradicts itself: the API said more pages follow after page 1, past its own total of 3/,
    1,
  ],
  ['repeats_pages', /pages do not advance: page 2 held only contacts already read/, 2],
  ['always_page_one', /pages do not advance: asked for page 2, the API answered page 1/, 2],
] as const)('an upstream that %s', (upstream, reason, requests) => {
  it('list_tags counts the three contacts once and says the counts are partial, and why', async () => {
    mode = upstream;
    const result = await stack.call('list_tags', {});
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      tags: [['vip', 3]],
      scanned: 3,
      complete: false,
      stopped: upstream === 'ignores_page' ? 'past_total' : 'not_advancing',
      reason: expect.stringMatching(reason),
    });
    expect(textOf(result)).toMatch(/^vip 3$/m);
    expect(textOf(result)).toMatch(/Stopped early: .* — counts are lower bounds\. The API is misbehaving/);
    expectListRequests('list_tags', requests);
  });

  it('tag_contacts changes nothing, says why, and sends no further request', async () => {
    mode = upstream;
    const result = await stack.call('tag_contacts', {
      where: { attributes: { city: 'Mumbai' } },
      add: ['x'],
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /^Nothing was changed: not every contact the filters could select was read/,
    );
    expect(textOf(result)).toMatch(reason);
    expect(received.other).toBe(0);
    expectListRequests('tag_contacts', requests);

    // A plain tag filter walks the same bounded way.
    const byTag = await stack.call('tag_contacts', { tag: 'vip', add: ['x'] });
    expect(textOf(byTag)).toMatch(reason);
    expect(received.other).toBe(0);
  });

  it("list_contacts' where scan returns the matches it found, with no cursor into the loop", async () => {
    mode = upstream;
    const result = await stack.call('list_contacts', { where: { tags_all: ['vip'] } });
    expect(result.isError, textOf(result)).toBeFalsy();
    const out = result.structuredContent as { has_more: boolean; next_cursor?: string; scan: Scan };
    expect(contactsOf(result)).toHaveLength(3);
    expect(out).toMatchObject({
      has_more: false,
      scan: { complete: false, reason: expect.stringMatching(reason) },
    });
    expect(out.next_cursor).toBeUndefined();
    expect(textOf(result)).toMatch(/matches after these may be missing/);
    expectListRequests('list_contacts', requests);
  });
});

describe('an upstream whose pages never end', () => {
  // Each page holds new contacts: only the deadline (or max_scan) can end the walk, which reads at most
  // CONCURRENCY pages per round trip until then.
  const bound = (Math.ceil(DEADLINE_MS / ENDLESS_PAGE_DELAY_MS) + 1) * CONCURRENCY;

  it('list_tags stops at the call deadline with partial counts and says so', async () => {
    mode = 'endless';
    const result = await stack.call('list_tags', { max_scan: 1_000_000 });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ complete: false, stopped: 'deadline' });
    expect(textOf(result)).toMatch(
      /time budget \(VOBIZ_DEADLINE_MS\) ran out after \d+ of 1000000000 contacts/,
    );
    expect(received.list).toBeGreaterThan(0);
    expect(received.list).toBeLessThanOrEqual(bound);
  });

  it('tag_contacts stops at the deadline and changes nothing; list_contacts hands back a cursor', async () => {
    mode = 'endless';
    const tagged = await stack.call('tag_contacts', {
      where: { untagged: false },
      add: ['x'],
      max_scan: 1_000_000,
      max_contacts: 100_000,
    });
    expect(tagged.isError).toBe(true);
    expect(textOf(tagged)).toMatch(/Nothing was changed.*time budget \(VOBIZ_DEADLINE_MS\) ran out/s);
    expect(received.other).toBe(0);
    expect(received.list).toBeLessThanOrEqual(bound);

    received.list = 0;
    const listed = await stack.call('list_contacts', { where: { untagged: true }, max_scan: 1_000_000 });
    const out = listed.structuredContent as { has_more: boolean; next_cursor?: string; scan: Scan };
    expect(out.scan).toMatchObject({ complete: false, stopped: 'deadline' });
    // Nothing matched yet, but the scan can go on from where the deadline stopped it.
    expect(out.has_more).toBe(true);
    expect(out.next_cursor).toMatch(/^v1\./);
    expect(textOf(listed)).toMatch(/Paused: the call's time budget/);
    expect(received.list).toBeLessThanOrEqual(bound);
  });

  it('max_scan bounds it too, in pages', async () => {
    mode = 'endless';
    const result = await stack.call('list_tags', { max_scan: 250 });
    expect(result.structuredContent).toMatchObject({
      scanned: 250,
      complete: false,
      stopped: 'max_scan',
    });
    expect(received.list).toBe(3);
  });
});
