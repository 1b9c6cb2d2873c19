/**
 * A call carrying ~100,000 short tags (a 1–2 MB argument) must be read, de-duplicated and refused or sent
 * in linear time: a quadratic de-duplication held a remote instance — every caller and /healthz — for
 * seconds before anything reached the API. In process, so that the event loop the server runs on is the
 * one measured: the remote server (startRemoteServer, real Streamable HTTP), the SDK's client over real
 * HTTP, and the sandbox on loopback.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startRemoteServer, type RemoteServer } from '../../src/http/http-server.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { textOf } from '../support/context.js';
import { call, connect, raw } from '../support/remote-stack.js';

const TAG_COUNT = 100_000;
/** Short tags, a repeat of each: the de-duplication has to do real work. */
const TAGS = Array.from({ length: TAG_COUNT }, (_, i) => `t${i % (TAG_COUNT / 2)}`);
/**
 * The longest the event loop may stall while such a call runs. Linear work on 100,000 tags is tens of
 * milliseconds; the quadratic code held the loop for well over ten seconds. Generous, so that a loaded
 * machine is never mistaken for a stall.
 */
const STALL_MS = 2_000;

let sandbox: Sandbox;
let remote: RemoteServer;
let client: Client;
let contactId: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  contactId = sandbox.contacts()[0]!.id;
  const config = loadConfig(
    { VOBIZ_BASE_URL: sandbox.baseUrl, MCP_HTTP_PORT: '0', VOBIZ_CONFIRM: 'never' },
    { credentials: sandbox.credentials, baseUrl: sandbox.baseUrl },
  );
  remote = await startRemoteServer({ config });
  client = await connect(remote.url);
}, 20_000);
afterAll(async () => {
  await client?.close();
  await remote?.close();
  await sandbox?.close();
});

/** Runs `work` with the event loop's delay recorded; returns its result and the worst stall in ms. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await work();
    return { result, stallMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

describe('~100,000 tags in one call', () => {
  const calls: [string, Record<string, unknown>][] = [
    ['tag_contacts add', { ids: ['placeholder'], add: TAGS }],
    ['tag_contacts add as one comma list', { ids: ['placeholder'], add: TAGS.join(',') }],
    ['tag_contacts add and remove', { ids: ['placeholder'], add: TAGS, remove: TAGS.map((t) => `x${t}`) }],
    ['create_contact', { phone_number: '+919812300001', name: 'Many Tags', tags: TAGS }],
    ['update_contact', { id: 'placeholder', tags: TAGS }],
    ['list_contacts where.tags_all', { where: { tags_all: TAGS } }],
    ['list_contacts where.tags_any and tags_none', { where: { tags_any: TAGS, tags_none: ['vip'] } }],
    ['list_tags where.tags_none', { where: { tags_none: TAGS } }],
    [
      'import_contacts_csv add_tags (dry run)',
      { csv: 'phone_number,name\n+919812300002,Row One\n', add_tags: TAGS, dry_run: true },
    ],
  ];

  it.each(calls)('%s: answers, and no other caller waits meanwhile', async (label, template) => {
    const args = JSON.parse(JSON.stringify(template).replaceAll('placeholder', contactId)) as Record<
      string,
      unknown
    >;
    const name = label.split(' ')[0]!;
    const healthUrl = remote.url.replace(/\/mcp$/, '/healthz');
    const { result, stallMs } = await measured(async () => {
      const big = call(client, name, args);
      // Another caller asks while the big call is being handled: it is answered.
      const health = await raw(healthUrl, { method: 'GET' });
      return { big: await big, health };
    });
    expect(result.health.status).toBe(200);
    // An answer the model can read: refused with a reason or done, never a protocol error.
    expect(textOf(result.big).length).toBeGreaterThan(0);
    expect(stallMs, `${label}: the event loop stalled`).toBeLessThan(STALL_MS);
  });

  it('import add_tags longer than one CSV record is refused before any row is read or sent', async () => {
    const result = await call(client, 'import_contacts_csv', {
      csv: 'phone_number,name\n+919812300004,Row One\n',
      add_tags: TAGS,
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('longer than one CSV record the API reads (64 kB)');
    expect(sandbox.contacts().some((c) => c.phone_number === '+919812300004')).toBe(false);
  });

  it('a refusal names a few bad tags and counts the rest, in one short text', async () => {
    const result = await call(client, 'create_contact', {
      phone_number: '+919812300003',
      name: 'Blank Tags',
      tags: Array.from({ length: TAG_COUNT }, () => ' '),
    });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toContain(`${TAG_COUNT - 10} more invalid tags`);
    expect(text.length).toBeLessThan(5_000);
  });
});
