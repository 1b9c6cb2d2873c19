/**
 * Runs one JSON-RPC request of a POST on a fresh McpServer, transport and VobizClient, holding that
 * request's credentials; they live until the request's work has stopped.
 *
 * Both protocol generations come through here. A 2025-era request (no per-request envelope) gets the
 * SDK's stateless Streamable HTTP transport, as it always has; a 2026-07-28 request goes to the SDK's
 * own entry for that revision (createMcpHandler, strict: it serves no 2025 traffic), which checks the
 * envelope and the standard headers and answers with the same server. Either way the answer is a
 * web Response, written to node:http here, after every check of endpoint.ts has passed.
 *
 * While its handler runs, the request is in the instance's RunningRequests, so that a cancel arriving
 * in another POST (2025 era) reaches it: the cancel is handed to this request's own server, as if it
 * had come on this connection, and the SDK aborts the handler's signal. A cancelled request gets no
 * answer (the spec's rule), so its response stream is ended here once the handler has returned — for
 * tag_contacts, once the writes already sent have come back. A 2026-07-28 client cancels by closing
 * its response stream, which aborts the handler the same way. Every message sent back passes through
 * redactJson, with the caller's own credentials among the secrets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { logInfo, redactJson } from '../log.js';
import {
  createMcpHandler,
  isLegacyRequest,
  onConnect,
  WebStandardStreamableHTTPServerTransport,
  type JSONRPCRequest,
  type McpServer,
  type Transport,
} from '../mcp/sdk.js';
import { createServer, type ServerOptions } from '../mcp/create-server.js';
import { confirmFor } from '../mcp/confirm.js';
import { jobSettingsFrom, vobizClientFrom, type ToolSettings } from '../mcp/context.js';
import type { JobRegistry } from '../jobs/registry.js';
import type { AccountPaces } from '../vobiz/pace.js';
import type { VobizCredentials } from '../vobiz/client.js';
import type { RunningRequests } from './calls.js';
import { credentialSecret } from './caller.js';
import type { Config } from '../config.js';
import { writeResponse } from './reply.js';
import type { Operations } from '../ops/operations.js';

export interface DispatchContext {
  config: Config;
  /** The tools' settings, without the client (made per request). */
  toolContext: ToolSettings;
  /** The keep-alive pool to the API shared by every request; the clients do not close it. */
  agent: Dispatcher;
  running: RunningRequests;
  jsonResponse: boolean;
  /** Each account's pace, shared by all of its requests (vobiz/pace.ts). */
  paces: AccountPaces;
  /** Jobs of every account, each found only by its own (jobs/registry.ts). */
  jobs: JobRegistry;
  /** Metrics and request logs (ops/operations.ts). */
  ops?: Operations;
}

export interface Caller {
  credentials: VobizCredentials;
  selection: ServerOptions;
  /** Who may cancel this request: the credentials' key and the session, if any. */
  owner: string;
  /** The account the credentials act as (callerKey): its pace and its jobs. */
  account: string;
}

/** Answers `message` on `res`; resolves when the request's work has stopped, answered or not. */
export async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  message: JSONRPCRequest,
  caller: Caller,
  context: DispatchContext,
): Promise<void> {
  const { config } = context;
  const pace = context.paces.for(caller.account);
  const hooks = context.ops?.forRequest(req, message, caller.account);
  const client = vobizClientFrom(config, caller.credentials, {
    dispatcher: context.agent,
    pace,
    ...hooks?.client,
  });
  // A job that outlives this request keeps its client: the client is closed once the last one settles.
  const retained: Promise<unknown>[] = [];
  const jobs = {
    ...jobSettingsFrom(config, context.jobs, caller.account, (settled) => retained.push(settled)),
    ...(hooks && { origin: hooks.origin }),
  };
  const own = [credentialSecret(caller.credentials)];

  let server: McpServer | undefined;
  let transport: Transport | undefined;
  let handlerDone: Promise<unknown> = Promise.resolve();
  const build = (era: 'legacy' | 'modern'): McpServer => {
    const confirm = confirmFor(era, context.toolContext.confirm);
    server = createServer(
      { ...context.toolContext, era, confirm, client, jobs, ...(hooks && { observe: hooks.observe }) },
      caller.selection,
      (settled) => {
        let cancelled = false;
        const forget = context.running.add(caller.owner, message.id, (reason) => {
          cancelled = true;
          transport?.onmessage?.({
            jsonrpc: '2.0',
            method: 'notifications/cancelled',
            params: { requestId: message.id, ...(reason !== undefined && { reason }) },
          });
        });
        handlerDone = settled
          .catch(() => undefined)
          .finally(() => {
            forget();
            if (cancelled) void transport?.close(); // no answer will come: end the stream
          });
      },
    );
    onConnect(server, (connected) => {
      transport = connected;
      const send = connected.send.bind(connected);
      connected.send = (outgoing, options) => send(redactJson(outgoing, own), options);
    });
    return server;
  };

  // The caller hanging up aborts the request: a 2026-07-28 client cancels that way.
  const hangUp = new AbortController();
  const closed = res.closed
    ? Promise.resolve()
    : new Promise<void>((resolve) =>
        res.once('close', () => {
          hangUp.abort();
          resolve();
        }),
      );
  const request = webRequest(req, hangUp.signal);
  let response: Response;
  if (await isLegacyRequest(request, message)) {
    const legacy = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: context.jsonResponse,
    });
    await build('legacy').connect(legacy);
    response = await legacy.handleRequest(request, { parsedBody: message });
  } else {
    response = await modernEntry(context.jsonResponse).serve(request, message, () => build('modern'));
  }
  await writeResponse(res, response);
  await closed;
  // Also when the caller hung up early: closing the server aborts the handler's signal, so a bulk tool
  // starts no more writes; the writes already sent finish before the client is let go.
  await server?.close().catch(() => undefined);
  await handlerDone;
  const closeClient = () => client.close().catch(() => undefined);
  if (retained.length === 0) await closeClient();
  else void Promise.all(retained).then(closeClient);
}

/**
 * The request as the SDK reads it: the headers endpoint.ts checked, without a body (the SDK gets the
 * message already parsed), and the hang-up signal. Only the path of the URL is the client's.
 */
function webRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || BODY_HEADERS.has(name)) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return new Request(new URL(req.url ?? '/', 'http://localhost'), { method: 'POST', headers, signal });
}

/** They describe the body endpoint.ts has read, which the Request does not carry. */
const BODY_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

interface ModernEntry {
  serve(request: Request, message: JSONRPCRequest, build: () => McpServer): Promise<Response>;
}

/**
 * The SDK's 2026-07-28 entry, one per response mode for the process: it asks for a server per request,
 * and gets the one `dispatch` built for that request (found by the Request it was given).
 */
const modernEntries = new Map<boolean, ModernEntry>();

function modernEntry(jsonResponse: boolean): ModernEntry {
  let entry = modernEntries.get(jsonResponse);
  if (entry) return entry;
  const builders = new WeakMap<Request, () => McpServer>();
  const handler = createMcpHandler(
    ({ requestInfo }) => {
      const build = requestInfo && builders.get(requestInfo);
      if (!build) throw new Error('no server was built for this request');
      return build();
    },
    {
      legacy: 'reject',
      responseMode: jsonResponse ? 'json' : 'auto',
      // What the entry refused and why (a bad envelope, headers that disagree with the body): the
      // client gets the JSON-RPC error; the operator may want to know why a client cannot connect.
      onerror: (error) => logInfo(`a 2026-07-28 request was not served: ${error.message}`),
    },
  );
  entry = {
    serve: (request, message, build) => {
      builders.set(request, build);
      return handler.fetch(request, { parsedBody: message });
    },
  };
  modernEntries.set(jsonResponse, entry);
  return entry;
}
