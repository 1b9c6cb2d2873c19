/**
 * Reading what the API answers: a body read no further than a limit, a success checked against its
 * schema, any error answer — the documented JSON, a plain string error, HTML from a proxy, nothing —
 * turned into one VobizHttpError, and a failed connection into a VobizNetworkError that names its cause.
 * The client (client.ts) sends; this module makes sense of what comes back.
 */
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import { redact } from '../log.js';
import { renderText } from '../render.js';
import { DEADLINE_CAUSE, isTlsErrorCode, VobizHttpError, VobizNetworkError } from './errors.js';
import { ErrorBodySchema } from './schemas.js';
import type { UpstreamAnswer } from './client-options.js';
import type { PaceSignal } from './pace.js';

/** Longest upstream error message kept: a 2 MB message is a broken upstream, not information. */
const MAX_ERROR_MESSAGE_CHARS = 1_000;

export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super('response body too large');
  }
}

/**
 * The body as text, read no further than `limit` bytes. A declared length is checked before a byte is
 * read (undici holds a body to its declared length); a chunked body is counted as it streams.
 */
export async function readBounded(
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

/** 4194304 → "4 MB", 65536 → "64 kB". */
function formatLimit(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.round(bytes / 1024)} kB`;
}

export function tooLargeError(status: number, method: string, path: string, limit: number): VobizHttpError {
  const route = path.split('?')[0];
  return new VobizHttpError(
    status,
    'RESPONSE_TOO_LARGE',
    `The API answered ${method} ${route} with HTTP ${status} and a body over ${formatLimit(limit)} (VOBIZ_MAX_RESPONSE_BYTES); it was not read.`,
    { unreadableBody: true, tooLarge: true },
  );
}

export function parseSuccess<T>(
  schema: z.ZodType<T>,
  status: number,
  text: string,
  method: string,
  path: string,
): T {
  const parsed = schema.safeParse(parseJson(text));
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
  const parsed = ErrorBodySchema.safeParse(parseJson(text));
  const retryAfterHeader = parseRetryAfter(headers['retry-after']);
  if (!parsed.success) {
    // A header is upstream text too: rendered, and short.
    const type = renderText(String(headers['content-type'] ?? 'no content type').split(';')[0] ?? '', {
      quote: 'unless-plain',
      max: 60,
    });
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
  // Redacted before the clip: a token the API echoed must not be cut into a readable prefix.
  const message = redact(error.message ?? body.message ?? `HTTP ${status}`);
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

export function deadlineError(): VobizNetworkError {
  return new VobizNetworkError('timeout', 'The call ran out of its overall time budget.', DEADLINE_CAUSE);
}

export function toNetworkError(error: unknown, state: { timedOut: boolean }, host: string): Error {
  if (state.timedOut) {
    return new VobizNetworkError('timeout', 'The Vobiz API did not answer in time.', 'TIMEOUT');
  }
  const code = findErrorCode(error);
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

/** The body as JSON, or undefined when it is not JSON (an HTML page, a truncated body): the schema decides. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A 429 without Retry-After holds the account back this long. */
const DEFAULT_RATE_LIMIT_HOLD_MS = 1_000;

/**
 * A 429 cuts the account's pace; any other answer of the API (a 404, a 422) says it kept up. The account
 * is held for the Retry-After only up to the longest wait a call sleeps through (`maxHoldMs`): past it
 * every call fails at once saying how long to wait (retry.ts), rather than hang the account's callers.
 */
export function paceSignalOf(error: VobizHttpError, maxHoldMs: number): PaceSignal {
  if (error.status === 429) {
    const seconds = error.details.retryAfterSeconds;
    const asked = seconds ? seconds * 1000 : DEFAULT_RATE_LIMIT_HOLD_MS;
    return { kind: 'rate_limited', retryAfterMs: asked > maxHoldMs ? 0 : asked };
  }
  return error.status >= 500 ? { kind: 'other' } : { kind: 'clean' };
}

/** The API's id of a request, from its answer's `x-request-id` header. */
export function headerRequestId(headers: Record<string, string | string[] | undefined>): string | undefined {
  return plainRequestId(headers['x-request-id']);
}

/** A request id the API sent, when it is a plain short token: anything else is not logged as one. */
export function plainRequestId(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\w.:-]{1,128}$/.test(value) ? value : undefined;
}

/** How a failed attempt is labelled in metrics: its status, or the kind of failure without one. */
export function statusOf(error: unknown): UpstreamAnswer['status'] {
  if (error instanceof VobizHttpError) return error.status;
  if (error instanceof VobizNetworkError) return error.kind === 'timeout' ? 'timeout' : 'network';
  return 'cancelled';
}
