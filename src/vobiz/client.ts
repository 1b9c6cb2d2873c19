/**
 * The HTTP client for the Vobiz Contacts API: one keep-alive undici dispatcher, auth headers on every
 * request, ids percent-encoded into paths, responses checked with zod, every failure turned into one of
 * the typed errors in `errors.ts`, and every request retried by the one policy in `retry.ts`.
 */
import { setMaxListeners } from 'node:events';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { linkedController } from './abort.js';
import { IMPORT_FILE_FIELD, IMPORT_UPSERTS_BY_PHONE } from './contract.js';
import { contactPath, routeOf } from './paths.js';
import {
  deadlineError,
  parseErrorResponse,
  parseSuccess,
  readBounded,
  ResponseTooLargeError,
  toNetworkError,
  tooLargeError,
  headerRequestId,
  paceSignalOf,
  plainRequestId,
  statusOf,
} from './answers.js';
import { VobizCancelledError } from './errors.js';
import { AccountPace, INTERACTIVE_PRIORITY, type Pace, type PaceSignal } from './pace.js';
import {
  DEFAULT_RETRY_POLICY,
  requestSafety,
  withRetries,
  type RetryEvent,
  type RetryPolicy,
  type Settle,
} from './retry.js';
import {
  ContactBodySchema,
  ContactListBodySchema,
  ImportSummarySchema,
  toContact,
  toContactPage,
  type Contact,
  type ContactPage,
  type ImportSummary,
} from './schemas.js';

export { parseErrorResponse } from './answers.js';
export { contactPath, InvalidContactIdError } from './paths.js';

export type * from './client-options.js';
import {
  accountDigest,
  authHeadersOf,
  DEFAULT_CONCURRENCY,
  DEFAULT_DEADLINE_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TIMEOUT_MS,
  USER_AGENT,
  type CallOptions,
  type ContactPatch,
  type RequestBody,
  type ListContactsQuery,
  type NewContact,
  type UpstreamAnswer,
  type UpstreamObserver,
  type VobizClientOptions,
} from './client-options.js';
export { DEFAULT_CONCURRENCY, DEFAULT_MAX_RESPONSE_BYTES } from './client-options.js';

export class VobizClient {
  readonly baseUrl: string;
  private readonly authHeaders: Record<string, string>;
  private readonly timeoutMs: number;
  readonly retryPolicy: Readonly<RetryPolicy>;
  readonly deadlineMs: number;
  /** Aborted by close(): in-flight requests and retry waits end at once instead of holding shutdown. */
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;
  /** Made with the first request when not given (see loadUndici). */
  private dispatcher: Dispatcher | undefined;
  private readonly ownsDispatcher: boolean;
  private readonly maxResponseBytes: number;
  /** The `Date` of the latest answer and when it arrived: how far the API's clock is from ours. */
  private lastDate: { header: string; receivedAt: number } | undefined;
  readonly pace: Pace;
  private readonly observer: UpstreamObserver | undefined;
  private readonly extraHeaders: Readonly<Record<string, string>>;
  /** The account it acts for (accountDigest): an approval for one account approves nothing on another. */
  readonly account: string;

  constructor(options: VobizClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.account = accountDigest(this.baseUrl, options.credentials);
    this.authHeaders = authHeadersOf(options.credentials);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.pace = options.pace ?? new AccountPace({ ceiling: options.concurrency ?? DEFAULT_CONCURRENCY });
    this.observer = options.observer;
    this.extraHeaders = options.headers ?? {};
    // Every request in flight listens to it (abort.ts): a bulk tool's 16 or 32 at once is the design,
    // not the leak Node warns of on stderr past 10.
    setMaxListeners(0, this.closing.signal);
  }

  /**
   * How far the API's clock runs ahead of ours (ms, negative when behind), from the `Date` header of the
   * latest answer; undefined before any answer carried one. `Date` has whole seconds: ±1 s.
   */
  serverClockOffsetMs(): number | undefined {
    if (!this.lastDate) return undefined;
    const server = Date.parse(this.lastDate.header);
    return Number.isNaN(server) ? undefined : server - this.lastDate.receivedAt;
  }

  /** Options for every API call one tool call makes: the caller's signal and one shared deadline. */
  startCall(signal?: AbortSignal): CallOptions & { deadline: number } {
    return { ...(signal && { signal }), deadline: Date.now() + this.deadlineMs };
  }

  async listContacts(query: ListContactsQuery = {}, options: CallOptions = {}): Promise<ContactPage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') params.set(key, String(value));
    }
    const qs = params.size > 0 ? `?${params}` : '';
    return toContactPage(await this.send('GET', `/contacts${qs}`, undefined, ContactListBodySchema, options));
  }

  async getContact(id: string, options: CallOptions = {}): Promise<Contact> {
    return toContact(await this.send('GET', contactPath(id), undefined, ContactBodySchema, options));
  }

  /**
   * POST /contacts. Not safe to repeat: without `settle` it is retried only when it certainly did nothing
   * (a 429). With it, an attempt of unknown outcome is checked, and sent again only if it had not landed.
   */
  async createContact(
    contact: NewContact,
    options: CallOptions = {},
    settle?: Settle<Contact>,
  ): Promise<Contact> {
    // A Contact is a ContactBody already normalised; toContact leaves it as it is.
    const body = await this.send('POST', '/contacts', { json: contact }, ContactBodySchema, options, settle);
    return toContact(body);
  }

  async updateContact(id: string, patch: ContactPatch, options: CallOptions = {}): Promise<Contact> {
    return toContact(await this.send('PUT', contactPath(id), { json: patch }, ContactBodySchema, options));
  }

  /**
   * Deletes one contact. A 404 is thrown as it came, with its retry record: after a retried attempt of
   * unknown outcome it may mean that attempt deleted the contact — which only a caller that saw the
   * contact before can tell (delete_contact reads it first).
   */
  async deleteContact(id: string, options: CallOptions = {}): Promise<void> {
    await this.send('DELETE', contactPath(id), undefined, null, options);
  }

  /**
   * Uploads one CSV file as the multipart field `file`; a Blob from `fs.openAsBlob` streams from disk
   * (again on a retry). The import upserts by phone number (contract.ts), so by default it is retried
   * after a 5xx or a dropped connection: replaying rows leaves the same contacts.
   */
  importContactsCsv(csv: Blob, filename: string, options: CallOptions = {}): Promise<ImportSummary> {
    return this.send('POST', '/contacts/import', { file: { blob: csv, filename } }, ImportSummarySchema, {
      ...options,
      repeatable: IMPORT_UPSERTS_BY_PHONE,
    });
  }

  /** Aborts what is in flight (the callers get VobizCancelledError) and closes the connections; idempotent. */
  close(): Promise<void> {
    this.closing.abort();
    this.closed ??= this.ownsDispatcher && this.dispatcher ? this.dispatcher.close() : Promise.resolve();
    return this.closed;
  }

  private send<T>(
    method: Dispatcher.HttpMethod,
    path: string,
    body: RequestBody,
    schema: z.ZodType<T>,
    options: CallOptions,
    settle?: Settle<T>,
  ): Promise<T>;
  private send(
    method: Dispatcher.HttpMethod,
    path: string,
    body: RequestBody,
    schema: null,
    options: CallOptions,
  ): Promise<undefined>;
  /** The one place requests go out: each attempt through `attempt`, retried as retry.ts decides. */
  private async send<T>(
    method: Dispatcher.HttpMethod,
    path: string,
    body: RequestBody,
    schema: z.ZodType<T> | null,
    options: CallOptions,
    settle?: Settle<T>,
  ): Promise<T | undefined> {
    // The caller's signal or close() ends the request in flight and any retry wait.
    const call = linkedController([options.signal, this.closing.signal]);
    const deadline = options.deadline ?? Date.now() + this.deadlineMs;
    try {
      const priority = options.priority ?? INTERACTIVE_PRIORITY;
      const paced = () =>
        this.pace
          .run((settle) => this.attempt(method, path, body, schema, call.signal, deadline, settle), {
            signal: call.signal,
            priority,
          })
          .catch((error: unknown) => {
            // p-queue's own AbortError: the call was cancelled while it waited for room.
            throw call.signal.aborted && !(error instanceof VobizCancelledError)
              ? new VobizCancelledError()
              : error;
          });
      const observer = this.observer;
      const onRetry =
        observer === undefined
          ? options.onRetry
          : (event: RetryEvent) => {
              observer.retrying({
                method,
                route: routeOf(path),
                status: statusOf(event.error),
                delayMs: event.delayMs,
              });
              options.onRetry?.(event);
            };
      return await withRetries(paced, {
        policy: this.retryPolicy,
        safety: requestSafety(method, options.repeatable),
        signal: call.signal,
        deadline,
        ...(onRetry && { onRetry }),
        ...(settle && { settle: settle as Settle<T | undefined> }),
      });
    } finally {
      call.unlink();
    }
  }

  private async attempt<T>(
    method: Dispatcher.HttpMethod,
    path: string,
    body: RequestBody,
    schema: z.ZodType<T> | null,
    cancel: AbortSignal,
    deadline: number,
    settle: (signal: PaceSignal) => void,
  ): Promise<T | undefined> {
    if (cancel.aborted) throw new VobizCancelledError();
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) throw deadlineError();
    // The last attempt before the deadline gets only the time that is left.
    const cutByDeadline = remainingMs < this.timeoutMs;
    // A timer cleared when the attempt ends: AbortSignal.timeout's would stay pending for its whole delay.
    const attempt = linkedController([cancel]);
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        attempt.abort();
      },
      Math.min(this.timeoutMs, remainingMs),
    );
    const headers: Record<string, string> = {
      ...this.extraHeaders,
      accept: 'application/json',
      'user-agent': USER_AGENT,
      ...this.authHeaders,
    };
    const started = performance.now();
    const report = (status: UpstreamAnswer['status'], requestId?: string) =>
      this.observer?.answered({
        method,
        route: routeOf(path),
        status,
        seconds: (performance.now() - started) / 1000,
        ...(requestId !== undefined && { requestId }),
      });
    const undici = await loadUndici();
    // One keep-alive pool per client: an agent calling tools in a loop reuses warm connections.
    // As many connections as the pace lets requests fly at once, so that none waits for a socket.
    this.dispatcher ??= new undici.Agent({ keepAliveTimeout: 30_000, connections: this.pace.ceiling });
    let payload: string | InstanceType<typeof undici.FormData> | undefined;
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body) {
      payload = new undici.FormData(); // undici sets the multipart content type with its boundary
      payload.append(IMPORT_FILE_FIELD, body.file.blob, body.file.filename);
    }

    let status: number;
    let responseHeaders: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const response = await undici.request(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: payload,
        signal: attempt.signal,
        dispatcher: this.dispatcher,
      });
      status = response.statusCode;
      responseHeaders = response.headers;
      const date = responseHeaders['date'];
      if (typeof date === 'string') this.lastDate = { header: date, receivedAt: Date.now() };
      text = await readBounded(response.body, responseHeaders['content-length'], this.maxResponseBytes);
    } catch (error) {
      if (error instanceof ResponseTooLargeError) {
        report(status!, headerRequestId(responseHeaders!));
        throw tooLargeError(status!, method, path, error.limit);
      }
      report(cancel.aborted ? 'cancelled' : timedOut ? 'timeout' : 'network');
      if (cancel.aborted) throw new VobizCancelledError();
      if (timedOut && cutByDeadline) throw deadlineError();
      settle({ kind: 'other' });
      throw toNetworkError(error, { timedOut }, new URL(this.baseUrl).host);
    } finally {
      clearTimeout(timer);
      attempt.unlink();
    }

    if (status >= 200 && status < 300) {
      report(status, headerRequestId(responseHeaders));
      settle({ kind: 'clean' });
      if (schema === null) return undefined;
      return parseSuccess(schema, status, text, method, path);
    }
    const error = parseErrorResponse(status, responseHeaders, text);
    report(status, plainRequestId(error.details.requestId) ?? headerRequestId(responseHeaders));
    settle(paceSignalOf(error, this.retryPolicy.maxDelayMs));
    throw error;
  }
}

/**
 * undici is loaded with the first request, not at start-up: with what it pulls in, it is a fifth of a
 * stdio server's start, and an MCP client starts the server for every session (bench/run.js start-up).
 */
let undiciModule: Promise<typeof import('./undici.js')> | undefined;
const loadUndici = () => (undiciModule ??= import('./undici.js'));
