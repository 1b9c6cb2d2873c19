/**
 * VOBIZ_DEADLINE_MS bounds a whole tool call, not each request: list_tags walks pages, and once the
 * time budget is spent it stops, reports what it read as partial and says why, however many pages are
 * left. Driven through the MCP tool (in memory) against a scripted API whose pages are each slow but each
 * within the timeout.
 */
import { Client, InMemoryTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer } from '../../src/mcp/create-server.js';
import { VobizClient } from '../../src/vobiz/client.js';
import { startScriptedApi, type Responder, type ScriptedApi, clientFor } from './scripted-api.js';

// Each page well within the timeout; the first well within the deadline, even on a loaded machine.
const PAGE_DELAY_MS = 400;
const DEADLINE_MS = 1_500;

let api: ScriptedApi;
let vobiz: VobizClient;
let client: Client;

beforeAll(async () => {
  api = await startScriptedApi();
  vobiz = clientFor(api, {
    timeoutMs: 5_000,
    deadlineMs: DEADLINE_MS,
    retry: { maxRetries: 0 },
    // One page at a time, so that the deadline, not the end of the list, is what stops the scan.
    concurrency: 1,
  });
  const server = createServer({
    client: vobiz,
    import: { allowedDirs: [], maxFileBytes: 1, maxInlineBytes: 1, chunkRows: 1 },
    confirm: { mode: 'never', bulkThreshold: 0 },
    bulkConcurrency: 1,
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'deadline-test', version: '1.0.0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
});
afterAll(async () => {
  await client.close();
  await vobiz.close();
  await api.close();
});

/** A full page of 100 tagged contacts out of 1,000, answered after PAGE_DELAY_MS. */
const slowPage =
  (page: number): Responder =>
  (_req, res) => {
    const items = Array.from({ length: 100 }, (_, i) => ({
      id: `c${page}-${i}`,
      phone_number: `+9198${String(page * 100 + i).padStart(8, '0')}`,
      name: `Contact ${i}`,
      tags: ['vip'],
    }));
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items, total: 1_000, page, limit: 100, has_more: page < 10 }));
    }, PAGE_DELAY_MS);
  };

it('list_tags stops at the call deadline, says so, and reads no more pages', async () => {
  api.script = Array.from({ length: 10 }, (_, i) => slowPage(i + 1));
  const result = (await client.callTool({ name: 'list_tags', arguments: {} })) as CallToolResult;
  // What it read is reported, as partial counts with the reason, not thrown away.
  expect(result.isError).toBeFalsy();
  expect(result.structuredContent).toMatchObject({
    complete: false,
    stopped: 'deadline',
    total: 1_000,
  });
  const text = result.content[0]?.type === 'text' ? result.content[0].text : '';
  expect(text).toMatch(/time budget \(VOBIZ_DEADLINE_MS\) ran out .* counts are lower bounds/);
  // 1.5 s buys three 400 ms pages and part of a fourth, never all ten.
  expect(api.received.length).toBeLessThanOrEqual(Math.ceil(DEADLINE_MS / PAGE_DELAY_MS));
});
