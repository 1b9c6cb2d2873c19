/**
 * End-to-end harness: a sandbox on loopback, the built server spawned as a child process, and the
 * SDK's Client talking to it over stdio — the same parts a user runs, nothing mocked.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client, type CallToolResult } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import type { ContactOutput } from '../../src/mcp/contact-output.js';
import { fromTable } from '../../src/mcp/table.js';
import { APP_MIME_TYPE } from '../../src/mcp/sdk.js';
import { APPS_EXTENSION } from '../../src/review/review-app.js';

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

/** A job's status in get_job's and a long call's structured answers. */
export interface JobStatus {
  id: string;
  state: string;
  done: number;
  total?: number;
}

/** tag_contacts's counts, in its structured result. */
export interface TagResult {
  matched: number;
  changed: number;
  unchanged: number;
  failed: number;
}

export interface Stack {
  sandbox: Sandbox;
  client: Client;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Errors the client transport met, e.g. a stdout line that is not JSON-RPC. */
  protocolErrors: Error[];
  /** The messages of the elicitation requests the server sent. */
  elicitations: string[];
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export interface StackOptions {
  sandbox?: SandboxOptions;
  /** Extra environment for the server; `null` removes a variable the harness would set. */
  env?: Record<string, string | null>;
  args?: string[];
  cwd?: string;
  /** Directories the client offers as its roots; without it the client declares no roots capability. */
  roots?: string[];
  /** Answers elicitation requests (declares the capability); records each message it was asked. */
  elicit?: (message: string) => 'accept' | 'decline' | 'cancel' | 'fail';
  /** The client declares the MCP Apps extension: it renders the review view (src/review/review-app.ts). */
  apps?: boolean;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sandbox = await startSandbox({ port: 0, ...options.sandbox });
  const env: Record<string, string> = {
    VOBIZ_BASE_URL: sandbox.baseUrl,
    VOBIZ_AUTH_ID: sandbox.credentials.authId,
    VOBIZ_AUTH_TOKEN: sandbox.credentials.authToken,
  };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === null) delete env[key];
    else env[key] = value;
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...(options.args ?? [])],
    env,
    stderr: 'pipe',
    ...(options.cwd && { cwd: options.cwd }),
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const protocolErrors: Error[] = [];
  const { client, elicitations } = testClient('e2e-test', options);
  client.onerror = (error) => protocolErrors.push(error);
  await client.connect(transport);
  return {
    sandbox,
    client,
    stderr: () => stderr,
    protocolErrors,
    elicitations,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await sandbox.close();
    },
  };
}

/**
 * The MCP client of a test, as a user's client would be: declaring roots and elicitation only when the
 * test gives them, answering each with what the test says; the questions asked are recorded.
 */
export function testClient(
  name: string,
  options: Pick<StackOptions, 'roots' | 'elicit' | 'apps'>,
): { client: Client; elicitations: string[] } {
  const client = new Client(
    { name, version: '1.0.0' },
    {
      capabilities: {
        ...(options.roots && { roots: { listChanged: false } }),
        ...(options.elicit && { elicitation: {} }),
        ...(options.apps && { extensions: { [APPS_EXTENSION]: { mimeTypes: [APP_MIME_TYPE] } } }),
      },
    },
  );
  const elicitations = options.elicit ? answerElicitations(client, options.elicit) : [];
  if (options.roots) {
    const roots = options.roots.map((dir) => ({ uri: pathToFileURL(dir).href, name: path.basename(dir) }));
    client.setRequestHandler('roots/list', () => ({ roots }));
  }
  return { client, elicitations };
}

/**
 * Answers the server's elicitation requests with `answer` (the client must declare the capability);
 * returns the list the questions asked are recorded in.
 */
export function answerElicitations(
  client: Client,
  answer: (message: string) => 'accept' | 'decline' | 'cancel' | 'fail',
): string[] {
  const elicitations: string[] = [];
  client.setRequestHandler('elicitation/create', (request) => {
    elicitations.push(request.params.message);
    const action = answer(request.params.message);
    if (action === 'fail') throw new Error('the client could not show the question');
    return action === 'accept' ? { action, content: { confirm: true } } : { action };
  });
  return elicitations;
}

/** The text of a tool result's first content block. */
export function textOf(result: CallToolResult): string {
  const block = result.content[0];
  return block && block.type === 'text' ? block.text : '';
}

/** A mark for requestsSince: how many requests the sandbox has received so far. */
export function requestMark(sandbox: Sandbox): number {
  return sandbox.requestCount();
}

/**
 * The requests the sandbox received since `mark` (from requestMark). Counted, not indexed: the request
 * log keeps only the latest entries, and an index into it would slide and silently check nothing after a
 * heavy run. Throws when the log no longer holds them all, rather than return fewer.
 */
export function requestsSince(sandbox: Sandbox, mark: number) {
  const log = sandbox.requestLog;
  const count = sandbox.requestCount() - mark;
  if (count > log.length) {
    throw new Error(
      `${count} requests since the mark, but the sandbox's log keeps only the latest ${log.length}`,
    );
  }
  return count === 0 ? [] : log.slice(log.length - count);
}

/** The JSON-RPC messages that open a session, for tests that speak to the server's stdin directly. */
export const OPENING_MESSAGES = [
  {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
] as const;

/**
 * Whether the sandbox is still handling a request — one held by a latency fault included: "answered
 * while the slow request was still held upstream" shows a client did not wait for it, on any clock.
 */
export async function busy(sandbox: Sandbox): Promise<boolean> {
  let idle = false;
  void sandbox.idle().then(() => (idle = true));
  await new Promise((resolve) => setImmediate(resolve)); // an idle sandbox has said so by then
  return !idle;
}

/**
 * Polls `condition` until it holds, for what a server or the sandbox does in its own time; fails after
 * `ms` (long, so that a loaded machine is never mistaken for a broken server), naming `what` it awaited.
 */
export async function waitFor(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const until = Date.now() + ms; !condition();) {
    if (Date.now() > until) throw new Error(`not in ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A contact as a list_contacts result gives it: its empty fields (tags, attributes, activity) left out. */
export type ListedContact = ContactOutput;

/** The contacts of a list_contacts result, whose structured content holds them as a table. */
export function contactsOf(result: CallToolResult): ListedContact[] {
  const structured = result.structuredContent as { contacts?: Parameters<typeof fromTable>[0] } | undefined;
  if (!structured?.contacts) throw new Error(`not a page of contacts: ${textOf(result).slice(0, 300)}`);
  return fromTable<ListedContact>(structured.contacts);
}

/**
 * The structured content of an import_contacts_csv result with its tables (errors, sample) read as
 * lists, an empty list where the result leaves a table out, and 0 for a count it leaves out (none).
 */
export function importOutOf(structured: unknown): Record<string, unknown> & {
  errors: { row: number; phone_number: string; reason: string }[];
  sample: { row: number; phone_number: string; name: string; tags?: string[]; attributes?: object }[];
  errors_omitted: number;
  phone_numbers_normalised: number;
  repeated_numbers: number;
} {
  const out = structured as Record<string, unknown>;
  type Table = Parameters<typeof fromTable>[0];
  // An error result has none: left as it is, for the test to find nothing in it.
  if (out === undefined) return out as unknown as ReturnType<typeof importOutOf>;
  return {
    ...out,
    errors: out['errors'] ? fromTable(out['errors'] as Table) : [],
    sample: out['sample'] ? fromTable(out['sample'] as Table) : [],
    errors_omitted: (out['errors_omitted'] as number | undefined) ?? 0,
    phone_numbers_normalised: (out['phone_numbers_normalised'] as number | undefined) ?? 0,
    repeated_numbers: (out['repeated_numbers'] as number | undefined) ?? 0,
  };
}
