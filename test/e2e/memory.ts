/**
 * The in-memory end-to-end harness: the server built by createServer() (the same code the CLI runs,
 * never a stale build), linked to the SDK's real Client through InMemoryTransport, making real HTTP calls
 * to a sandbox on loopback. Most end-to-end tests use this; a few go over real stdio (harness.ts).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { createServer } from '../../src/server.js';
import type { ToolContext } from '../../src/tools/context.js';
import { VobizClient } from '../../src/vobiz/client.js';

export interface MemoryStack {
  sandbox: Sandbox;
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export interface MemoryStackOptions {
  sandbox?: SandboxOptions;
  /** Parts of the tool context to change, e.g. `import: { allowedDirs: [dir], … }`. */
  context?: Partial<Omit<ToolContext, 'client'>>;
}

export async function startMemoryStack(options: MemoryStackOptions = {}): Promise<MemoryStack> {
  const sandbox = await startSandbox({ port: 0, ...options.sandbox });
  const vobiz = new VobizClient({
    baseUrl: sandbox.baseUrl,
    credentials: sandbox.credentials,
    timeoutMs: 10_000,
    retry: { baseDelayMs: 5 },
  });
  const server = createServer({
    client: vobiz,
    import: { allowedDirs: [], maxFileBytes: 100 << 20, maxInlineBytes: 5 << 20, chunkRows: 5_000 },
    confirm: { mode: 'never', bulkThreshold: 50 },
    bulkConcurrency: 4,
    ...options.context,
  });
  const client = new Client({ name: 'e2e-memory', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  await client.listTools(); // so that the client checks every structured result against its schema
  return {
    sandbox,
    client,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await vobiz.close();
      await sandbox.close();
    },
  };
}
