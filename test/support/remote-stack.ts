/**
 * Remote-mode harness: the built CLI started with `--http --port 0`, an upstream proxy that watches the
 * API traffic, the SDK's Streamable HTTP client, and raw node:http for what a client would never send.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Client,
  type ClientOptions,
  StreamableHTTPClientTransport,
  type CallToolResult,
} from '@modelcontextprotocol/client';
import { afterAll, expect } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { CLI, textOf } from './context.js';

export { waitFor } from './context.js';

export const MCP_ACCEPT = 'application/json, text/event-stream';

export interface Remote {
  /** http://127.0.0.1:PORT/mcp, as printed by the server. */
  url: string;
  child: ChildProcess;
  stderr(): string;
  stdout(): string;
  exit: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Spawns `node dist/cli.js --http --port 0 ...` and waits for the URL it prints on stderr. */
export async function startRemote(env: Record<string, string>, args: string[] = []): Promise<Remote> {
  const child = spawn(process.execPath, [CLI, '--http', '--port', '0', ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed in 10 s; stderr:\n${stderr}`)), 10_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+\/mcp)/.exec(stderr);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening; stderr:\n${stderr}`));
    });
  });
  return { url, child, exit, stderr: () => stderr, stdout: () => stdout };
}

export async function stopRemote(remote: Remote): Promise<void> {
  if (remote.child.exitCode === null) remote.child.kill('SIGTERM');
  await remote.exit;
}

/**
 * The environment that makes a sandbox's account the operator's account of a remote server; `more`
 * adds settings, or points VOBIZ_BASE_URL at a proxy in front of the sandbox.
 */
export function operatorEnv(sandbox: Sandbox, more: Record<string, string> = {}): Record<string, string> {
  return {
    VOBIZ_BASE_URL: sandbox.baseUrl,
    VOBIZ_AUTH_ID: sandbox.credentials.authId,
    VOBIZ_AUTH_TOKEN: sandbox.credentials.authToken,
    ...more,
  };
}

/** Starts `server` on 127.0.0.1, port 0; `close` also ends its open connections. */
export async function listenOnLoopback(server: http.Server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/v1/messaging`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export interface UpstreamCall {
  method: string;
  path: string;
  /** Date.now() when the request reached the proxy, and when its answer had been passed on. */
  start: number;
  end?: number;
  /** The `x-request-id` and `traceparent` the server sent along. */
  requestId?: string;
  traceparent?: string;
}

/**
 * One base URL in front of one or more single-account sandboxes, routing each request by its
 * credentials (what the real multi-account API does), and recording every request with its timing and
 * how many were in flight at most. The server under test sees one upstream, as in production.
 */
export async function startProxy(sandboxes: Sandbox[]) {
  const calls: UpstreamCall[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    const target =
      sandboxes.find(
        ({ credentials }) =>
          req.headers['x-auth-id'] === credentials.authId ||
          req.headers.authorization === `Bearer ${credentials.bearerToken}`,
      ) ?? sandboxes[0];
    if (!target) throw new Error('no sandbox');
    const call: UpstreamCall = { method: req.method ?? '', path: req.url ?? '', start: Date.now() };
    for (const [field, header] of [
      ['requestId', 'x-request-id'],
      ['traceparent', 'traceparent'],
    ] as const) {
      const value = req.headers[header];
      if (typeof value === 'string') call[field] = value;
    }
    calls.push(call);
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    res.once('close', () => {
      call.end = Date.now();
      inFlight -= 1;
    });
    const upstream = http.request(
      { host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return {
    ...(await listenOnLoopback(server)),
    calls,
    /** The most requests the API had from the server at once. */
    maxInFlight: () => maxInFlight,
  };
}

/** A fetch for the SDK client that keeps the raw text of every request body and every answer. */
export function recordingFetch() {
  const sent: string[] = [];
  const received: string[] = [];
  const record: typeof fetch = async (input, init) => {
    if (typeof init?.body === 'string') sent.push(init.body);
    const response = await fetch(input, init);
    if (!response.body) return response;
    const [mine, theirs] = response.body.tee();
    void new Response(mine).text().then(
      (text) => received.push(text),
      () => undefined,
    );
    return new Response(theirs, { status: response.status, headers: response.headers });
  };
  return { fetch: record, sent, received };
}

export async function connect(
  url: string,
  headers: Record<string, string> = {},
  options: { client?: ClientOptions; fetch?: typeof fetch } = {},
): Promise<Client> {
  const client = new Client({ name: 'http-e2e', version: '1.0.0' }, options.client);
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers },
      ...(options.fetch && { fetch: options.fetch }),
    }),
  );
  return client;
}

export async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The approval token a result carries (structuredContent.approval), if any. */
export function approvalTokenOf(result: CallToolResult): string | undefined {
  return (result.structuredContent as { approval?: { token?: string } } | undefined)?.approval?.token;
}

/**
 * `args` with the approval remote mode needs for the change: the token its dry run answers with (for
 * delete_contact, which has none, the refused call's), as a model sends it once the user has said yes.
 */
export async function approvedArgs(client: Client, name: string, args: Record<string, unknown>) {
  const preview = await call(client, name, name === 'delete_contact' ? args : { ...args, dry_run: true });
  const token = approvalTokenOf(preview);
  if (!token) throw new Error(`${name} answered no approval: ${textOf(preview)}`);
  return { ...args, approval: token };
}

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request: lets a test send a foreign Host, a wrong token, an oversized body, a batch. */
export function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: options.method ?? 'POST',
        headers: { 'content-type': 'application/json', accept: MCP_ACCEPT, ...options.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A tools/call message, sent without initialize: the endpoint is stateless. */
export function toolCall(name: string, args: Record<string, unknown> = {}, id: number | string = 1) {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
}

/** The JSON-RPC result inside an SSE or JSON answer. */
export function resultOf(answer: RawAnswer): CallToolResult {
  const json = answer.headers['content-type']?.startsWith('text/event-stream')
    ? answer.body
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice(6)) as { result?: CallToolResult })
        .find((message) => message.result)
    : (JSON.parse(answer.body) as { result?: CallToolResult });
  if (!json?.result) throw new Error(`no result in: ${answer.body}`);
  return json.result;
}

export function rpcError(answer: RawAnswer): { code: number; message: string } {
  const body = JSON.parse(answer.body) as { jsonrpc: string; error: { code: number; message: string } };
  expect(body.jsonrpc).toBe('2.0');
  return body.error;
}

export function structured<T>(result: CallToolResult): T {
  expect(result.isError, textOf(result)).toBeFalsy();
  return result.structuredContent as T;
}

/** A list_contacts result (its contacts a table: contactsOf in harness.ts reads them as records). */
export type ListOutput = { contacts: { columns: string[]; rows: unknown[][] }; total: number };
