/**
 * The HTTP server: one pipeline per request — log it, route it, authenticate it, take a token from the
 * account's rate limit, apply a pending fault, run its handler, hold the answer for the network's round
 * trip, write it. Auth runs before the 404/405 checks, as at an API gateway, so an unauthenticated
 * caller learns nothing about which paths exist.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ERROR_CODES, METHOD_NOT_ALLOWED_CODE, RATE_LIMIT_STATUS } from '../vobiz/contract.js';
import { assertAuthenticated, type SandboxCredentials } from './auth.js';
import { discardBody } from './read-body.js';
import { ClientGoneError, HttpError, newRequestId, notFound } from './http-errors.js';
import {
  htmlErrorPage,
  isListFault,
  rateLimitError,
  serverError,
  shortSummary,
  truncatedJson,
  type Fault,
  type FaultQueue,
} from './faults.js';
import { createContact, deleteContact, getContact, listContacts, updateContact } from './handlers.js';
import { importContacts } from './import.js';
import { delay, type NetworkModel } from './network.js';
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

/** What a bench or a test reads to see how a client used the API: a few counters, nothing per request. */
export interface SandboxStats {
  /** Requests received since the start (or the last resetStats()), whatever their answer. */
  requests: number;
  /** Of them, answered 429: by the rate limit or by a rate_limit fault. */
  rateLimited: number;
  /** Requests per route; a path or method no endpoint serves counts in `requests` only. */
  byRoute: Record<SandboxRoute, number>;
  /** Being handled now, waiting out the round trip or a latency fault included. */
  inFlight: number;
  /** The most handled at once since the start (or the last reset): how concurrent the client was. */
  maxInFlight: number;
}

/**
 * How many requests arrived, and how many are being handled; `idle()` resolves when none is left.
 * `requests` counts from the start; `stats` from the start or the last resetStats().
 */
export class RequestCounter {
  requests = 0;
  inFlight = 0;
  private waiters: (() => void)[] = [];
  private counts = emptyCounts();
  private maxInFlight = 0;

  start(): void {
    this.requests += 1;
    this.counts.requests += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }

  routed(route: SandboxRoute): void {
    this.counts.byRoute[route] += 1;
  }

  answered(status: number): void {
    if (status === RATE_LIMIT_STATUS) this.counts.rateLimited += 1;
  }

  end(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0) for (const resolve of this.waiters.splice(0)) resolve();
  }

  stats(): SandboxStats {
    const { requests, rateLimited, byRoute } = this.counts;
    return {
      requests,
      rateLimited,
      byRoute: { ...byRoute },
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
    };
  }

  /** Starts the stats' counts again (a bench's next phase); requests in flight stay in flight. */
  resetStats(): void {
    this.counts = emptyCounts();
    this.maxInFlight = this.inFlight;
  }

  /** Resolves once no request is being handled. */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

function emptyCounts(): Pick<SandboxStats, 'requests' | 'rateLimited' | 'byRoute'> {
  const byRoute = { list: 0, get: 0, create: 0, update: 0, delete: 0, import: 0 };
  return { requests: 0, rateLimited: 0, byRoute };
}

export interface SandboxServerContext {
  store: ContactStore;
  credentials: SandboxCredentials;
  faults: FaultQueue;
  network: NetworkModel;
  requestLog: RequestLogEntry[];
  /** Requests received in all (beyond the log's limit), and being handled now: for tests and benchmarks. */
  counter: RequestCounter;
  /** Called after any request that changed the store (to persist it). */
  onStoreChanged: () => void;
  /** Aborted on close, so that a request waiting out a latency (fault or round trip) stops waiting. */
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
  if (match.kind === 'route') context.counter.routed(match.route);
  // Read on arrival: a model changed meanwhile applies to the requests that arrive after.
  const roundTripMs = context.network.latencyMs;

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
    const retryAfterSeconds = context.network.admit(context.store.accountId);
    if (retryAfterSeconds !== undefined) {
      await discardBody(req);
      throw rateLimitError(retryAfterSeconds);
    }
    const fault = context.faults.take(
      match.route,
      method,
      match.route === 'list' ? pageOf(query) : undefined,
    );
    outcome = await withFault(fault, req, context.shutdown, (asRoute = match.route) =>
      runHandler(context.store, asRoute, match.contactId, req, query, requestId, fault),
    );
  } catch (error) {
    if (error instanceof ClientGoneError || context.shutdown.aborted) outcome = 'drop';
    else outcome = errorResponse(toHttpError(error), requestId);
  } finally {
    if (context.store.version !== versionBefore) context.onStoreChanged();
  }

  if (outcome !== 'drop' && roundTripMs > 0) {
    try {
      await delay(roundTripMs, context.shutdown);
    } catch {
      outcome = 'drop'; // the sandbox is closing
    }
  }
  if (outcome === 'drop') {
    req.socket.destroy();
    return;
  }
  entry.status = outcome.status;
  context.counter.answered(outcome.status);
  writeResponse(res, outcome, requestId);
}

/** A list request's page as the fault rules match it: the query's, 1 when absent (or not a number). */
function pageOf(query: URLSearchParams): number {
  const page = Number(query.get('page') ?? '1');
  return Number.isInteger(page) ? page : 1;
}

/**
 * The handler's answer, with the fault (if any) applied before or after it runs. `handle(route)` runs
 * another route's handler for the same request instead (an update answered as a read).
 */
async function withFault(
  fault: Fault | undefined,
  req: IncomingMessage,
  shutdown: AbortSignal,
  handle: (asRoute?: SandboxRoute) => Promise<SandboxResponse>,
): Promise<Outcome> {
  switch (fault?.kind) {
    // The list faults shape the page the handler reads (runHandler passes them on).
    case undefined:
    case 'premature_end':
    case 'concurrent_delete':
    case 'short_page':
      return handle();
    case 'latency':
      await delay(fault.ms, shutdown);
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
    case 'unapplied_update':
      await discardBody(req);
      return handle('get');
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
  fault: Fault | undefined,
): Promise<SandboxResponse> {
  try {
    switch (route) {
      case 'list':
        return listContacts(store, query, isListFault(fault) ? fault : undefined);
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
