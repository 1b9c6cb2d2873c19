/**
 * A client that declares roots but never answers roots/list (some do) must not stall an import: after
 * the roots timeout the configured directories apply, and the result says so. In memory, with the
 * timeout shortened to 1 s; the SDK client's own 60 s request timeout would show a stall as a test timeout.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, InMemoryTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { createServer } from '../../src/mcp/create-server.js';
import { VobizClient } from '../../src/vobiz/client.js';
import { textOf } from '../support/context.js';

let sandbox: Sandbox;
let vobiz: VobizClient;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: false });
  vobiz = new VobizClient({ baseUrl: sandbox.baseUrl, credentials: sandbox.credentials, timeoutMs: 5_000 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'vobiz-roots-'));
});
afterAll(async () => {
  await vobiz.close();
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

it('a client that never answers roots/list gets the configured directories after the timeout, and is told', async () => {
  const server = createServer({
    client: vobiz,
    import: {
      allowedDirs: [dir],
      maxFileBytes: 1 << 20,
      maxInlineBytes: 1 << 20,
      chunkRows: 100,
      rootsTimeoutMs: 1_000,
    },
    confirm: { mode: 'never', bulkThreshold: 100 },
    bulkConcurrency: 2,
  });
  const client = new Client({ name: 'silent-roots', version: '1.0.0' }, { capabilities: { roots: {} } });
  client.setRequestHandler('roots/list', () => new Promise<never>(() => undefined));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  const file = path.join(dir, 'fair.csv');
  await writeFile(file, 'phone_number,name\n+919800000011,Silent Roots\n');

  const result = (await client.callTool({
    name: 'import_contacts_csv',
    arguments: { file_path: file },
  })) as CallToolResult;

  expect(result.isError, textOf(result)).toBeFalsy();
  expect(sandbox.contacts().map((c) => c.name)).toEqual(['Silent Roots']);
  expect(textOf(result)).toMatch(
    /Warning: The client did not list its roots \(.*timed out.*\), so the server's configured directories applied/i,
  );
  await client.close();
});
