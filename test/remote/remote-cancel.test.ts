/**
 * Cancellation across requests: in remote mode `notifications/cancelled` arrives in a POST of its own.
 * The instance finds the running call it names — and only its sender's, although every SDK client
 * numbers its requests from the same start and the clients here share one account — and stops it.
 */
import type { Client, RequestOptions } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { textOf } from '../support/context.js';
import {
  approvedArgs,
  call,
  connect,
  operatorEnv,
  raw,
  recordingFetch,
  startProxy,
  startRemote,
  stopRemote,
  structured,
  waitFor,
  type Remote,
} from '../support/remote-stack.js';

const GROUP = 60;
const UPDATE_LATENCY_MS = 100;

interface TagOutput {
  matched: number;
  changed: number;
}

let sandbox: Sandbox;
let proxy: Awaited<ReturnType<typeof startProxy>>;
const opened: Client[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ seed: false });
  proxy = await startProxy([sandbox]);
});
afterEach(async () => {
  sandbox.faults.clear();
  await Promise.all(opened.splice(0).map((client) => client.close()));
});
afterAll(async () => {
  await proxy.close();
  await sandbox.close();
});

/** The sandbox's account as the operator's, reached through the proxy that times every request. */
const env = (more: Record<string, string> = {}) =>
  // Four writes of the account in flight at most, as the tests of a cancel count on.
  operatorEnv(sandbox, { VOBIZ_BASE_URL: proxy.baseUrl, VOBIZ_CONCURRENCY: '4', ...more });

async function open(remote: Remote, fetch?: typeof globalThis.fetch): Promise<Client> {
  const client = await connect(remote.url, {}, fetch ? { fetch } : {});
  opened.push(client);
  return client;
}

/** Imports `count` contacts tagged `tag`; returns their ids. */
async function seedGroup(
  client: Client,
  tag: string,
  firstPhone: number,
  count: number,
): Promise<Set<string>> {
  const phones = Array.from({ length: count }, (_, i) => `+91${firstPhone + i}`);
  const csv = ['phone_number,name,tags', ...phones.map((phone, i) => `${phone},${tag} ${i},${tag}`)].join(
    '\n',
  );
  structured(await call(client, 'import_contacts_csv', { csv }));
  const wanted = new Set(phones);
  return new Set(
    sandbox
      .contacts()
      .filter((c) => wanted.has(c.phone_number))
      .map((c) => c.id),
  );
}

/**
 * Starts tag_contacts on the contacts tagged `tag`, with every update slowed down so that the run lasts;
 * approved first, by a dry run's token.
 */
async function tagSlowly(client: Client, tag: string, options: RequestOptions) {
  const args = await approvedArgs(client, 'tag_contacts', { tag, add: ['contacted'] });
  if (sandbox.faults.pending === 0) {
    sandbox.faults.inject({
      fault: { kind: 'latency', ms: UPDATE_LATENCY_MS },
      route: 'update',
      times: Infinity,
    });
  }
  return client.callTool({ name: 'tag_contacts', arguments: args }, options);
}

/** The contact updates the API received, with their start times. */
function updatesOf(ids: Set<string>) {
  return proxy.calls.filter(
    (entry) => entry.method === 'PUT' && ids.has(decodeURIComponent(entry.path.split('/').at(-1) ?? '')),
  );
}

describe('a cancel in its own POST', () => {
  it("stops the writes of a running tag_contacts within a second, and only its sender's call", async () => {
    const remote = await startRemote(env());
    try {
      const recorder = recordingFetch();
      const a = await open(remote, recorder.fetch);
      const b = await open(remote, recorder.fetch);
      const groupA = await seedGroup(a, 'wave-a', 9_810_000_000, GROUP);
      const groupB = await seedGroup(b, 'wave-b', 9_820_000_000, GROUP);

      // Two clients of one account, each with its second tool call in flight: the same JSON-RPC id.
      const controller = new AbortController();
      let cancelledAt = 0;
      // Its rejection is awaited below; caught here, so that it is never an unhandled one meanwhile.
      const callA = tagSlowly(a, 'wave-a', {
        signal: controller.signal,
        onprogress: ({ progress }) => {
          if (progress >= 8 && cancelledAt === 0) {
            cancelledAt = Date.now();
            controller.abort('the user changed their mind');
          }
        },
      }).then(
        () => new Error('tag_contacts answered although it was cancelled'),
        (error: unknown) => error,
      );
      const callB = tagSlowly(b, 'wave-b', { onprogress: () => undefined });
      await waitFor(() => updatesOf(groupB).length >= 2, 'b to be writing');
      const [idA, idB] = recorder.sent
        .map((body) => JSON.parse(body) as { method?: string; id?: number })
        .filter((message) => message.method === 'tools/call')
        .slice(-2)
        .map((message) => message.id);
      expect(idA).toBe(idB);
      // A cancel naming that id from a client of the same account without a session stops neither.
      const stray = await raw(remote.url, {
        body: JSON.stringify({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: idA },
        }),
      });
      expect(stray.status).toBe(202);

      expect(String(await callA)).toMatch(/the user changed their mind/);
      await waitFor(
        () => new RegExp(`tag_contacts cancelled after \\d+ of ${GROUP} contacts`).test(remote.stderr()),
        'a to stop',
      );

      const resultB = (await callB) as Parameters<typeof structured>[0];
      expect(structured<TagOutput>(resultB)).toMatchObject({ matched: GROUP, changed: GROUP });

      const writesA = updatesOf(groupA);
      const lateStarts = writesA.filter((write) => write.start > cancelledAt + 1_000);
      expect(lateStarts).toEqual([]);
      expect(writesA.length).toBeLessThan(GROUP / 2);
      const changedA = sandbox.contacts().filter((c) => groupA.has(c.id) && c.tags.includes('contacted'));
      expect(changedA.length).toBe(writesA.length); // every write that started was completed
      expect(sandbox.contacts().filter((c) => groupB.has(c.id) && c.tags.includes('contacted'))).toHaveLength(
        GROUP,
      );
    } finally {
      await stopRemote(remote);
    }
  }, 30_000);

  it('gives the call its slot back once its writes have stopped', async () => {
    // One slot for the account: a call that kept it after the cancel would make the next one wait.
    const remote = await startRemote(
      env({ MCP_HTTP_MAX_CONCURRENT_PER_CALLER: '1', MCP_HTTP_QUEUE_WAIT_MS: '5000' }),
    );
    try {
      const client = await open(remote);
      const group = await seedGroup(client, 'wave-c', 9_830_000_000, GROUP);
      const controller = new AbortController();
      const running = tagSlowly(client, 'wave-c', {
        signal: controller.signal,
        onprogress: ({ progress }) => progress >= 4 && controller.abort(),
      });
      await expect(running).rejects.toThrow();
      const next = await call(client, 'list_contacts', { tag: 'wave-c', limit: 1 });
      expect(textOf(next)).not.toMatch(/Too many/);
      expect(structured<{ total: number }>(next).total).toBe(GROUP);
      expect(updatesOf(group).length).toBeLessThan(GROUP);
    } finally {
      await stopRemote(remote);
    }
  }, 30_000);
});

describe('a 2026-07-28 client', () => {
  it('cancels by closing its response stream: the writes of tag_contacts stop within a second', async () => {
    const remote = await startRemote(env());
    try {
      const client = await connect(remote.url, {}, { client: { versionNegotiation: { mode: 'auto' } } });
      opened.push(client);
      expect(client.getProtocolEra()).toBe('modern');
      const group = await seedGroup(client, 'wave-d', 9_840_000_000, GROUP);
      const controller = new AbortController();
      let cancelledAt = 0;
      const running = tagSlowly(client, 'wave-d', {
        signal: controller.signal,
        onprogress: ({ progress }) => {
          if (progress >= 8 && cancelledAt === 0) {
            cancelledAt = Date.now();
            controller.abort('the user changed their mind');
          }
        },
      });
      await expect(running).rejects.toThrow();
      await waitFor(
        () => new RegExp(`tag_contacts cancelled after \\d+ of ${GROUP} contacts`).test(remote.stderr()),
        'the call to stop',
      );
      const writes = updatesOf(group);
      expect(writes.filter((write) => write.start > cancelledAt + 1_000)).toEqual([]);
      expect(writes.length).toBeLessThan(GROUP / 2);
      const changed = sandbox.contacts().filter((c) => group.has(c.id) && c.tags.includes('contacted'));
      expect(changed.length).toBe(writes.length); // every write that started was completed
    } finally {
      await stopRemote(remote);
    }
  }, 30_000);
});
