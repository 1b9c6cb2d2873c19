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
