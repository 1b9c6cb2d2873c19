/**
 * Runs one JSON-RPC request of a POST on a fresh McpServer, transport and VobizClient, holding that
 * request's credentials; they live until the request's work has stopped.
 *
 * While its handler runs, the request is in the instance's RunningRequests, so that a cancel arriving
 * in another POST reaches it: the cancel is handed to this request's own server, as if it had come
 * on this connection, and the SDK aborts the handler's signal. A cancelled request gets no answer
 * (the spec's rule), so its response stream is ended here once the handler has returned — for
 * tag_contacts, once the writes already sent have come back. Every message sent back passes through
 * redactJson, with the caller's own credentials among the secrets.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Dispatcher } from 'undici';
import { redactJson } from '../log.js';
import { createServer, type ServerOptions } from '../server.js';
import { jobSettingsFrom, vobizClientFrom, type ToolSettings } from '../tools/context.js';
import type { JobRegistry } from '../jobs/registry.js';
import type { AccountPaces } from '../vobiz/pace.js';
import type { VobizCredentials } from '../vobiz/client.js';
import type { RunningRequests } from './calls.js';
import { credentialSecret } from './caller.js';
import type { Config } from '../config.js';

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
  const client = vobizClientFrom(config, caller.credentials, { dispatcher: context.agent, pace });
  // A job that outlives this request keeps its client: the client is closed once the last one settles.
  const retained: Promise<unknown>[] = [];
  const jobs = jobSettingsFrom(config, context.jobs, caller.account, (settled) => retained.push(settled));
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: context.jsonResponse,
  });
  const send = transport.send.bind(transport);
  const own = [credentialSecret(caller.credentials)];
  transport.send = (outgoing, options) => send(redactJson(outgoing, own), options);

  let handlerDone: Promise<unknown> = Promise.resolve();
  const server = createServer({ ...context.toolContext, client, jobs }, caller.selection, (settled) => {
    let cancelled = false;
    const forget = context.running.add(caller.owner, message.id, (reason) => {
      cancelled = true;
      transport.onmessage?.({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: message.id, ...(reason !== undefined && { reason }) },
      });
    });
    handlerDone = settled
      .catch(() => undefined)
      .finally(() => {
        forget();
        if (cancelled) void transport.close(); // no answer will come: end the stream
      });
  });

  const closed = res.closed ? Promise.resolve() : new Promise<void>((resolve) => res.once('close', resolve));
  await server.connect(transport);
  await transport.handleRequest(req, res, message);
  await closed;
  // Also when the caller hung up early: closing the server aborts the handler's signal, so a bulk tool
  // starts no more writes; the writes already sent finish before the client is let go.
  await server.close().catch(() => undefined);
  await handlerDone;
  const closeClient = () => client.close().catch(() => undefined);
  if (retained.length === 0) await closeClient();
  else void Promise.all(retained).then(closeClient);
}
