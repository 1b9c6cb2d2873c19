/**
 * What an operator sees of a running remote server: `GET /metrics` counts the calls it answered, the
 * API requests they made and how those went; stderr has one JSON line per request, with the request id
 * the caller sent (and got back), the tool, the outcome and the API's own request ids — and no secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { textOf } from '../support/context.js';
import {
  operatorEnv,
  raw,
  resultOf,
  startProxy,
  startRemote,
  stopRemote,
  toolCall,
  waitFor,
  type Remote,
} from '../support/remote-stack.js';

/** A distinctive endpoint token: found anywhere in the log, it leaked. */
const TOKEN = 'endpoint-token-Qx7Rv2Lm9Kp4Wz8';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let sandbox: Sandbox;
let proxy: Awaited<ReturnType<typeof startProxy>>;
let remote: Remote;
let metricsUrl: string;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: true });
  proxy = await startProxy([sandbox]);
  remote = await startRemote(operatorEnv(sandbox, { VOBIZ_BASE_URL: proxy.baseUrl, MCP_HTTP_TOKEN: TOKEN }));
  metricsUrl = remote.url.replace(/\/mcp$/, '/metrics');
}, 20_000);
afterAll(async () => {
  await stopRemote(remote);
  await proxy?.close();
  await sandbox?.close();
});

/** The value of one sample in the text format, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const has = Object.entries(labels).every(([key, value]) => match[1]?.includes(`${key}="${value}"`));
    if (has) return Number(match[2]);
  }
  return 0;
}

/** The JSON lines of stderr, parsed; lines that are not JSON fail the test. */
function logLines(): Record<string, unknown>[] {
  return remote
    .stderr()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('GET /metrics', () => {
  it('needs the endpoint token when one is set', async () => {
    const answer = await raw(metricsUrl, { method: 'GET' });
    expect(answer.status).toBe(401);
  });

  it('counts tool calls by outcome, and the API requests by status', async () => {
    const before = (await raw(metricsUrl, { method: 'GET', headers: AUTH })).body;
    const listed = await raw(remote.url, { headers: AUTH, body: toolCall('list_contacts', { limit: 5 }) });
    expect(resultOf(listed).isError).toBeFalsy();
    const missing = await raw(remote.url, {
      headers: AUTH,
      body: toolCall('get_contact', { id: 'nosuch1' }),
    });
    expect(resultOf(missing).isError).toBe(true);

    const scraped = await raw(metricsUrl, { method: 'GET', headers: AUTH });
    expect(scraped.status).toBe(200);
    expect(scraped.headers['content-type']).toMatch(/^text\/plain/);
    const after = scraped.body;
    const delta = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta('vobiz_mcp_tool_calls_total', { tool: 'list_contacts', outcome: 'success' })).toBe(1);
    expect(delta('vobiz_mcp_tool_calls_total', { tool: 'get_contact', outcome: 'failure' })).toBe(1);
    expect(delta('vobiz_mcp_tool_call_duration_seconds_count', { tool: 'get_contact' })).toBe(1);
    expect(
      delta('vobiz_mcp_upstream_requests_total', { method: 'GET', route: '/contacts', status: '200' }),
    ).toBe(1);
    expect(
      delta('vobiz_mcp_upstream_requests_total', { method: 'GET', route: '/contacts/:id', status: '404' }),
    ).toBe(1);
    // The gauges and the process metrics are there too.
    for (const name of [
      'vobiz_mcp_requests_in_flight',
      'vobiz_mcp_requests_queued',
      'vobiz_mcp_upstream_in_flight',
      'vobiz_mcp_upstream_queued',
      'process_cpu_seconds_total',
    ]) {
      expect(after).toMatch(new RegExp(`^${name} `, 'm'));
    }
    expect(after).toMatch(/^vobiz_mcp_jobs\{state="running"\} 0$/m);
  });

  it('counts 429s and retries', async () => {
    const before = (await raw(metricsUrl, { method: 'GET', headers: AUTH })).body;
    // Every request answered 429 once, then served: each call retries once.
    sandbox.setNetwork({ rateLimit: { perSecond: 1, burst: 1 } });
    try {
      const answers = await Promise.all(
        [0, 1, 2].map((i) => raw(remote.url, { headers: AUTH, body: toolCall('list_contacts', {}, i) })),
      );
      for (const answer of answers) expect(textOf(resultOf(answer))).toBeTruthy();
    } finally {
      sandbox.setNetwork({});
    }
    const after = (await raw(metricsUrl, { method: 'GET', headers: AUTH })).body;
    const limited = sample(after, 'vobiz_mcp_upstream_rate_limited_total');
    expect(limited).toBeGreaterThan(sample(before, 'vobiz_mcp_upstream_rate_limited_total'));
    expect(sample(after, 'vobiz_mcp_upstream_retries_total', { status: '429' })).toBeGreaterThan(
      sample(before, 'vobiz_mcp_upstream_retries_total', { status: '429' }),
    );
  });
});

describe('request logs', () => {
  it("a failing call's line has its request id, tool, outcome and the API's request id, and no secret", async () => {
    const id = 'op-trace-4711';
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const answer = await raw(remote.url, {
      headers: { ...AUTH, 'x-request-id': id, traceparent },
      body: toolCall('get_contact', { id: 'nosuch2' }),
    });
    expect(resultOf(answer).isError).toBe(true);
    expect(answer.headers['x-request-id']).toBe(id);
    // The id and the trace went upstream with the request.
    const upstream = proxy.calls.filter((call) => call.requestId === id);
    expect(upstream.map((call) => call.path)).toEqual(['/api/v1/messaging/contacts/nosuch2']);
    expect(upstream[0]?.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);

    await waitFor(() => logLines().some((line) => line['reqId'] === id), 'the request line');
    const line = logLines().find((entry) => entry['reqId'] === id)!;
    expect(line).toMatchObject({
      msg: 'request',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      rpc: 'tools/call',
      tool: 'get_contact',
      outcome: 'failure',
      status: 200,
      upstream: { requests: 1, statuses: { '404': 1 }, retries: 0 },
    });
    expect(line['durationMs']).toEqual(expect.any(Number));
    const upstreamIds = (line['upstream'] as { requestIds: string[] }).requestIds;
    expect(upstreamIds).toHaveLength(1);
    expect(upstreamIds[0]).toMatch(/\S/);

    const log = remote.stderr();
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(sandbox.credentials.authToken);
  });

  it('makes a request id when the caller sends none, or one that is not a plain token', async () => {
    const bad = await raw(remote.url, {
      headers: { ...AUTH, 'x-request-id': 'has spaces and "quotes"' },
      body: toolCall('list_contacts', { limit: 1 }),
    });
    const made = bad.headers['x-request-id'];
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(() => logLines().some((line) => line['reqId'] === made), 'the request line');
  });
});
