/**
 * `POST /mcp`: one JSON-RPC message per request, checked cheapest first, and nothing held before the
 * request has been received whole and its caller is known.
 *
 * Host/Origin (DNS rebinding) → method → draining → endpoint token → credentials → header narrowing →
 * content type → body (capped, under the server's request timeout, within a budget for all pending
 * bodies) → JSON → one message, not a batch → session → notifications answered at once, without a
 * slot (a cancel must never wait behind the call it cancels) → a slot of the caller's, or a bounded
 * wait for one → dispatch.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSpecType, type JSONRPCRequest } from '../mcp/sdk.js';
import { logInfo, withRequestSecrets } from '../log.js';
import { SERVER_NAME, type ServerOptions } from '../mcp/create-server.js';
import type { VobizCredentials } from '../vobiz/client.js';
import type { Admission, Admissions } from './admission.js';
import { readBody, type BodyBudget } from './request-body.js';
import {
  callerKey,
  credentialMaterial,
  credentialSecret,
  narrowSelection,
  resolveCredentials,
  type Resolved,
} from './caller.js';
import type { AuthorizationServer } from '../oauth/authorization-server.js';
import type { HttpSettings } from '../config.js';
import { dispatch, type DispatchContext } from './dispatch.js';
import { checkEndpointToken, type HostGuard } from './guard.js';
import { RETRY_SOON, sendError } from './reply.js';
import { SESSION_HEADER, type SessionIds } from './session.js';

export interface EndpointContext extends DispatchContext {
  settings: HttpSettings;
  guard: HostGuard;
  /** The configured account, used by requests without X-Vobiz-* headers. */
  operator: VobizCredentials | undefined;
  operatorSelection: ServerOptions;
  admissions: Admissions;
  bodies: BodyBudget;
  sessions: SessionIds;
  /** Salts the callers' keys, so that they mean nothing outside this process. */
  salt: string;
  draining: () => boolean;
  /** Called each time a request gives back its slot. */
  onRequestEnd: () => void;
  /** OAuth sign-in (MCP_OAUTH_KEY): access tokens accepted in Authorization, and the 401 challenge. */
  oauth?: AuthorizationServer;
}

/**
 * Requests that never reach the Vobiz account: they take no slot of the caller's (only the process
 * cap applies), so that connecting never waits behind the account's running calls.
 */
const OFF_ACCOUNT_METHODS = new Set([
  'initialize',
  'server/discover',
  'ping',
  'tools/list',
  'prompts/list',
  'prompts/get',
  'resources/templates/list',
  'logging/setLevel',
]);

export async function handleMcp(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: EndpointContext,
): Promise<void> {
  const { settings } = ctx;
  if (!ctx.guard.hostAllowed(req.headers.host)) {
    return sendError(
      res,
      403,
      'Forbidden: Host not allowed (DNS-rebinding protection; see MCP_HTTP_ALLOWED_HOSTS).',
    );
  }
  if (!ctx.guard.originAllowed(req.headers.origin)) {
    return sendError(res, 403, 'Forbidden: Origin not allowed (see MCP_HTTP_ALLOWED_ORIGINS).');
  }
  if (req.method !== 'POST') {
    // Stateless: no standalone SSE stream (GET) and no session to end (DELETE).
    return sendError(res, 405, 'Method not allowed: this stateless endpoint takes POST only.', {
      allow: 'POST',
    });
  }
  if (ctx.draining()) {
    return sendError(res, 503, 'Shutting down: retry on another instance.', {
      ...RETRY_SOON,
      connection: 'close',
    });
  }
  // With OAuth on, a bearer that is not the endpoint token is an access token, carrying the credentials.
  const authorization = req.headers.authorization;
  const oauth = ctx.oauth;
  let signedIn: VobizCredentials | undefined;
  if (
    oauth &&
    authorization !== undefined &&
    (settings.token === undefined || checkEndpointToken(authorization, settings.token) !== 'ok')
  ) {
    signedIn = await oauth.authenticate(authorization, res);
    if (!signedIn) return;
  } else if (settings.token !== undefined) {
    const check = checkEndpointToken(authorization, settings.token);
    if (check !== 'ok') {
      return sendError(
        res,
        401,
        check === 'missing'
          ? 'Unauthorized: send Authorization: Bearer <the endpoint token>.'
          : 'Unauthorized: the endpoint token is wrong.',
        {
          'www-authenticate':
            oauth?.challenge() ??
            `Bearer realm="${SERVER_NAME}"${check === 'invalid' ? ', error="invalid_token"' : ''}`,
        },
        -32001,
      );
    }
  }
  const credentials: Resolved<VobizCredentials> = signedIn
    ? { ok: true, value: signedIn }
    : resolveCredentials(req.headers, ctx.operator);
  if (!credentials.ok) {
    return sendError(
      res,
      401,
      `Unauthorized: ${credentials.message}${oauth ? ' Or sign in with OAuth (this server is its own authorization server).' : ''}`,
      { 'www-authenticate': oauth?.challenge() ?? `Bearer realm="${SERVER_NAME}"` },
      -32001,
    );
  }
  const selection = narrowSelection(req.headers, ctx.operatorSelection);
  if (!selection.ok) return sendError(res, 400, selection.message, {}, -32600);
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    return sendError(res, 415, 'Unsupported Media Type: send Content-Type: application/json.', {}, -32600);
  }
  // From here on, the caller's own token is redacted from everything this request's work writes.
  return withRequestSecrets([credentialSecret(credentials.value)], () =>
    receive(req, res, ctx, credentials.value, selection.value),
  );
}

async function receive(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: EndpointContext,
  credentials: VobizCredentials,
  selection: ServerOptions,
): Promise<void> {
  const { settings } = ctx;
  const body = await readBody(req, settings.maxBodyBytes, ctx.bodies);
  if (!body.ok) {
    if (body.reason === 'aborted') return void res.destroy();
    if (body.reason === 'over_budget') {
      return sendError(res, 503, 'Server busy receiving other requests: retry shortly.', {
        ...RETRY_SOON,
        connection: 'close',
      });
    }
    return sendError(res, 413, `Payload too large: the limit is ${settings.maxBodyBytes} bytes.`, {
      connection: 'close',
    });
  }
  try {
    const message = parseMessage(body.text);
    if (!message.ok) return sendError(res, 400, message.error, {}, message.code);

    const account = callerKey(credentials, ctx.salt);
    const material = credentialMaterial(credentials);
    let session: string | undefined;
    if (message.value.method === 'initialize') {
      session = ctx.sessions.issue(material);
      res.setHeader(SESSION_HEADER, session);
    } else {
      session = ctx.sessions.verify(req.headers[SESSION_HEADER], material);
    }
    const owner = `${account}\0${session ?? ''}`;

    if (!isRequest(message.value)) {
      cancelIfAsked(message.value, owner, ctx);
      res.writeHead(202).end(); // notifications and responses: nothing to answer, nothing to run
      return;
    }
    const request = message.value;
    const admission = await ctx.admissions.acquire(
      OFF_ACCOUNT_METHODS.has(request.method) ? undefined : account,
      (leave) => {
        res.once('close', leave);
        return () => res.off('close', leave);
      },
    );
    body.release();
    if (!admission.ok) return refuse(res, admission.reason, ctx);
    try {
      await dispatch(req, res, request, { credentials, selection, owner, account }, ctx);
    } finally {
      admission.release();
      ctx.onRequestEnd();
    }
  } finally {
    body.release();
  }
}

/** Enough of a JSON-RPC message to route it; the SDK's transport checks a request in full. */
interface Message {
  jsonrpc: '2.0';
  method?: unknown;
  id?: unknown;
}

type Parsed = { ok: true; value: Message } | { ok: false; code: number; error: string };

function parseMessage(text: string): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: -32700, error: 'Parse error: the body is not JSON.' };
  }
  if (Array.isArray(json)) {
    return {
      ok: false,
      code: -32600,
      error:
        'Invalid Request: JSON-RPC batches are not accepted (MCP removed them in protocol version 2025-06-18). ' +
        'Send one message per POST; requests may run side by side.',
    };
  }
  return typeof json === 'object' && json !== null && (json as Message).jsonrpc === '2.0'
    ? { ok: true, value: json as Message }
    : { ok: false, code: -32600, error: 'Invalid Request: the body is not a JSON-RPC 2.0 message.' };
}

function isRequest(message: Message): message is JSONRPCRequest {
  return (
    typeof message.method === 'string' && (typeof message.id === 'string' || typeof message.id === 'number')
  );
}

function cancelIfAsked(message: Message, owner: string, ctx: EndpointContext): void {
  if (message.method !== 'notifications/cancelled') return;
  if (!isSpecType.CancelledNotification(message) || message.params.requestId === undefined) return;
  const { requestId, reason } = message.params;
  if (ctx.running.cancel(owner, requestId, reason) === 'ambiguous') {
    logInfo(
      'a cancel named a request id that two running requests on the same credentials use, without a session ' +
        'to tell their clients apart: neither was stopped',
    );
  }
}

function refuse(
  res: ServerResponse,
  reason: Exclude<Admission, { ok: true }>['reason'],
  ctx: EndpointContext,
): void {
  const { maxConcurrentPerCaller, queueLength, queueWaitMs } = ctx.settings;
  switch (reason) {
    case 'gone':
      return;
    case 'server_busy':
      return sendError(res, 503, 'Server busy: retry shortly.', RETRY_SOON);
    case 'queue_full':
      return sendError(
        res,
        429,
        `Too many concurrent requests for these credentials (${maxConcurrentPerCaller} running, ${queueLength} waiting): retry shortly.`,
        RETRY_SOON,
      );
    case 'queue_timeout':
      return sendError(
        res,
        429,
        `Too many concurrent requests for these credentials: no slot came free within ${queueWaitMs} ms. Retry shortly.`,
        RETRY_SOON,
      );
  }
}
