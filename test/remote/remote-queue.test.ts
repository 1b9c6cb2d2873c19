/**
 * Queue, then refuse: requests of one account past its concurrency wait for a slot in a bounded queue,
 * and are refused with 429 + Retry-After only when the queue is full or the wait runs out.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { textOf } from '../support/context.js';
import {
  call,
  connect,
  operatorEnv,
  raw,
  rpcError,
  startProxy,
  startRemote,
  stopRemote,
  toolCall,
  waitFor,
  type Remote,
} from '../support/remote-stack.js';

const AGENTS = 50;
const CALLS_PER_AGENT = 3;
const DEFAULT_PER_CALLER = 16;

let sandbox: Sandbox;
let proxy: Awaited<ReturnType<typeof startProxy>>;

beforeAll(async () => {
  sandbox = await startSandbox();
  proxy = await startProxy([sandbox]);
});
afterAll(async () => {
  await proxy.close();
  await sandbox.close();
});

/** The sandbox's account as the operator's, reached through the proxy that counts requests in flight. */
const env = (more: Record<string, string> = {}) =>
  operatorEnv(sandbox, { VOBIZ_BASE_URL: proxy.baseUrl, ...more });

describe('many agents on one account, default settings', () => {
  let remote: Remote;
  beforeAll(async () => {
    remote = await startRemote(env());
  }, 20_000);
  afterAll(async () => stopRemote(remote));

  it(`serves ${AGENTS} agents × ${CALLS_PER_AGENT} concurrent calls without an error, ${DEFAULT_PER_CALLER} at a time`, async () => {
    // Slow enough that the calls pile up far past the account's slots.
    sandbox.faults.inject({ fault: { kind: 'latency', ms: 150 }, route: 'list', times: Infinity });
    const agents: Client[] = [];
    try {
      agents.push(...(await Promise.all(Array.from({ length: AGENTS }, () => connect(remote.url)))));
      const started = proxy.calls.length;
      const results = await Promise.all(
        agents.flatMap((agent, i) =>
          Array.from({ length: CALLS_PER_AGENT }, (_, j) =>
            call(agent, 'list_contacts', { limit: 5, page: 1 + ((i + j) % 2) }),
          ),
        ),
      );
      const failed = results.filter((result) => result.isError).map(textOf);
      expect(failed).toEqual([]);
      expect(results).toHaveLength(AGENTS * CALLS_PER_AGENT);
      expect(proxy.calls.length - started).toBe(AGENTS * CALLS_PER_AGENT);
      // They queued: the account never had more than its slots' worth of requests at once.
      expect(proxy.maxInFlight()).toBe(DEFAULT_PER_CALLER);
    } finally {
      sandbox.faults.clear();
      await Promise.all(agents.map((agent) => agent.close()));
    }
  }, 60_000);
});

describe('a queue that runs out', () => {
  it('refuses with 429 and Retry-After a request that waited MCP_HTTP_QUEUE_WAIT_MS for a slot', async () => {
    const remote = await startRemote(
      env({ MCP_HTTP_MAX_CONCURRENT_PER_CALLER: '1', MCP_HTTP_QUEUE_WAIT_MS: '1000' }),
    );
    try {
      sandbox.faults.inject({ fault: { kind: 'latency', ms: 2_500 }, route: 'list', times: 1 });
      const started = proxy.calls.length;
      const slow = raw(remote.url, { body: toolCall('list_contacts') });
      await waitFor(() => proxy.calls.length > started, 'the slow call to reach the API');

      const waited = await raw(remote.url, { body: toolCall('list_contacts') });
      expect(waited.status).toBe(429);
      expect(waited.headers['retry-after']).toBe('1');
      expect(rpcError(waited).message).toMatch(/no slot came free within 1000 ms/);
      // The account is busy, not the server: what needs no account is still answered at once.
      const listed = await raw(remote.url, {
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
      });
      expect(listed.status).toBe(200);

      expect((await slow).status).toBe(200);
      expect(proxy.calls.length - started).toBe(1);
    } finally {
      sandbox.faults.clear();
      await stopRemote(remote);
    }
  }, 20_000);
});
