/**
 * The sandbox's errors. Every error answer uses the platform-wide body
 * `{status:"error", error:{code,message,details}, timestamp, requestId}`, so a handler throws an
 * HttpError and the server turns it into that body in one place.
 */
import { randomBytes } from 'node:crypto';
import { ERROR_CODES } from '../vobiz/contract.js';

/** One entry of `error.details.errors[]`: which field, why, a stable code, and the value that was sent. */
export interface FieldErrorDetail {
  field: string;
  message: string;
  code: string;
  /** null when the field was absent (JSON drops `undefined`, and every entry should carry all four keys). */
  value: unknown;
}

export type ErrorDetails = Record<string, unknown>;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetails = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The client went away before the request was read: there is nobody left to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection before the request was read');
    this.name = 'ClientGoneError';
  }
}

export function newRequestId(): string {
  return `req_${randomBytes(6).toString('hex')}`;
}

export interface ErrorBodyJson {
  status: 'error';
  error: { code: string; message: string; details: ErrorDetails };
  timestamp: string;
  requestId: string;
}

export function errorBody(
  code: string,
  message: string,
  details: ErrorDetails,
  requestId: string,
): ErrorBodyJson {
  return {
    status: 'error',
    error: { code, message, details },
    timestamp: new Date().toISOString(),
    requestId,
  };
}

export function validationError(errors: FieldErrorDetail[], message?: string): HttpError {
  const summary = message ?? errors.map((error) => error.message).join('; ');
  return new HttpError(422, ERROR_CODES.validation, summary, { errors });
}

export function badRequest(message: string, details: ErrorDetails = {}): HttpError {
  return new HttpError(400, ERROR_CODES.badRequest, message, details);
}

export function notFound(message: string, details: ErrorDetails = {}): HttpError {
  return new HttpError(404, ERROR_CODES.notFound, message, details);
}
