/**
 * Request authentication, as the docs describe it: `X-Auth-ID` + `X-Auth-Token`, or
 * `Authorization: Bearer <token>`. Either valid pair is enough; anything else is a 401.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ERROR_CODES } from '../vobiz/contract.js';
import { HttpError } from './http-errors.js';

export interface SandboxCredentials {
  authId: string;
  authToken: string;
  bearerToken: string;
}

/** Throws a 401 HttpError unless the headers carry valid credentials. */
export function assertAuthenticated(headers: IncomingHttpHeaders, credentials: SandboxCredentials): void {
  const authId = singleHeader(headers['x-auth-id']);
  const authToken = singleHeader(headers['x-auth-token']);
  const bearer = bearerToken(singleHeader(headers.authorization));

  if (authId !== undefined && authToken !== undefined) {
    if (secretEquals(authId, credentials.authId) && secretEquals(authToken, credentials.authToken)) return;
  }
  if (bearer !== undefined && secretEquals(bearer, credentials.bearerToken)) return;

  if (authId === undefined && authToken === undefined && bearer === undefined) {
    throw unauthorized(
      'missing credentials: send X-Auth-ID and X-Auth-Token headers, or Authorization: Bearer <token>',
    );
  }
  if ((authId === undefined) !== (authToken === undefined) && bearer === undefined) {
    const missing = authId === undefined ? 'X-Auth-ID' : 'X-Auth-Token';
    throw unauthorized(`incomplete credentials: the ${missing} header is missing`);
  }
  throw unauthorized('invalid credentials');
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, ERROR_CODES.unauthorized, message);
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

/** Constant-time comparison; hashing first makes both sides the same length, as timingSafeEqual needs. */
function secretEquals(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
