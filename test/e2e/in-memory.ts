/**
 * The server in this process, linked to the SDK's real Client through InMemoryTransport, with a real
 * VobizClient making real HTTP calls to an upstream on loopback (the sandbox, or a test's own server).
 * Faster than spawning the built server, for tests that make thousands of requests; nothing is mocked.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createServer } from '../../src/server.js';
import { VobizClient, type VobizClientOptions, type VobizCredentials } from '../../src/vobiz/client.js';
import { answerElicitations } from './harness.js';

export interface InMemoryStack {
  client: Client;
  vobiz: VobizClient;
  /** The messages of the elicitation requests the server sent. */
  elicitations: string[];
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export interface InMemoryOptions {
  baseUrl: string;
  credentials: VobizCredentials;
  vobiz?: Partial<VobizClientOptions>;
  /** Bulk changes above this many contacts are confirmed (default: never asked). */
  bulkThreshold?: number;
  /** Answers elicitation requests (declares the capability). */
  elicit?: (message: string) => 'accept' | 'decline';
  bulkConcurrency?: number;
}

export async function startInMemory(options: InMemoryOptions): Promise<InMemoryStack> {
  const vobiz = new VobizClient({
    baseUrl: options.baseUrl,
    credentials: options.credentials,
    timeoutMs: 10_000,
    ...options.vobiz,
  });
  const server = createServer({
    client: vobiz,
    import: { allowedDirs: [], maxFileBytes: 1, maxInlineBytes: 1024 * 1024, chunkRows: 500 },
    confirm: { mode: 'auto', bulkThreshold: options.bulkThreshold ?? 1_000_000 },
    bulkConcurrency: options.bulkConcurrency ?? 8,
  });
  const client = new Client(
    { name: 'in-memory-test', version: '1.0.0' },
    { capabilities: options.elicit ? { elicitation: {} } : {} },
  );
  const elicitations = options.elicit ? answerElicitations(client, options.elicit) : [];
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  await client.listTools(); // so that the client checks every structured result against its schema
  return {
    client,
    vobiz,
    elicitations,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await vobiz.close();
    },
  };
}

export { textOf } from './harness.js';
