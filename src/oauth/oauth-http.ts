/** The HTTP pieces of the authorization server: bodies it reads, OAuth error answers, cookies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, type BodyBudget } from '../http/request-body.js';
import { JSON_HEADERS } from '../http/reply.js';

/** Far above any form or registration a client sends. */
export const MAX_OAUTH_BODY_BYTES = 64 * 1024;

/** The JSON endpoints are called by clients in browsers too: any origin, never with cookies. */
export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type, authorization, mcp-protocol-version',
};

type Read<T> = { ok: true; value: T } | { ok: false; status: number; message: string };

async function readText(
  req: IncomingMessage,
  bodies: BodyBudget,
  type: RegExp,
  named: string,
): Promise<Read<string>> {
  if (!type.test(req.headers['content-type'] ?? '')) {
    return { ok: false, status: 415, message: `Send the body as ${named}.` };
  }
  const body = await readBody(req, MAX_OAUTH_BODY_BYTES, bodies);
  if (!body.ok) {
    return {
      ok: false,
      status: body.reason === 'too_large' ? 413 : 503,
      message:
        body.reason === 'too_large'
          ? `The body is larger than ${MAX_OAUTH_BODY_BYTES} bytes.`
          : 'Server busy receiving other requests: retry shortly.',
    };
  }
  body.release(); // read whole: it is small, and handled at once
  return { ok: true, value: body.text };
}

/** An `application/x-www-form-urlencoded` body (the token endpoint, the sign-in form). */
export async function readForm(req: IncomingMessage, bodies: BodyBudget): Promise<Read<URLSearchParams>> {
  const text = await readText(
    req,
    bodies,
    /^application\/x-www-form-urlencoded\s*(;|$)/i,
    'application/x-www-form-urlencoded',
  );
  return text.ok ? { ok: true, value: new URLSearchParams(text.value) } : text;
}

export async function readJson(req: IncomingMessage, bodies: BodyBudget): Promise<Read<unknown>> {
  const text = await readText(req, bodies, /^application\/json\s*(;|$)/i, 'application/json');
  if (!text.ok) return text;
  try {
    return { ok: true, value: JSON.parse(text.value) as unknown };
  } catch {
    return { ok: false, status: 400, message: 'The body is not JSON.' };
  }
}

/** An OAuth error answer (RFC 6749 §5.2): `error` and a description a person can act on. */
export function sendOAuthError(
  res: ServerResponse,
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...JSON_HEADERS, ...CORS_HEADERS, ...headers });
  res.end(JSON.stringify({ error, error_description: description }));
}

/** One cookie of the request, or undefined. */
export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
