/**
 * Who a request acts as, and what it may do. A caller brings its own Vobiz credentials in headers of
 * their own (used for that request only, never stored or logged), or uses the operator's account.
 * `Authorization` is never a Vobiz credential: it only ever carries the endpoint's own token.
 * Headers may narrow the operator's tool selection, never widen it.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { splitCommaList } from '../config.js';
import type { ServerOptions } from '../mcp/create-server.js';
import { TOOL_NAMES } from '../tools/all-tools.js';
import type { VobizCredentials } from '../vobiz/client.js';
import { AUTH_ID_PATTERN } from '../vobiz/contract.js';

export const HEADERS = {
  authId: 'x-vobiz-auth-id',
  authToken: 'x-vobiz-auth-token',
  bearerToken: 'x-vobiz-bearer-token',
  readOnly: 'x-mcp-readonly',
  tools: 'x-mcp-tools',
} as const;

export type Resolved<T> = { ok: true; value: T } | { ok: false; message: string };

/** The credentials a request acts with: its own headers when present, else the operator's account. */
export function resolveCredentials(
  headers: IncomingHttpHeaders,
  operator: VobizCredentials | undefined,
): Resolved<VobizCredentials> {
  const authId = single(headers[HEADERS.authId]);
  const authToken = single(headers[HEADERS.authToken]);
  const bearerToken = single(headers[HEADERS.bearerToken]);

  if (authId !== undefined || authToken !== undefined) {
    if (bearerToken !== undefined) {
      return fail('Send either X-Vobiz-Auth-Id with X-Vobiz-Auth-Token, or X-Vobiz-Bearer-Token, not both.');
    }
    if (authId === undefined || authToken === undefined) {
      return fail(
        `Incomplete Vobiz credentials: the ${authId === undefined ? 'X-Vobiz-Auth-Id' : 'X-Vobiz-Auth-Token'} header is missing.`,
      );
    }
    if (!AUTH_ID_PATTERN.test(authId)) {
      return fail('X-Vobiz-Auth-Id must look like MA_XXXXXXXX (your Vobiz account id).');
    }
    if (!isToken(authToken)) return fail('X-Vobiz-Auth-Token must be one token without spaces or commas.');
    return { ok: true, value: { authId, authToken } };
  }
  if (bearerToken !== undefined) {
    if (!isToken(bearerToken)) {
      return fail('X-Vobiz-Bearer-Token must be one token without spaces or commas.');
    }
    return { ok: true, value: { bearerToken } };
  }
  if (operator) return { ok: true, value: operator };

  const hints: string[] = [];
  if (headers['x-auth-id'] !== undefined || headers['x-auth-token'] !== undefined) {
    hints.push(
      'This endpoint reads them from X-Vobiz-Auth-Id and X-Vobiz-Auth-Token, not X-Auth-ID/X-Auth-Token.',
    );
  } else if (headers.authorization !== undefined) {
    hints.push(
      'Authorization carries only this endpoint’s own token; send a Vobiz JWT as X-Vobiz-Bearer-Token.',
    );
  }
  return fail(
    [
      'Vobiz credentials missing: send X-Vobiz-Auth-Id and X-Vobiz-Auth-Token, or X-Vobiz-Bearer-Token.',
      ...hints,
    ].join(' '),
  );
}

/**
 * A stable, non-reversible key for the account a request acts as, for per-caller limits. Salted per
 * process so that the keys mean nothing outside it.
 */
export function callerKey(credentials: VobizCredentials, salt: string): string {
  return createHash('sha256').update(salt).update('\0').update(credentialMaterial(credentials)).digest('hex');
}

/** The credentials as one string, for hashing: never stored, logged or sent anywhere. */
export function credentialMaterial(credentials: VobizCredentials): string {
  return 'bearerToken' in credentials
    ? `bearer\0${credentials.bearerToken}`
    : `pair\0${credentials.authId}\0${credentials.authToken}`;
}

/** The secret part of the credentials, redacted from whatever the request's work writes. */
export function credentialSecret(credentials: VobizCredentials): string {
  return 'bearerToken' in credentials ? credentials.bearerToken : credentials.authToken;
}

/** The operator's tool selection, narrowed by `X-MCP-Readonly` and `X-MCP-Tools`. */
export function narrowSelection(
  headers: IncomingHttpHeaders,
  operator: ServerOptions,
): Resolved<ServerOptions> {
  let readOnly = operator.readOnly ?? false;
  const readOnlyHeader = single(headers[HEADERS.readOnly]);
  if (readOnlyHeader !== undefined) {
    const value = readOnlyHeader.trim().toLowerCase();
    if (!['true', 'false', '1', '0'].includes(value)) return fail('X-MCP-Readonly must be true or false.');
    // A header can only add the restriction; "false" leaves the operator's setting as it is.
    readOnly ||= value === 'true' || value === '1';
  }

  let tools = operator.tools;
  const toolsHeader = single(headers[HEADERS.tools]);
  if (toolsHeader !== undefined) {
    const asked = splitCommaList(toolsHeader);
    const unknown = asked.filter((name) => !TOOL_NAMES.includes(name));
    if (unknown.length > 0) {
      return fail(
        `X-MCP-Tools names unknown tools (${unknown.join(', ')}); known: ${TOOL_NAMES.join(', ')}.`,
      );
    }
    tools = (tools ?? TOOL_NAMES).filter((name) => asked.includes(name));
  }
  return { ok: true, value: { readOnly, ...(tools !== undefined && { tools }) } };
}

function single(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.trim() === '' ? undefined : first.trim();
}

function isToken(value: string): boolean {
  return /^[\x21-\x2b\x2d-\x7e]+$/.test(value); // printable ASCII, no space, no comma (joined duplicates)
}

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}
