/**
 * A loopback HTTP server that answers each request with the next responder of its script, and records
 * what it received: for client tests that need an exact sequence of answers (503, then 404, …).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, InMemoryTransport, type CallToolResult } from '@modelcontextprotocol/client';
import { createServer as createMcpServer } from '../../src/mcp/create-server.js';
import { VobizClient, type VobizClientOptions } from '../../src/vobiz/client.js';

export type Responder = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface Received {
  method: string;
  url: string;
  body: string;
  /** Resolves when the client closed the connection before the answer was complete. */
  abandoned: Promise<void>;
}

export interface ScriptedApi {
  /** e.g. http://127.0.0.1:PORT/api/v1/messaging */
  baseUrl: string;
  /** The answers still to give, in order; an unscripted request gets a 500 `UNSCRIPTED`. */
  script: Responder[];
  received: Received[];
  reset(): void;
  close(): Promise<void>;
}

/** A loopback HTTP API of a test's own: `respond` gets each request once its whole body has arrived. */
export async function startLoopbackApi(
  respond: Responder,
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => respond(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/messaging`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export async function startScriptedApi(): Promise<ScriptedApi> {
  const api = {
    script: [] as Responder[],
    received: [] as Received[],
  };
  const loopback = await startLoopbackApi((req, res, body) => {
    let answered = false;
    res.on('finish', () => (answered = true));
    const abandoned = new Promise<void>((resolve) => res.on('close', () => !answered && resolve()));
    api.received.push({ method: req.method ?? '', url: req.url ?? '', body, abandoned });
    const respond = api.script.shift() ?? apiError(500, 'UNSCRIPTED');
    respond(req, res, body);
  });
  return Object.assign(api, {
    baseUrl: loopback.baseUrl,
    reset() {
      api.script = [];
      api.received = [];
    },
    close: loopback.close,
  });
}

export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Responder =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

/** The documented error body. */
export const apiError = (status: number, code: string, headers: Record<string, string> = {}, details = {}) =>
  json(status, { status: 'error', error: { code, message: code.toLowerCase(), details } }, headers);

export const noContent: Responder = (_req, res) => res.writeHead(204).end();

/** Never answers: the client has to give up. */
export const hang: Responder = () => undefined;

/** Destroys the connection without an answer. */
export const drop: Responder = (req) => req.socket.destroy();

/** The phone numbers of an uploaded import chunk's rows, in order, read from its multipart body. */
export const uploadedNumbers = (body: string): string[] =>
  body
    .split(/\r?\n/)
    .filter((line) => line.startsWith('+'))
    .map((line) => line.split(',')[0]!);

/** A list page holding these contacts. */
export const page = (...items: unknown[]) =>
  json(200, { items, total: items.length, page: 1, limit: 100, has_more: false });

/**
 * A full page of search results for `phone`, all longer numbers that contain it, with more always to
 * come: what a lookup by phone number meets in an account crowded with near matches.
 */
export const crowdedSearchPage = (contact: { phone_number: string }) =>
  json(200, {
    items: Array.from({ length: 100 }, (_, n) => ({
      ...contact,
      id: `near-${n}`,
      phone_number: `${contact.phone_number}${n}`,
    })),
    total: 10_000,
    page: 1,
    limit: 100,
    has_more: true,
  });

export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The token the clients below send; a test may check it never shows. */
export const TEST_TOKEN = 'token-for-tests';

/** A VobizClient pointed at the scripted API, with test credentials and the given settings. */
export function clientFor(api: ScriptedApi, options: Omit<Partial<VobizClientOptions>, 'baseUrl'> = {}) {
  return new VobizClient({
    baseUrl: api.baseUrl,
    credentials: { authId: 'MA_TEST', authToken: TEST_TOKEN },
    ...options,
  });
}

/**
 * The server's tools against the scripted API, through a real MCP Client linked in memory: for tool
 * results under exact upstream sequences.
 */
export async function toolsFor(
  api: ScriptedApi,
  options: Omit<Partial<VobizClientOptions>, 'baseUrl'> = {},
): Promise<{
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}> {
  const vobiz = clientFor(api, { timeoutMs: 1_000, retry: { maxRetries: 3, baseDelayMs: 5 }, ...options });
  const server = createMcpServer({
    client: vobiz,
    import: { allowedDirs: [], maxFileBytes: 1024 * 1024, maxInlineBytes: 1024 * 1024, chunkRows: 100 },
    confirm: { mode: 'never', bulkThreshold: 1_000 },
    bulkConcurrency: 2,
  });
  const client = new Client({ name: 'unit', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return {
    call: async (name, args) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await vobiz.close();
    },
  };
}

/** The text of a tool result's first content block. */
export function textOf(result: CallToolResult): string {
  const block = result.content[0];
  return block?.type === 'text' ? block.text : '';
}
