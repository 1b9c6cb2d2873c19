/**
 * The HTTP server: one pipeline per request — log it, route it, authenticate it, apply a pending fault,
 * run its handler, write the answer. Auth runs before the 404/405 checks, as at an API gateway, so an
 * unauthenticated caller learns nothing about which paths exist.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ERROR_CODES, METHOD_NOT_ALLOWED_CODE } from '../vobiz/contract.js';
import { assertAuthenticated, type SandboxCredentials } from './auth.js';
import { discardBody } from './body.js';
import { ClientGoneError, HttpError, newRequestId, notFound } from './errors.js';
import {
  htmlErrorPage,
  rateLimitError,
  serverError,
  shortSummary,
  truncatedJson,
  type Fault,
  type FaultQueue,
} from './faults.js';
import { createContact, deleteContact, getContact, listContacts, updateContact } from './handlers.js';
import { importContacts } from './import.js';
import { errorResponse, writeResponse, type SandboxResponse } from './responses.js';
import { matchRoute, type SandboxRoute } from './routes.js';
import type { ContactStore } from './store.js';

export interface RequestLogEntry {
  method: string;
  /** The raw URL path as received, before decoding, without the query string. */
  path: string;
  /** null for a path or method no endpoint serves. */
  route: SandboxRoute | null;
  /** The status answered; 0 when no answer was sent (a dropped connection, a client gone early). */
  status: number;
}

/** How many requests arrived, and how many are being handled; `onIdle` is told when none is left. */
export class RequestCounter {
  requests = 0;
  inFlight = 0;
  private waiters: (() => void)[] = [];

  start(): void {
    this.requests += 1;
    this.inFlight += 1;
  }

  end(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0) for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Resolves once no request is being handled. */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

export interface SandboxServerContext {
  store: ContactStore;
  credentials: SandboxCredentials;
  faults: FaultQueue;
  requestLog: RequestLogEntry[];
  /** Requests received in all (beyond the log's limit), and being handled now: for tests and benchmarks. */
  counter: RequestCounter;
  /** Called after any request that changed the store (to persist it). */
  onStoreChanged: () => void;
  /** Aborted on close, so that a request waiting out a latency fault stops waiting. */
  shutdown: AbortSignal;
}

/** Beyond this many entries the oldest are dropped: a long-running sandbox must not grow without bound. */
const REQUEST_LOG_LIMIT = 10_000;

type Outcome = SandboxResponse | 'drop';

export function createSandboxServer(context: SandboxServerContext): Server {
  return createServer((req, res) => {
    context.counter.start();
    handleRequest(context, req, res)
      .catch((error: unknown) => {
        console.error('sandbox: could not answer a request:', error);
        res.destroy();
      })
      .finally(() => context.counter.end());
  });
}

async function handleRequest(context: SandboxServerContext, req: IncomingMessage, res: ServerResponse) {
  const requestId = newRequestId();
  const method = req.method ?? 'GET';
  const rawUrl = req.url ?? '/';
  const queryStart = rawUrl.indexOf('?');
  const path = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
  const match = matchRoute(method, path);

  const entry = logRequest(context.requestLog, {
    method,
    path,
    route: match.kind === 'route' ? match.route : null,
    status: 0,
  });

  const versionBefore = context.store.version;
  let outcome: Outcome;
  try {
    assertAuthenticated(req.headers, context.credentials);
    if (match.kind === 'not_found') throw notFound(`no such endpoint: ${method} ${path}`);
    if (match.kind === 'method_not_allowed') throw methodNotAllowed(method, path, match.allow);
    const fault = context.faults.take(match.route, method);
    outcome = await withFault(fault, req, context.shutdown, () =>
      runHandler(context.store, match.route, match.contactId, req, query, requestId),
    );
  } catch (error) {
    if (error instanceof ClientGoneError || context.shutdown.aborted) outcome = 'drop';
    else outcome = errorResponse(toHttpError(error), requestId);
  } finally {
    if (context.store.version !== versionBefore) context.onStoreChanged();
  }

  if (outcome === 'drop') {
    req.socket.destroy();
    return;
  }
  entry.status = outcome.status;
  writeResponse(res, outcome, requestId);
}

/** The handler's answer, with the fault (if any) applied before or after it runs. */
async function withFault(
  fault: Fault | undefined,
  req: IncomingMessage,
  shutdown: AbortSignal,
  handle: () => Promise<SandboxResponse>,
): Promise<Outcome> {
  switch (fault?.kind) {
    case undefined:
      return handle();
    case 'latency':
      await sleep(fault.ms, undefined, { signal: shutdown });
      return handle();
    // The faults that answer instead of the API still read the body first, so that a client which is
    // still uploading gets the answer rather than a reset connection.
    case 'rate_limit':
      await discardBody(req);
      throw rateLimitError(fault.retryAfterSeconds);
    case 'server_error':
      await discardBody(req);
      throw serverError(fault.status);
    case 'html':
      await discardBody(req);
      return htmlErrorPage(fault.status);
    case 'drop_connection':
      return 'drop';
    case 'error_after_write':
      await handle();
      throw serverError(fault.status);
    case 'malformed_body':
      return truncatedJson(await handle(), fault.status);
    case 'short_summary':
      return shortSummary(await handle(), fault.rows);
  }
}

/** Runs the route's handler; an HttpError becomes its error answer here, so faults can still replace it. */
async function runHandler(
  store: ContactStore,
  route: SandboxRoute,
  contactId: string | undefined,
  req: IncomingMessage,
  query: URLSearchParams,
  requestId: string,
): Promise<SandboxResponse> {
  try {
    switch (route) {
      case 'list':
        return listContacts(store, query);
      case 'get':
        return getContact(store, contactId ?? '');
      case 'create':
        return await createContact(store, req);
      case 'update':
        return await updateContact(store, req, contactId ?? '');
      case 'delete':
        return deleteContact(store, contactId ?? '');
      case 'import':
        return await importContacts(store, req);
    }
  } catch (error) {
    if (error instanceof HttpError) return errorResponse(error, requestId);
    throw error;
  }
}

function logRequest(log: RequestLogEntry[], entry: RequestLogEntry): RequestLogEntry {
  log.push(entry);
  if (log.length > REQUEST_LOG_LIMIT) log.splice(0, log.length - REQUEST_LOG_LIMIT);
  return entry;
}

function methodNotAllowed(method: string, path: string, allow: readonly string[]): HttpError {
  const message = `${method} is not allowed on ${path}`;
  return new HttpError(405, METHOD_NOT_ALLOWED_CODE, message, { allow }, { allow: allow.join(', ') });
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  // A bug in the sandbox, not a client mistake: say so loudly, answer like the API would.
  console.error('sandbox: unexpected error while handling a request:', error);
  return new HttpError(500, ERROR_CODES.internal, 'internal error');
}
