/**
 * The HTTP client for the Vobiz Contacts API: one keep-alive undici dispatcher, auth headers on every
 * request, ids percent-encoded into paths, responses checked with zod, every failure turned into one of
 * the typed errors in `errors.ts`, and every request retried by the one policy in `retry.ts`.
 */
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { CONTACT_ID_PATTERN, IMPORT_FILE_FIELD, IMPORT_UPSERTS_BY_PHONE } from './contract.js';
import { isTlsErrorCode, VobizCancelledError, VobizHttpError, VobizNetworkError } from './errors.js';
import {
  DEADLINE_CAUSE,
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
  ErrorBodySchema,
  ImportSummarySchema,
  toContact,
  toContactPage,
  type Contact,
  type ContactPage,
  type ImportSummary,
} from './schemas.js';

export type VobizCredentials = { authId: string; authToken: string } | { bearerToken: string };

export interface VobizClientOptions {
  /** e.g. `https://api.vobiz.ai/api/v1/messaging`, no trailing slash needed. */
  baseUrl: string;
  credentials: VobizCredentials;
  /** Per-request timeout, from sending to the last byte of the answer. */
  timeoutMs?: number;
  /** How failed requests are retried; see retry.ts. */
  retry?: Partial<RetryPolicy>;
  /** Overall time budget of one call across its retries, when the caller gives no `deadline`. */
  deadlineMs?: number;
  /** Shared dispatcher; by default the client makes its own keep-alive Agent and closes it in close(). */
  dispatcher?: Dispatcher;
  /**
   * Largest response body read; a longer one fails the request (a page of 100 contacts is ~30 kB). It
   * keeps a broken or hostile upstream from flooding memory and the model's context.
   */
  maxResponseBytes?: number;
}

export interface CallOptions {
  /** Aborts the request and any retry wait, e.g. when the MCP client cancels the tool call. */
  signal?: AbortSignal;
  /**
   * Epoch ms by which the call must be over, retries included; by default `deadlineMs` from now. A tool
   * that makes several calls passes one deadline to all of them (see `startCall`).
   */
  deadline?: number;
  /**
   * Sending the request twice leaves the state once would (an upsert), so a POST is retried after a 5xx
   * or a dropped connection like a PUT. GET, PUT and DELETE are repeatable anyway.
   */
  repeatable?: boolean;
  /** Told before each retry wait: which attempt failed, how, and how long the wait is. */
  onRetry?: (event: RetryEvent) => void;
}

export interface ListContactsQuery {
  page?: number;
  limit?: number;
  search?: string;
  tag?: string;
}

export interface NewContact {
  phone_number: string;
  name: string;
  tags?: string[];
  custom_attributes?: Record<string, unknown>;
}

export type ContactPatch = Partial<Pick<NewContact, 'name' | 'tags' | 'custom_attributes'>>;

const USER_AGENT = 'vobiz-contacts-mcp';
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_DEADLINE_MS = 120_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Longest upstream error message kept: a 2 MB message is a broken upstream, not information. */
const MAX_ERROR_MESSAGE_CHARS = 1_000;

type RequestBody = { json: unknown } | { file: { blob: Blob; filename: string } } | undefined;

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

  constructor(options: VobizClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.authHeaders =
      'bearerToken' in options.credentials
        ? { authorization: `Bearer ${options.credentials.bearerToken}` }
        : { 'x-auth-id': options.credentials.authId, 'x-auth-token': options.credentials.authToken };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
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
      return await withRetries(() => this.attempt(method, path, body, schema, call.signal, deadline), {
        policy: this.retryPolicy,
        safety: requestSafety(method, options.repeatable),
        signal: call.signal,
        deadline,
        ...(options.onRetry && { onRetry: options.onRetry }),
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
      accept: 'application/json',
      'user-agent': USER_AGENT,
      ...this.authHeaders,
    };
    const undici = await loadUndici();
    // One keep-alive pool per client: an agent calling tools in a loop reuses warm connections.
    this.dispatcher ??= new undici.Agent({ keepAliveTimeout: 30_000, connections: 16 });
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
      if (error instanceof ResponseTooLargeError) throw tooLargeError(status!, method, path, error.limit);
      if (cancel.aborted) throw new VobizCancelledError();
      if (timedOut && cutByDeadline) throw deadlineError();
      throw toNetworkError(error, { timedOut }, this);
    } finally {
      clearTimeout(timer);
      attempt.unlink();
    }

    if (status >= 200 && status < 300) {
      if (schema === null) return undefined;
      return parseSuccess(schema, status, text, method, path);
    }
    throw parseErrorResponse(status, responseHeaders, text);
  }
}

class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super('response body too large');
  }
}

/**
 * The body as text, read no further than `limit` bytes. A declared length is checked before a byte is
 * read (undici holds a body to its declared length); a chunked body is counted as it streams.
 */
async function readBounded(
  body: Dispatcher.ResponseData['body'],
  contentLength: string | string[] | undefined,
  limit: number,
): Promise<string> {
  const declared = typeof contentLength === 'string' ? Number(contentLength) : NaN;
  if (declared > limit) {
    body.destroy();
    throw new ResponseTooLargeError(limit);
  }
  if (declared <= limit) return body.text();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new ResponseTooLargeError(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLargeError(status: number, method: string, path: string, limit: number): VobizHttpError {
  const route = path.split('?')[0];
  return new VobizHttpError(
    status,
    'RESPONSE_TOO_LARGE',
    `The API answered ${method} ${route} with HTTP ${status} and a body over ${Math.round(limit / 1024 / 1024)} MB, more than any answer of this API; it was not read.`,
    { unreadableBody: true, tooLarge: true },
  );
}

/**
 * An abort controller that follows `sources` (aborts when one of them does) until `unlink()`. This is
 * AbortSignal.any without its cost on Node 20, where every signal it makes stays on each source's list
 * of dependants for good (nodejs/node#55351): one more entry per call on the client's `closing` signal.
 */
function linkedController(sources: readonly (AbortSignal | undefined)[]) {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const linked = sources.filter((source) => source !== undefined);
  for (const source of linked) {
    if (source.aborted) controller.abort();
    else source.addEventListener('abort', abort, { once: true });
  }
  return {
    signal: controller.signal,
    abort,
    unlink: () => linked.forEach((source) => source.removeEventListener('abort', abort)),
  };
}

/**
 * undici is loaded with the first request, not at start-up: with what it pulls in, it is a fifth of a
 * stdio server's start, and an MCP client starts the server for every session (bench/run.js start-up).
 */
let undiciModule: Promise<typeof import('./undici.js')> | undefined;
const loadUndici = () => (undiciModule ??= import('./undici.js'));

/** Segments under `/contacts/` that name routes, not contacts: `POST /contacts/import` is the CSV import. */
const RESERVED_CONTACT_SEGMENTS: ReadonlySet<string> = new Set(['import']);

/** An id that must not go into a URL; thrown before any request is sent. */
export class InvalidContactIdError extends RangeError {
  override readonly name = 'InvalidContactIdError';
}

/** `/contacts/{id}`, with the id checked and percent-encoded so that no id can change the route called. */
export function contactPath(id: string): string {
  if (!CONTACT_ID_PATTERN.test(id)) {
    // The tools validate ids first; only a caller that skipped them gets here, and never to a wrong path.
    throw new InvalidContactIdError('the id has characters no contact id has');
  }
  if (RESERVED_CONTACT_SEGMENTS.has(id.toLowerCase())) {
    throw new InvalidContactIdError(`"${id}" is the path of another API route, not a contact id`);
  }
  return `/contacts/${encodeURIComponent(id)}`;
}

function parseSuccess<T>(
  schema: z.ZodType<T>,
  status: number,
  text: string,
  method: string,
  path: string,
): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const route = path.split('?')[0];
  throw new VobizHttpError(
    status,
    'MALFORMED_RESPONSE',
    `The API answered ${method} ${route} with HTTP ${status} but a body that is not the expected JSON.`,
    { unreadableBody: true },
  );
}

/** Turns any error answer (documented JSON, a plain string error, HTML from a proxy, nothing) into one error. */
export function parseErrorResponse(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
): VobizHttpError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = ErrorBodySchema.safeParse(json);
  const retryAfterHeader = parseRetryAfter(headers['retry-after']);
  if (!parsed.success) {
    const type = String(headers['content-type'] ?? 'no content type').split(';')[0];
    return new VobizHttpError(
      status,
      undefined,
      `HTTP ${status} with a body that is not the API's JSON (${type}).`,
      {
        unreadableBody: true,
        ...(retryAfterHeader !== undefined && { retryAfterSeconds: retryAfterHeader }),
      },
    );
  }
  const body = parsed.data;
  const error = typeof body.error === 'string' ? { message: body.error } : (body.error ?? {});
  const code = 'code' in error ? error.code : undefined;
  const details = 'details' in error ? error.details : undefined;
  const { errors: fieldErrors, retryAfter, ...extra } = details ?? {};
  const retryAfterSeconds = retryAfterHeader ?? retryAfter;
  const message = error.message ?? body.message ?? `HTTP ${status}`;
  const clipped =
    message.length > MAX_ERROR_MESSAGE_CHARS ? `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)}…` : message;
  return new VobizHttpError(status, code, clipped, {
    ...(fieldErrors && { fieldErrors }),
    ...(body.requestId && { requestId: body.requestId }),
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    ...(Object.keys(extra).length > 0 && { extra }),
  });
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim());
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function deadlineError(): VobizNetworkError {
  return new VobizNetworkError('timeout', 'The call ran out of its overall time budget.', DEADLINE_CAUSE);
}

function toNetworkError(error: unknown, state: { timedOut: boolean }, client: VobizClient): Error {
  if (state.timedOut) {
    return new VobizNetworkError('timeout', 'The Vobiz API did not answer in time.', 'TIMEOUT');
  }
  const code = findErrorCode(error);
  const host = new URL(client.baseUrl).host;
  const reason =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `the host ${host} could not be resolved (DNS)`
      : code === 'ECONNREFUSED'
        ? `${host} refused the connection`
        : isTlsErrorCode(code)
          ? `the TLS handshake with ${host} failed`
          : `the connection to ${host} failed or was dropped before a full answer`;
  return new VobizNetworkError('connection', `Could not reach the Vobiz API: ${reason}.`, code);
}

function findErrorCode(error: unknown): string | undefined {
  // undici wraps the socket error: the useful code is on the error or on its cause.
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    if ('code' in e && typeof e.code === 'string') return e.code;
    e = 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}
