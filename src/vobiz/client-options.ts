/**
 * What a VobizClient is made with and what its calls take: the options, the credentials, and the shapes
 * of a list query, a new contact and a patch.
 */
import type { Dispatcher } from 'undici';
import type { AccountPace } from './pace.js';
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
  pace?: AccountPace;
  /** The most requests in flight at once when the client makes its own pace (VOBIZ_CONCURRENCY). */
  concurrency?: number;
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
