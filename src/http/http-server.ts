/**
 * Remote mode: the tools over MCP's Streamable HTTP transport at `/mcp`, stateless, on plain node:http.
 *
 * Every POST gets a fresh McpServer, a fresh transport and a fresh VobizClient holding that request's
 * credentials (see dispatch.ts). What the instance keeps is bounded and short-lived: the slots of the
 * requests running and waiting (admission.ts), the bodies being received (body.ts), and the requests a
 * cancel could name (calls.ts). Sessions are signed, not stored (session.ts), so any instance behind a
 * load balancer can answer any request. All clients share one undici Agent (keep-alive connections to
 * the API) that only this module closes.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { ConfigError, type Config, type HttpSettings } from '../config.js';
import { logError, registerSecret, setDebugLogging } from '../log.js';
import { SERVER_NAME, type ServerOptions } from '../mcp/create-server.js';
import { Admissions } from './admission.js';
import { BodyBudget } from './request-body.js';
import { RunningRequests } from './calls.js';
import { credentialSecret } from './caller.js';
import { toolSettingsFrom } from '../mcp/context.js';
import { DEFAULT_JOB_KEEP_MS, JobRegistry } from '../jobs/registry.js';
import { AccountPaces } from '../vobiz/pace.js';
import { handleMcp, type EndpointContext } from './endpoint.js';
import { checkEndpointToken, HostGuard, isLoopbackAddress } from './guard.js';
import { METRICS_PATH, Operations } from '../ops/operations.js';
import { jsonLogger } from '../ops/json-log.js';
import { AuthorizationServer } from '../oauth/authorization-server.js';
import { JSON_HEADERS, sendError } from './reply.js';
import { SessionIds } from './session.js';

export const MCP_PATH = '/mcp';
export const HEALTH_PATH = '/healthz';

export interface RemoteServerOptions {
  /** The configuration; `config.http` holds remote mode's own settings. */
  config: Config;
  /** Tests only: accept OAuth client id URLs on http loopback (real ones are https). */
  allowLoopbackHttpClientIds?: boolean;
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

/**
 * Bodies being received or waiting for a slot may hold this many times the largest body in all: enough
 * for many ordinary requests and a few large imports at once, and a bound on memory however many
 * connections send.
 */
const PENDING_BODIES_FACTOR = 8;
/** How often Node checks connections against the request timeout. */
const TIMEOUT_CHECK_MS = 1_000;

/** Refuses settings that would let anyone who can reach the port use the operator's account. */
export function assertSafeExposure(settings: HttpSettings, config: Config): void {
  if (isLoopbackAddress(settings.host) || settings.token !== undefined || config.credentials === undefined) {
    return;
  }
  throw new ConfigError(
    `refusing to listen on ${settings.host} with a configured Vobiz account and no MCP_HTTP_TOKEN: anyone ` +
      'who can reach the port would act as that account. Set MCP_HTTP_TOKEN, or unset VOBIZ_AUTH_ID/' +
      'VOBIZ_AUTH_TOKEN/VOBIZ_BEARER_TOKEN so that every caller must send its own credentials, or bind to 127.0.0.1.',
  );
}

export async function startRemoteServer({
  config,
  allowLoopbackHttpClientIds,
}: RemoteServerOptions): Promise<RemoteServer> {
  const settings = config.http;
  assertSafeExposure(settings, config);
  registerSecret(settings.token);
  registerSecret(settings.sessionSecret);
  setDebugLogging(config.debug);
  const logger = config.logFormat === 'text' ? undefined : jsonLogger();
  const operator = config.credentials;
  if (operator) registerSecret(credentialSecret(operator));

  const operatorSelection: ServerOptions = {
    readOnly: config.readOnly,
    ...(config.tools !== undefined && { tools: config.tools }),
  };
  // One pool of keep-alive connections to the API for every request of the process.
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });
  const admissions = new Admissions({
    perCaller: settings.maxConcurrentPerCaller,
    total: settings.maxConcurrent,
    queueLength: settings.queueLength,
    queueWaitMs: settings.queueWaitMs,
  });
  // Several instances as one: loaded only when asked for.
  const cluster =
    settings.redisUrl === undefined
      ? undefined
      : await (
          await import('../cluster/cluster.js')
        ).startCluster({
          redisUrl: settings.redisUrl,
          keepJobsMs: DEFAULT_JOB_KEEP_MS,
          requestTimeoutMs: config.timeoutMs,
        });
  const paces = new AccountPaces(
    { ceiling: config.bulkConcurrency },
    undefined,
    cluster && ((account, options) => cluster.pace(account, options)),
  );
  // Jobs end long after start-up: `ops` is there by then.
  const jobs = new JobRegistry({
    onEnded: (job) => ops.jobEnded(job),
    ...(cluster && { store: cluster.jobs }),
  });
  const ops = new Operations({
    sources: {
      requests: () => ({ running: admissions.running, waiting: admissions.waiting }),
      upstream: () => paces.load(),
      jobs,
      ...(cluster && { redisUp: () => cluster.link.up }),
    },
    ...(logger && { logger }),
  });
  let draining = false;
  let onIdle: (() => void) | undefined;
  const endpoint: EndpointContext = {
    settings,
    config,
    guard: new HostGuard({
      // The public URL's host is this server's name, whatever else is listed.
      allowedHosts: [
        ...settings.allowedHosts,
        ...(settings.publicUrl ? [new URL(settings.publicUrl).host] : []),
      ],
      allowedOrigins: settings.allowedOrigins,
      bindHost: settings.host,
    }),
    operator,
    operatorSelection,
    // Remote mode's differences from stdio: no file on the server's disk is read, and a change that
    // needs the user's yes needs a bound approval (no answer can reach a stateless request), spent
    // once across the instances when they share Redis.
    toolContext: toolSettingsFrom(config, {
      remote: true,
      ...(cluster && {
        spendApproval: (id: string, expiresAt: number) =>
          cluster.claimOnce(`approval:${id}`, expiresAt / 1000),
      }),
    }),
    agent,
    admissions,
    bodies: new BodyBudget(PENDING_BODIES_FACTOR * settings.maxBodyBytes),
    sessions: new SessionIds(settings.sessionSecret),
    running: new RunningRequests(),
    paces,
    jobs,
    ops,
    // Shared by the instances with Redis, so that they name an account alike (its pace, its jobs).
    salt: cluster?.salt ?? randomBytes(16).toString('hex'),
    jsonResponse: settings.jsonResponse,
    draining: () => draining,
    onRequestEnd: () => {
      if (admissions.running === 0) onIdle?.();
    },
  };

  const httpServer = createHttpServer({ connectionsCheckingInterval: TIMEOUT_CHECK_MS }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
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
    if (path === METRICS_PATH && settings.metrics) return serveMetrics(req, res);
    if (endpoint.oauth?.serves(path)) {
      return void endpoint.oauth.handle(req, res, path).catch((error: unknown) => {
        logError('could not answer an OAuth request', error);
        if (!res.headersSent) sendError(res, 500, 'Internal error.');
        else res.destroy();
      });
    }
    if (path !== MCP_PATH) return sendError(res, 404, `Not found: the MCP endpoint is ${MCP_PATH}.`);
    ops.begin(req, res);
    handleMcp(req, res, endpoint).catch((error: unknown) => {
      logError('could not answer a request', error);
      if (!res.headersSent) sendError(res, 500, 'Internal error.', {}, -32603);
      else res.destroy();
    });
  });
  /** Not behind the Host check (scrapers use the address), behind the endpoint token when there is one. */
  const serveMetrics = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET') return sendError(res, 405, 'Use GET.', { allow: 'GET' });
    if (
      settings.token !== undefined &&
      checkEndpointToken(req.headers.authorization, settings.token) !== 'ok'
    ) {
      return sendError(res, 401, 'Unauthorized: send Authorization: Bearer <the endpoint token>.', {
        'www-authenticate': `Bearer realm="${SERVER_NAME}"`,
      });
    }
    ops.serveMetrics(res).catch((error: unknown) => {
      logError('could not collect the metrics', error);
      if (!res.headersSent) sendError(res, 500, 'Internal error.');
    });
  };

  // A connection that has not sent a whole request (headers and body) in time gets 408 and is closed:
  // until then it holds no slot, only the bytes it sent. Requests already received are not cut.
  httpServer.headersTimeout = settings.requestTimeoutMs;
  httpServer.requestTimeout = settings.requestTimeoutMs;
  // Longer than the usual load balancer idle timeout (60 s), so the balancer closes idle connections first.
  httpServer.keepAliveTimeout = 65_000;

  httpServer.listen(settings.port, settings.host);
  await once(httpServer, 'listening');
  const { address, port } = httpServer.address() as AddressInfo;
  const urlHost = address.includes(':') ? `[${address}]` : address;
  const url = `http://${urlHost}:${port}${MCP_PATH}`;
  if (settings.oauthKeys) {
    try {
      endpoint.oauth = new AuthorizationServer({
        keys: settings.oauthKeys,
        publicOrigin: settings.publicUrl ?? new URL(url).origin,
        mcpPath: MCP_PATH,
        config,
        selection: operatorSelection,
        agent,
        guard: endpoint.guard,
        bodies: endpoint.bodies,
        ...(allowLoopbackHttpClientIds !== undefined && { allowLoopbackHttpClientIds }),
        ...(cluster && { claimOnce: cluster.claimOnce }),
      });
    } catch (error) {
      httpServer.close();
      await agent.close();
      await cluster?.close();
      throw error;
    }
  }

  let closing: Promise<{ drained: boolean }> | undefined;
  const close = async (): Promise<{ drained: boolean }> => {
    draining = true;
    const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeIdleConnections();
    // Background jobs stop starting writes; they and the calls in flight share one grace period.
    const jobsStopped = jobs.cancelAll();
    const idle =
      admissions.running === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onIdle = resolve));
    let graceTimer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      Promise.all([idle, jobsStopped]).then(() => true),
      new Promise<boolean>(
        (resolve) => (graceTimer = setTimeout(() => resolve(false), settings.shutdownGraceMs)),
      ),
    ]);
    clearTimeout(graceTimer);
    // What is left is idle keep-alive connections, or calls past the grace period: they are cut.
    httpServer.closeAllConnections();
    await stopped;
    // Past the grace period, writes still in flight to the API are cut too.
    await (drained ? agent.close() : agent.destroy()).catch(() => undefined);
    await cluster?.close();
    return { drained };
  };

  return {
    url,
    port,
    inFlight: () => admissions.running,
    close: () => (closing ??= close()),
  };
}
