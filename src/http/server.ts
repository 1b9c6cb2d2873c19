/**
 * Remote mode: the tools over MCP's Streamable HTTP transport at `/mcp`, stateless, on plain node:http.
 *
 * Every POST gets a fresh McpServer, a fresh transport and a fresh VobizClient holding that request's
 * credentials; they live until the response closes. Nothing is kept between requests, so any instance
 * behind a load balancer can answer any request. All clients share one undici Agent (keep-alive
 * connections to the API) that only this module closes.
 *
 * Order of checks, cheapest first: path → Host/Origin (DNS rebinding) → method → draining → endpoint
 * token → credentials → header narrowing → content type → concurrency → body size → JSON.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { Agent } from 'undici';
import { ConfigError } from '../config.js';
import { logError, registerSecret } from '../log.js';
import { createServer, SERVER_NAME, type ServerOptions } from '../server.js';
import type { ToolContext } from '../tools/context.js';
import { VobizClient } from '../vobiz/client.js';
import { callerKey, narrowSelection, resolveCredentials } from './caller.js';
import { isLoopbackAddress, type HttpSettings, type RemoteConfig } from './config.js';
import { checkEndpointToken, HostGuard } from './guard.js';
import { ConcurrencyLimiter, readBody } from './limits.js';

export const MCP_PATH = '/mcp';
export const HEALTH_PATH = '/healthz';

export interface RemoteServerOptions {
  settings: HttpSettings;
  config: RemoteConfig;
}

export interface RemoteServer {
  /** e.g. http://127.0.0.1:3000/mcp */
  url: string;
  port: number;
  /** Requests being answered now. */
  inFlight(): number;
  /**
   * Graceful stop: no new connections or requests, in-flight calls finish (up to the grace period, after
   * which their connections are closed and their calls aborted), then everything is released.
   * Resolves to whether every call finished in time. Idempotent.
   */
  close(): Promise<{ drained: boolean }>;
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };
const RETRY_AFTER_SECONDS = '1';

/** Refuses settings that would let anyone who can reach the port use the operator's account. */
export function assertSafeExposure(settings: HttpSettings, config: RemoteConfig): void {
  if (isLoopbackAddress(settings.host) || settings.token !== undefined || config.credentials === undefined) {
    return;
  }
  throw new ConfigError(
    `refusing to listen on ${settings.host} with a configured Vobiz account and no MCP_HTTP_TOKEN: anyone ` +
      'who can reach the port would act as that account. Set MCP_HTTP_TOKEN, or unset VOBIZ_AUTH_ID/' +
      'VOBIZ_AUTH_TOKEN/VOBIZ_BEARER_TOKEN so that every caller must send its own credentials, or bind to 127.0.0.1.',
  );
}

export async function startRemoteServer({ settings, config }: RemoteServerOptions): Promise<RemoteServer> {
  assertSafeExposure(settings, config);
  if (settings.token) registerSecret(settings.token);
  const operator = config.credentials;
  if (operator) registerSecret('bearerToken' in operator ? operator.bearerToken : operator.authToken);

  const guard = new HostGuard({
    allowedHosts: settings.allowedHosts,
    allowedOrigins: settings.allowedOrigins,
    bindHost: settings.host,
  });
  const limiter = new ConcurrencyLimiter(settings.maxConcurrentPerCaller, settings.maxConcurrent);
  const salt = randomBytes(16).toString('hex');
  // One pool of keep-alive connections to the API for every request of the process.
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });
  const operatorSelection: ServerOptions = {
    readOnly: config.readOnly,
    ...(config.tools !== undefined && { tools: config.tools }),
  };
  const baseContext: Omit<ToolContext, 'client'> = {
    // The server's disk is not the caller's: file_path imports are off over HTTP, inline `csv` works.
    import: {
      allowedDirs: [],
      maxFileBytes: config.importMaxBytes,
      maxInlineBytes: config.inlineCsvMaxBytes,
      chunkRows: config.importChunkRows,
    },
    confirm: { mode: config.confirmMode, bulkThreshold: config.confirmThreshold },
    bulkConcurrency: config.bulkConcurrency,
  };

  let draining = false;
  let onIdle: (() => void) | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const path = rawUrl.split('?', 1)[0];
    const method = req.method ?? 'GET';

    if (path === HEALTH_PATH) {
      // Not behind the Host check: load balancers probe instances by IP address.
      if (method !== 'GET' && method !== 'HEAD')
        return sendError(res, 405, 'Use GET.', { allow: 'GET, HEAD' });
      res.writeHead(draining ? 503 : 200, JSON_HEADERS);
      return void res.end(
        method === 'HEAD' ? undefined : JSON.stringify({ status: draining ? 'draining' : 'ok' }),
      );
    }
    if (path !== MCP_PATH) return sendError(res, 404, `Not found: the MCP endpoint is ${MCP_PATH}.`);
    if (!guard.hostAllowed(req.headers.host)) {
      return sendError(
        res,
        403,
        'Forbidden: Host not allowed (DNS-rebinding protection; see MCP_HTTP_ALLOWED_HOSTS).',
      );
    }
    if (!guard.originAllowed(req.headers.origin)) {
      return sendError(res, 403, 'Forbidden: Origin not allowed (see MCP_HTTP_ALLOWED_ORIGINS).');
    }
    if (method !== 'POST') {
      // Stateless: no standalone SSE stream (GET) and no session to end (DELETE).
      return sendError(res, 405, 'Method not allowed: this stateless endpoint takes POST only.', {
        allow: 'POST',
      });
    }
    if (draining) {
      return sendError(res, 503, 'Shutting down: retry on another instance.', {
        'retry-after': RETRY_AFTER_SECONDS,
        connection: 'close',
      });
    }
    if (settings.token !== undefined) {
      const check = checkEndpointToken(req.headers.authorization, settings.token);
      if (check !== 'ok') {
        return sendError(
          res,
          401,
          check === 'missing'
            ? 'Unauthorized: send Authorization: Bearer <the endpoint token>.'
            : 'Unauthorized: the endpoint token is wrong.',
          {
            'www-authenticate': `Bearer realm="${SERVER_NAME}"${check === 'invalid' ? ', error="invalid_token"' : ''}`,
          },
          -32001,
        );
      }
    }
    const credentials = resolveCredentials(req.headers, operator);
    if (!credentials.ok) {
      return sendError(
        res,
        401,
        `Unauthorized: ${credentials.message}`,
        { 'www-authenticate': `Bearer realm="${SERVER_NAME}"` },
        -32001,
      );
    }
    const selection = narrowSelection(req.headers, operatorSelection);
    if (!selection.ok) return sendError(res, 400, selection.message, {}, -32600);
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      return sendError(res, 415, 'Unsupported Media Type: send Content-Type: application/json.', {}, -32600);
    }

    const slot = limiter.tryAcquire(callerKey(credentials.value, salt));
    if (!slot.ok) {
      return slot.scope === 'caller'
        ? sendError(res, 429, 'Too many concurrent requests for these credentials: retry shortly.', {
            'retry-after': RETRY_AFTER_SECONDS,
          })
        : sendError(res, 503, 'Server busy: retry shortly.', { 'retry-after': RETRY_AFTER_SECONDS });
    }
    res.once('close', () => {
      slot.release();
      if (limiter.inFlight === 0) onIdle?.();
    });

    const body = await readBody(req, settings.maxBodyBytes);
    if (!body.ok) {
      if (body.reason === 'aborted') return void res.destroy();
      return sendError(res, 413, `Payload too large: the limit is ${settings.maxBodyBytes} bytes.`, {
        connection: 'close',
      });
    }
    let message: unknown;
    try {
      message = JSON.parse(body.text);
    } catch {
      return sendError(res, 400, 'Parse error: the body is not JSON.', {}, -32700);
    }

    const client = new VobizClient({
      baseUrl: config.baseUrl,
      credentials: credentials.value,
      timeoutMs: config.timeoutMs,
      retry: config.retry,
      deadlineMs: config.deadlineMs,
      dispatcher: agent, // shared: the client does not close what it was given
    });
    const server = createServer({ ...baseContext, client }, selection.value);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: settings.jsonResponse,
    });
    res.once('close', () => {
      // Also when the caller hung up early: aborts the tool call and its API requests.
      void server.close().catch(() => undefined);
      void client.close().catch(() => undefined);
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, message);
  };

  const httpServer = createHttpServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logError('could not answer a request', error);
      if (!res.headersSent) sendError(res, 500, 'Internal error.', {}, -32603);
      else res.destroy();
    });
  });
  // Longer than the usual load balancer idle timeout (60 s), so the balancer closes idle connections first.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;

  httpServer.listen(settings.port, settings.host);
  await once(httpServer, 'listening');
  const { address, port } = httpServer.address() as AddressInfo;
  const urlHost = address.includes(':') ? `[${address}]` : address;
  const url = `http://${urlHost}:${port}${MCP_PATH}`;

  let closing: Promise<{ drained: boolean }> | undefined;
  const close = async (): Promise<{ drained: boolean }> => {
    draining = true;
    const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeIdleConnections();
    let drained = limiter.inFlight === 0;
    if (!drained) {
      drained = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), settings.shutdownGraceMs);
        onIdle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    }
    // What is left is idle keep-alive connections, or calls past the grace period: they are cut.
    httpServer.closeAllConnections();
    await stopped;
    await agent.close().catch(() => undefined);
    return { drained };
  };

  return {
    url,
    port,
    inFlight: () => limiter.inFlight,
    close: () => (closing ??= close()),
  };
}

/** A JSON-RPC-shaped error answer (id null: it answers no particular message). */
function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  code = -32000,
): void {
  res.writeHead(status, { ...JSON_HEADERS, ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
