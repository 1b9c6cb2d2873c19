/**
 * What a VobizClient is made with and what its calls take: the options, the credentials, the shapes of
 * a list query, a new contact and a patch, and what an observer of its requests is told.
 */
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { Pace } from './pace.js';
import type { RetryEvent, RetryPolicy } from './retry.js';

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
  /**
   * The account's pace (pace.ts), shared by every client of the account in the process; by default the
   * client makes its own, with `concurrency` as its ceiling.
   */
  pace?: Pace;
  /** The most requests in flight at once when the client makes its own pace (VOBIZ_CONCURRENCY). */
  concurrency?: number;
  /** Told of every attempt's answer and every retry: remote mode's metrics and request logs (ops/). */
  observer?: UpstreamObserver;
  /**
   * Headers sent with every request besides the client's own (`x-request-id`, `traceparent`): they
   * cannot replace an auth header or the content type.
   */
  headers?: Readonly<Record<string, string>>;
}

/** What an attempt came to, for an UpstreamObserver: never a body, a header value or a credential. */
export interface UpstreamAnswer {
  method: string;
  /** The route, ids replaced by `:id` (routeOf): one label per route, not per contact. */
  route: string;
  /** The HTTP status, or how the attempt failed without one. */
  status: number | 'network' | 'timeout' | 'cancelled';
  seconds: number;
  /** The API's id of the request (`x-request-id` header, or `requestId` in an error body). */
  requestId?: string;
}

export interface UpstreamObserver {
  answered(answer: UpstreamAnswer): void;
  /** A failed attempt is about to be retried after `delayMs`. */
  retrying(retry: { method: string; route: string; status: UpstreamAnswer['status']; delayMs: number }): void;
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
  /**
   * Where the request queues behind the account's other requests: a bulk job's writes (BULK_PRIORITY)
   * go after what an interactive call waits on.
   */
  priority?: number;
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

export const USER_AGENT = 'vobiz-contacts-mcp';
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_DEADLINE_MS = 120_000;
/** The default ceiling of requests in flight per account (VOBIZ_CONCURRENCY). */
export const DEFAULT_CONCURRENCY = 32;
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export type RequestBody = { json: unknown } | { file: { blob: Blob; filename: string } } | undefined;

/** The headers that authenticate every request: the documented pair, or a bearer token. */
export function authHeadersOf(credentials: VobizCredentials): Record<string, string> {
  return 'bearerToken' in credentials
    ? { authorization: `Bearer ${credentials.bearerToken}` }
    : { 'x-auth-id': credentials.authId, 'x-auth-token': credentials.authToken };
}

/** Which account a client acts for, as a digest of the base URL and the credentials: never shown. */
export function accountDigest(baseUrl: string, credentials: VobizCredentials): string {
  return createHash('sha256')
    .update(`vobiz-account\0${baseUrl}\0`)
    .update(
      'bearerToken' in credentials
        ? `bearer\0${credentials.bearerToken}`
        : `pair\0${credentials.authId}\0${credentials.authToken}`,
    )
    .digest('hex');
}
