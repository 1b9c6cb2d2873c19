/**
 * The in-memory end-to-end harness: the server built by createServer() (the same code the CLI runs,
 * never a stale build), linked to the SDK's real Client through InMemoryTransport, making real HTTP calls
 * to a sandbox on loopback. Most end-to-end tests use this; a few go over real stdio (harness.ts).
 * `linkServer` does the same against any upstream on loopback (a test's own misbehaving server).
 */
import { InMemoryTransport, type CallToolResult, type Client } from '@modelcontextprotocol/client';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { createServer } from '../../src/mcp/create-server.js';
import type { ToolContext } from '../../src/mcp/context.js';
import { VobizClient, type VobizClientOptions, type VobizCredentials } from '../../src/vobiz/client.js';
import { testClient } from './context.js';

export interface MemoryLink {
  client: Client;
  /** The messages of the elicitation requests the server sent (with `elicit`). */
  elicitations: string[];
  /** The log messages the server sent the client (notifications/message), as text, in order. */
  logs: string[];
  /** Errors the client met on the connection, e.g. a notification it could not handle. */
  protocolErrors: Error[];
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Closes the client and the server's connections to the upstream (not the upstream). */
  close(): Promise<void>;
}

export interface MemoryStack extends MemoryLink {
  sandbox: Sandbox;
}

export interface LinkOptions {
  /** Parts of the tool context to change, e.g. `import: { allowedDirs: [dir], … }`. */
  context?: Partial<Omit<ToolContext, 'client'>>;
  /** Client settings to change, e.g. `deadlineMs`. */
  vobiz?: Partial<VobizClientOptions>;
  /** Answers elicitation requests (the client declares the capability); records each question. */
  elicit?: (message: string) => 'accept' | 'decline' | 'cancel' | 'fail';
  /** Directories the client offers as its roots; without it the client declares no roots capability. */
  roots?: string[];
  /** The client declares the MCP Apps extension: it renders the review view (review/review-app.ts). */
  apps?: boolean;
}

export interface MemoryStackOptions extends LinkOptions {
  sandbox?: SandboxOptions;
}

export async function startMemoryStack(options: MemoryStackOptions = {}): Promise<MemoryStack> {
  const sandbox = await startSandbox({ port: 0, ...options.sandbox });
  const link = await linkServer(sandbox, options);
  return {
    ...link,
    sandbox,
    close: async () => {
      await link.close();
      await sandbox.close();
    },
  };
}

/** The server, against the upstream at `baseUrl`, linked in memory to a real Client. */
export async function linkServer(
  upstream: { baseUrl: string; credentials: VobizCredentials },
  options: LinkOptions = {},
): Promise<MemoryLink> {
  const vobiz = new VobizClient({
    baseUrl: upstream.baseUrl,
    credentials: upstream.credentials,
    timeoutMs: 10_000,
    retry: { baseDelayMs: 5 },
    ...options.vobiz,
  });
  const server = createServer({
    client: vobiz,
    import: { allowedDirs: [], maxFileBytes: 100 << 20, maxInlineBytes: 5 << 20, chunkRows: 5_000 },
    confirm: { mode: 'never', bulkThreshold: 50 },
    bulkConcurrency: 4,
    ...options.context,
  });
  const { client, elicitations } = testClient('e2e-memory', options);
  const logs: string[] = [];
  client.setNotificationHandler('notifications/message', ({ params }) => {
    logs.push(typeof params.data === 'string' ? params.data : JSON.stringify(params.data));
  });
  const protocolErrors: Error[] = [];
  client.onerror = (error) => protocolErrors.push(error);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  await client.listTools(); // so that the client checks every structured result against its schema
  return {
    client,
    elicitations,
    logs,
    protocolErrors,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await vobiz.close();
    },
  };
}
