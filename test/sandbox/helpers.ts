/**
 * Shared test plumbing: sandboxes closed after each test, and a small HTTP helper over global fetch
 * that reads every answer and checks error bodies against the documented shape.
 */
import { afterEach, expect } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import {
  ContactBodySchema,
  ContactListBodySchema,
  ErrorBodySchema,
  toContact,
  toContactPage,
} from '../../src/vobiz/schemas.js';

/** What the client makes of a contact and of a list page: the body checked, then normalised. */
export const ContactSchema = ContactBodySchema.transform(toContact);
export const ContactPageSchema = ContactListBodySchema.transform(toContactPage);

export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Registers an afterEach that closes every sandbox the test started; returns the starter. */
export function useSandboxes(): (options?: SandboxOptions) => Promise<Sandbox> {
  const open: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
  });
  return async (options) => {
    const sandbox = await startSandbox(options);
    open.push(sandbox);
    return sandbox;
  };
}

export function authHeaders(sandbox: Sandbox): Record<string, string> {
  return { 'x-auth-id': sandbox.credentials.authId, 'x-auth-token': sandbox.credentials.authToken };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  json: unknown;
}

export interface ApiOptions {
  /** Serialised as JSON with Content-Type application/json; a string is sent as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Default true: send the sandbox's X-Auth headers. */
  auth?: boolean;
}

/** `path` is relative to the base URL, e.g. `/contacts?limit=5`. */
export async function api(
  sandbox: Sandbox,
  method: string,
  path: string,
  options: ApiOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...(options.auth === false ? {} : authHeaders(sandbox)) };
  let body: string | FormData | undefined;
  if (typeof options.body === 'string' || options.body instanceof FormData) {
    body = options.body;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, options.headers);
  const response = await fetch(`${sandbox.baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The documented error body, every part present, as the sandbox always sends it. */
export interface DocumentedErrorBody {
  status: 'error';
  error: { code: string; message: string; details: Record<string, unknown> };
  timestamp: string;
  requestId: string;
}

/** Asserts the documented error body with this status and code; returns it for further checks. */
export function expectError(response: ApiResponse, status: number, code: string): DocumentedErrorBody {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  // What a client parses with, then the full shape the sandbox promises on top of it.
  ErrorBodySchema.parse(response.json);
  const body = response.json as DocumentedErrorBody;
  expect(Object.keys(body).sort()).toEqual(['error', 'requestId', 'status', 'timestamp']);
  expect(body.status).toBe('error');
  expect(body.requestId).toMatch(/^req_[0-9a-f]{12}$/);
  expect(body.timestamp).toMatch(RFC3339_UTC);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(typeof body.error.details).toBe('object');
  return body;
}

/** The `details.errors` of a 422, as [field, code] pairs, for compact assertions. */
export function fieldErrors(response: ApiResponse): [string, string][] {
  const body = expectError(response, 422, 'VALIDATION_ERROR');
  const errors = (body.error.details.errors ?? []) as {
    field: string;
    code: string;
    message: string;
    value: unknown;
  }[];
  for (const error of errors) {
    expect(Object.keys(error).sort()).toEqual(['code', 'field', 'message', 'value']);
  }
  return errors.map((error) => [error.field, error.code]);
}

/** A multipart body with the CSV under the `file` field, as a browser or curl -F would send it. */
export function csvForm(csv: string | Uint8Array, field = 'file', filename = 'contacts.csv'): FormData {
  const form = new FormData();
  form.append(field, new Blob([csv], { type: 'text/csv' }), filename);
  return form;
}

/**
 * Lets real I/O run until `condition` holds, turn by turn on setImmediate — which tests faking
 * setTimeout leave real — so it works under fake timers; bounded, and fails naming `what`.
 */
export async function waitForTurns(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 100_000 && !condition(); turn += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!condition()) throw new Error(`never happened: ${what}`);
}
