/**
 * The failures a Vobiz API call can end in. Every one carries what a caller needs to decide what to do
 * next, and none carries a credential: the client never puts headers or tokens into an error.
 */
import type { FieldError } from './schemas.js';

/** The API answered with a non-success status (or, rarely, a success status with a body we cannot read). */
export class VobizHttpError extends Error {
  override readonly name = 'VobizHttpError';
  constructor(
    readonly status: number,
    /** The API's error code (`VALIDATION_ERROR`, `NOT_FOUND`, …), or undefined when the body had none. */
    readonly code: string | undefined,
    message: string,
    readonly details: {
      fieldErrors?: FieldError[];
      requestId?: string;
      /** Seconds to wait, from `Retry-After` or `details.retryAfter`. */
      retryAfterSeconds?: number;
      /** The body was not the API's JSON (an HTML page from a proxy, an empty or truncated body). */
      unreadableBody?: boolean;
      /** The body was larger than the client reads (VobizClientOptions.maxResponseBytes): not read. */
      tooLarge?: boolean;
      /** Further error details the API sent (e.g. `existing_id` on a duplicate). */
      extra?: Record<string, unknown>;
    } = {},
  ) {
    super(message);
  }
}

/** The `causeCode` of a timeout that was the call's overall deadline, not one request's timeout. */
export const DEADLINE_CAUSE = 'DEADLINE';

/** The request never got a complete answer: timeout, refused or dropped connection, DNS, TLS. */
export class VobizNetworkError extends Error {
  override readonly name = 'VobizNetworkError';
  constructor(
    readonly kind: 'timeout' | 'connection',
    message: string,
    /** The low-level error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, …) for diagnostics. */
    readonly causeCode?: string,
  ) {
    super(message);
  }
}

/** Whether a low-level error code is a TLS failure: a refused certificate, or https:// to a plain-http server. */
export function isTlsErrorCode(code: string | undefined): boolean {
  return (
    code !== undefined &&
    (/^ERR_(TLS|SSL)_|CERT|EPROTO/.test(code) ||
      code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
      code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')
  );
}

/** The caller (the MCP client) cancelled the call; the request was aborted. */
export class VobizCancelledError extends Error {
  override readonly name = 'VobizCancelledError';
  constructor() {
    super('The request was cancelled.');
  }
}

export type VobizError = VobizHttpError | VobizNetworkError | VobizCancelledError;

/**
 * What kind of failure an error is: the one classification both readers of failures word from — the
 * model (mcp/results.ts, which also says whether anything changed) and a person at a terminal
 * (doctor.ts, which names the setting to change).
 */
export type FailureKind =
  | 'cancelled'
  /** The call's overall time budget ran out. */
  | 'deadline'
  | 'timeout'
  | 'dns'
  | 'refused'
  | 'tls'
  /** Dropped, reset, or failed some other way before a full answer. */
  | 'connection'
  | 'credentials'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  /** A 5xx. */
  | 'server'
  /** An answer larger than the client reads. */
  | 'too_large'
  /** An answer that is not the API's JSON (a proxy's HTML page, a truncated body). */
  | 'unreadable'
  /** 400, 413, 422: the API refused the request as sent. */
  | 'invalid_request'
  /** Any other status. */
  | 'other_status'
  /** Not an API failure at all: a bug here. */
  | 'internal';

export function failureKind(error: unknown): FailureKind {
  if (error instanceof VobizCancelledError) return 'cancelled';
  if (error instanceof VobizNetworkError) {
    if (error.causeCode === DEADLINE_CAUSE) return 'deadline';
    if (error.kind === 'timeout') return 'timeout';
    const code = error.causeCode;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
    if (code === 'ECONNREFUSED') return 'refused';
    return isTlsErrorCode(code) ? 'tls' : 'connection';
  }
  if (!(error instanceof VobizHttpError)) return 'internal';
  const { status, details } = error;
  if (details.tooLarge) return 'too_large';
  if (status === 401 || status === 403) return 'credentials';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server';
  if (details.unreadableBody) return 'unreadable';
  if (status === 400 || status === 413 || status === 422) return 'invalid_request';
  return 'other_status';
}
