/**
 * What a handler answers with: a plain value the server writes once. Handlers return it instead of
 * writing to the socket themselves so that a fault can still replace or truncate the answer after the
 * request was applied (`error_after_write`, `malformed_body`).
 */
import type { ServerResponse } from 'node:http';
import { errorBody, type HttpError } from './http-errors.js';

export interface SandboxResponse {
  status: number;
  headers: Record<string, string>;
  /** Already serialised; undefined for a response without a body (204). */
  body: string | undefined;
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function jsonResponse(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): SandboxResponse {
  return { status, headers: { 'content-type': JSON_CONTENT_TYPE, ...headers }, body: JSON.stringify(value) };
}

export function noContentResponse(): SandboxResponse {
  return { status: 204, headers: {}, body: undefined };
}

export function errorResponse(error: HttpError, requestId: string): SandboxResponse {
  return jsonResponse(error.status, errorBody(error.code, error.message, error.details, requestId), {
    ...error.headers,
  });
}

/** Writes the response unless the client already went away (a late answer to a closed socket is moot). */
export function writeResponse(res: ServerResponse, response: SandboxResponse, requestId: string): void {
  if (res.destroyed || res.writableEnded) return;
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('x-request-id', requestId);
  if (response.body === undefined) {
    res.end();
    return;
  }
  res.setHeader('content-length', Buffer.byteLength(response.body));
  res.end(response.body);
}
