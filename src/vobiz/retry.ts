/**
 * The retry policy of every Vobiz API call, in one place: which failure is retried for which request,
 * how long to wait before the next attempt, and when to stop.
 *
 * The docs' rule (shared/api/CONTACTS-API.md): a 429 is a rate limit — nothing was applied, so any
 * request may be sent again once the wait is over; a 5xx is an *unknown outcome* — a write may or may
 * not have been applied. So a request is retried after a 5xx or a broken connection only when sending it
 * twice does no harm (GET; PUT and DELETE, which set a state; an upsert), never a plain create.
 */
import { DEADLINE_CAUSE, VobizCancelledError, VobizHttpError, VobizNetworkError } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt; 0 turns retrying off. */
  maxRetries: number;
  /** The first backoff ceiling; it doubles with each retry (250 → 500 → 1000 ms by default). */
  baseDelayMs: number;
  /**
   * The longest single wait. A `Retry-After` longer than this is not slept through: the call fails at
   * once and the caller is told how long to wait, instead of hanging for minutes.
   */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxRetries: 3,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
};

/**
 * What sending a request twice risks.
 * - `read`: nothing (GET); retried on 429, 502/503/504, connection errors and timeouts.
 * - `repeatable`: the second send leaves the state the first did (PUT, DELETE, the import's upsert by
 *   phone); retried as a read, except after a timeout (the first may still be running upstream).
 * - `unsafe`: a second send may do the work twice (POST /contacts); retried only when the first
 *   certainly did nothing: a 429, or a connection that was never made.
 */
export type RequestSafety = 'read' | 'repeatable' | 'unsafe';

export function requestSafety(method: string, repeatable = false): RequestSafety {
  const upper = method.toUpperCase();
  if (upper === 'GET' || upper === 'HEAD') return 'read';
  if (upper === 'PUT' || upper === 'DELETE' || repeatable) return 'repeatable';
  return 'unsafe';
}

/**
 * What a failure says about the request.
 * - `cancelled`: the caller gave up; nothing more is sent.
 * - `not_applied`: the API certainly did nothing (429, or the connection was never made).
 * - `unknown_outcome`: it may or may not have been applied (5xx, timeout, a dropped connection, a
 *   success status with a body that cannot be read).
 * - `rejected`: the API decided (400, 401, 404, 409, 422, …); sending it again gets the same answer.
 */
export type FailureClass = 'cancelled' | 'not_applied' | 'unknown_outcome' | 'rejected';

/** Low-level codes of a connection that was never made: the request cannot have reached the API. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

export { DEADLINE_CAUSE } from './errors.js';

export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof VobizCancelledError) return 'cancelled';
  if (error instanceof VobizNetworkError) {
    if (error.kind === 'connection' && error.causeCode !== undefined && NOT_SENT_CODES.has(error.causeCode)) {
      return 'not_applied';
    }
    return 'unknown_outcome';
  }
  if (error instanceof VobizHttpError) {
    if (error.status === 429) return 'not_applied';
    if (error.status >= 500 || (error.status >= 200 && error.status < 300)) return 'unknown_outcome';
    return 'rejected';
  }
  return 'rejected';
}

const RETRIED_SERVER_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** Whether this failure of a request of this safety is worth another attempt. */
export function isRetryable(error: unknown, safety: RequestSafety): boolean {
  if (error instanceof VobizHttpError) {
    if (error.status === 429) return true;
    // 500 is left alone: an internal error usually repeats, and repeating costs the caller time.
    return RETRIED_SERVER_STATUSES.has(error.status) && safety !== 'unsafe';
  }
  if (error instanceof VobizNetworkError) {
    if (error.causeCode === DEADLINE_CAUSE) return false;
    if (error.kind === 'timeout') return safety === 'read';
    return safety !== 'unsafe' || classifyFailure(error) === 'not_applied';
  }
  return false;
}

/** Full-jitter exponential backoff: uniform in [0, min(maxDelayMs, baseDelayMs · 2^retryIndex)]. */
export function backoffMs(
  retryIndex: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  return Math.round(random() * ceiling);
}

/**
 * How long to wait before retry number `retryIndex` (0 for the first retry). A 429's `Retry-After` is
 * honoured as given; one longer than `maxDelayMs` yields `'too_long'`: the caller is told to wait instead.
 */
export function retryDelayMs(
  error: unknown,
  retryIndex: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | 'too_long' {
  if (error instanceof VobizHttpError && error.status === 429 && error.details.retryAfterSeconds) {
    const asked = error.details.retryAfterSeconds * 1000;
    return asked > policy.maxDelayMs ? 'too_long' : asked;
  }
  return backoffMs(retryIndex, policy, random);
}

/** Waits `ms`, or rejects with VobizCancelledError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new VobizCancelledError());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new VobizCancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Why the last attempt was the last. */
export type RetryStopReason =
  /** The failure is not worth repeating for this request (or it was the only attempt and it worked). */
  | 'not_retryable'
  /** `maxRetries` retries were made. */
  | 'attempts'
  /** The next wait would end past the call's deadline. */
  | 'deadline'
  /** The API asked for a wait longer than `maxDelayMs`. */
  | 'retry_after_too_long'
  | 'cancelled';

/** What the retry loop did before a call failed for good; read it with `retryRecordOf(error)`. */
export interface RetryRecord {
  /** Requests sent (or tried), the failed last one included. */
  attempts: number;
  /** Time spent waiting between them. */
  waitedMs: number;
  stoppedBecause: RetryStopReason;
  /**
   * Whether an attempt before the error that ended the call may have been applied (it failed with a 5xx,
   * a timeout, a dropped connection): a 404 on a DELETE retried after one means it was deleted.
   */
  earlierOutcomeUnknown: boolean;
  /** A check of the API's state (`settle`) showed that no attempt of this unsafe request was applied. */
  verifiedNotApplied: boolean;
}

// Errors are annotated rather than wrapped, so `instanceof VobizHttpError` keeps working everywhere.
const records = new WeakMap<object, RetryRecord>();

export function retryRecordOf(error: unknown): RetryRecord | undefined {
  return typeof error === 'object' && error !== null ? records.get(error) : undefined;
}

function annotate(error: unknown, record: RetryRecord): unknown {
  if (typeof error === 'object' && error !== null && !records.has(error)) records.set(error, record);
  return error;
}

/**
 * For a request that is not safe to repeat: after a failure that leaves its outcome unknown (and after
 * any failure that follows one), look at the API's state. `applied` ends the call with what was found;
 * `not_applied` lets the request be sent again, as after a 429. It throws if it cannot tell.
 */
export type Settle<T> = (error: unknown) => Promise<{ applied: true; result: T } | { applied: false }>;

export interface RetryOptions<T = unknown> {
  policy: RetryPolicy;
  safety: RequestSafety;
  /** The caller's signal: a wait ends at once when it aborts, and no further attempt is made. */
  signal?: AbortSignal;
  /** Epoch ms after which no attempt starts and no wait ends; the attempts themselves enforce it too. */
  deadline?: number;
  /** Told before each wait. */
  onRetry?: (event: RetryEvent) => void;
  /** Makes an `unsafe` request retryable after an unknown outcome, once the state shows it was not applied. */
  settle?: Settle<T>;
  random?: () => number;
  now?: () => number;
}

export interface RetryEvent {
  /** The attempt that failed, from 1. */
  attempt: number;
  error: unknown;
  delayMs: number;
}

/**
 * Runs `attempt` (given its 1-based number) until it succeeds or the policy says stop; the error that
 * ends it carries a RetryRecord.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions<T>,
): Promise<T> {
  const { policy, safety, signal, deadline, onRetry, settle, random = Math.random, now = Date.now } = options;
  let waitedMs = 0;
  let earlierOutcomeUnknown = false;
  let settleLater = false;
  let verifiedNotApplied = false;
  for (let n = 1; ; n++) {
    const stop = (error: unknown, stoppedBecause: RetryStopReason) =>
      annotate(error, { attempts: n, waitedMs, stoppedBecause, earlierOutcomeUnknown, verifiedNotApplied });
    let failure: unknown;
    try {
      return await attempt(n);
    } catch (error) {
      failure = error;
    }
    if (failure instanceof VobizCancelledError || signal?.aborted) throw stop(failure, 'cancelled');
    const unknownNow = classifyFailure(failure) === 'unknown_outcome';
    // An unsafe request whose outcome is unknown is sent again only when the state shows it was not applied.
    let retryAsNotApplied = false;
    if (settle && (unknownNow || settleLater)) {
      const settled = await settle(failure);
      if (settled.applied) return settled.result;
      verifiedNotApplied = true;
      earlierOutcomeUnknown = false;
      retryAsNotApplied = unknownNow;
    }
    if (!retryAsNotApplied && !isRetryable(failure, safety)) throw stop(failure, 'not_retryable');
    if (n > policy.maxRetries) throw stop(failure, 'attempts');
    const delay = retryDelayMs(failure, n - 1, policy, random);
    if (delay === 'too_long') throw stop(failure, 'retry_after_too_long');
    if (deadline !== undefined && now() + delay >= deadline) throw stop(failure, 'deadline');
    if (unknownNow) {
      // A request that landed late can still fail a later attempt (a 409 on a create): settle those too.
      settleLater = true;
      earlierOutcomeUnknown ||= !retryAsNotApplied;
    }
    onRetry?.({ attempt: n, error: failure, delayMs: delay });
    try {
      await sleep(delay, signal);
    } catch (cancelled) {
      throw stop(cancelled, 'cancelled');
    }
    waitedMs += delay;
  }
}
