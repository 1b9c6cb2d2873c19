/**
 * The server's configuration, read from the environment at start-up through the one table of settings
 * (settings.ts), so that a missing or malformed setting is one clear line instead of a failure at the
 * first tool call. Messages name the variables, never their values.
 */
import path from 'node:path';
import { EnvSchema, type Settings } from './settings.js';
import type { ConfirmMode } from './mcp/confirm.js';
import { TOOL_NAMES } from './tools/all-tools.js';
import type { OAuthKey } from './oauth/key-ring.js';
import type { VobizCredentials } from './vobiz/client.js';

export { settingsReference, splitCommaList, type SettingGroup } from './settings.js';

export interface HttpSettings {
  port: number;
  host: string;
  /** `MCP_HTTP_TOKEN`: when set, every request to /mcp needs `Authorization: Bearer <it>`. */
  token: string | undefined;
  /** Host names accepted in the Host header besides the loopback names and the bound address. */
  allowedHosts: string[];
  /** Origins (scheme://host[:port]) accepted besides loopback ones; a request without Origin is accepted. */
  allowedOrigins: string[];
  maxBodyBytes: number;
  /** Requests one caller (one set of Vobiz credentials) may have in flight at once. */
  maxConcurrentPerCaller: number;
  /** Requests of one caller that may wait for a slot once all of its slots are taken; more get 429. */
  queueLength: number;
  /** Longest a request waits in that queue before it is refused with 429. */
  queueWaitMs: number;
  /** Time a client has to send a whole request, headers and body; then 408 and the connection is closed. */
  requestTimeoutMs: number;
  /** Signs the session ids handed out at initialize; share it between instances behind one balancer. */
  sessionSecret: string | undefined;
  maxConcurrent: number;
  /** Answer with one JSON body instead of an SSE stream (progress notifications are then not streamed). */
  jsonResponse: boolean;
  /** How long SIGTERM waits for in-flight calls before closing their connections. */
  shutdownGraceMs: number;
  /** Serve `GET /metrics` (ops/metrics.ts). */
  metrics: boolean;
  /** The store shared by the instances (jobs, paces); undefined: each instance on its own. */
  redisUrl: string | undefined;
  /** `MCP_OAUTH_KEY`: OAuth sign-in is on when set (src/oauth/); newest key first. */
  oauthKeys: OAuthKey[] | undefined;
  /** `MCP_PUBLIC_URL`: the origin clients reach the server at; undefined: the listening address. */
  publicUrl: string | undefined;
}

export interface Config {
  baseUrl: string;
  /** The account, when one is configured (remote mode runs without one: callers bring their own). */
  credentials: VobizCredentials | undefined;
  timeoutMs: number;
  /** Largest answer read from Vobiz. */
  maxResponseBytes: number;
  /** Overall time budget of one tool call across its retries. */
  deadlineMs: number;
  /** Longest a tool call is held before long work goes on as a job. */
  callBudgetMs: number;
  /** Register only the tools that read; wins over `tools`. */
  readOnly: boolean;
  /** Register only these tools; undefined: all. */
  tools: string[] | undefined;
  confirmMode: ConfirmMode;
  confirmThreshold: number;
  bulkConcurrency: number;
  importDirs: string[];
  importMaxBytes: number;
  importChunkRows: number;
  importConcurrency: number;
  debug: boolean;
  /** VOBIZ_LOG_FORMAT; undefined: the mode's default (json with --http, text over stdio). */
  logFormat: 'json' | 'text' | undefined;
  http: HttpSettings;
}

/** A Config whose account is known: what the stdio server and doctor need. */
export type ConfigWithAccount = Config & { credentials: VobizCredentials };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadOptions {
  /** Credentials and base URL brought by the caller instead of the environment (the sandbox). */
  credentials?: VobizCredentials;
  baseUrl?: string;
  /** `--port` / `--host`: they win over MCP_HTTP_PORT / MCP_HTTP_HOST. */
  flags?: { port?: string | undefined; host?: string | undefined };
}

/**
 * VOBIZ_SANDBOX, read before the rest: it decides where the account comes from. A malformed value reads
 * as false here, and loadConfig reports it.
 */
export function sandboxRequested(env: NodeJS.ProcessEnv): boolean {
  const parsed = EnvSchema.shape.VOBIZ_SANDBOX.safeParse(env['VOBIZ_SANDBOX'] || undefined);
  return parsed.success && parsed.data;
}

/** Reads the configuration; the account must be configured (or given). */
export function loadConfig(env: NodeJS.ProcessEnv, options?: LoadOptions): ConfigWithAccount;
/** Reads the configuration; with `accountOptional`, no account is no error (remote mode). */
export function loadConfig(env: NodeJS.ProcessEnv, options: LoadOptions & { accountOptional: true }): Config;
export function loadConfig(
  env: NodeJS.ProcessEnv,
  options: LoadOptions & { accountOptional?: boolean } = {},
): Config {
  // An empty variable (common in copied config files) means "not set".
  const present: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value !== '') present[key] = value;
  if (options.flags?.port !== undefined) present['MCP_HTTP_PORT'] = options.flags.port;
  if (options.flags?.host !== undefined) present['MCP_HTTP_HOST'] = options.flags.host;
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => issue.message).join('; '));
  const vars = parsed.data;
  if (vars.VOBIZ_TOOLS?.some((name) => !TOOL_NAMES.includes(name))) {
    throw new ConfigError(`VOBIZ_TOOLS must list tool names from: ${TOOL_NAMES.join(', ')}`);
  }
  const credentials = options.credentials ?? credentialsFrom(vars, options.accountOptional ?? false);
  return {
    baseUrl: options.baseUrl ?? vars.VOBIZ_BASE_URL,
    credentials,
    timeoutMs: vars.VOBIZ_TIMEOUT_MS,
    maxResponseBytes: vars.VOBIZ_MAX_RESPONSE_BYTES,
    deadlineMs: vars.VOBIZ_DEADLINE_MS,
    callBudgetMs: vars.VOBIZ_CALL_BUDGET_MS,
    readOnly: vars.VOBIZ_READ_ONLY,
    tools: vars.VOBIZ_TOOLS,
    confirmMode: vars.VOBIZ_CONFIRM,
    confirmThreshold: vars.VOBIZ_CONFIRM_THRESHOLD,
    bulkConcurrency: vars.VOBIZ_CONCURRENCY,
    importDirs: vars.VOBIZ_IMPORT_DIRS
      ? vars.VOBIZ_IMPORT_DIRS.split(path.delimiter)
          .filter(Boolean)
          .map((dir) => path.resolve(dir))
      : defaultImportDirs(),
    importMaxBytes: vars.VOBIZ_IMPORT_MAX_BYTES,
    importChunkRows: vars.VOBIZ_IMPORT_CHUNK_ROWS,
    importConcurrency: vars.VOBIZ_IMPORT_CONCURRENCY,
    debug: vars.VOBIZ_DEBUG,
    logFormat: vars.VOBIZ_LOG_FORMAT,
    http: {
      port: vars.MCP_HTTP_PORT,
      host: vars.MCP_HTTP_HOST,
      token: vars.MCP_HTTP_TOKEN,
      allowedHosts: vars.MCP_HTTP_ALLOWED_HOSTS,
      allowedOrigins: vars.MCP_HTTP_ALLOWED_ORIGINS.map((origin) => new URL(origin).origin),
      maxBodyBytes: vars.MCP_HTTP_MAX_BODY_BYTES,
      maxConcurrentPerCaller: vars.MCP_HTTP_MAX_CONCURRENT_PER_CALLER,
      maxConcurrent: vars.MCP_HTTP_MAX_CONCURRENT,
      queueLength: vars.MCP_HTTP_QUEUE_LENGTH,
      queueWaitMs: vars.MCP_HTTP_QUEUE_WAIT_MS,
      requestTimeoutMs: vars.MCP_HTTP_REQUEST_TIMEOUT_MS,
      sessionSecret: vars.MCP_HTTP_SESSION_SECRET,
      jsonResponse: vars.MCP_HTTP_JSON_RESPONSE,
      shutdownGraceMs: vars.MCP_HTTP_SHUTDOWN_GRACE_MS,
      metrics: vars.MCP_HTTP_METRICS,
      redisUrl: vars.REDIS_URL,
      oauthKeys: vars.MCP_OAUTH_KEY,
      publicUrl: vars.MCP_PUBLIC_URL,
    },
  };
}

/**
 * The working directory, unless it is the filesystem root — where some MCP clients start servers, and
 * from where every file on the machine would be in reach. Then no directory: file imports need
 * VOBIZ_IMPORT_DIRS or the client's roots.
 */
function defaultImportDirs(): string[] {
  const cwd = process.cwd();
  return path.parse(cwd).root === cwd ? [] : [cwd];
}

function credentialsFrom(vars: Settings, optional: boolean): VobizCredentials | undefined {
  const { VOBIZ_AUTH_ID: authId, VOBIZ_AUTH_TOKEN: authToken, VOBIZ_BEARER_TOKEN: bearerToken } = vars;
  if (authId && authToken) return { authId, authToken };
  if (authId || authToken) {
    throw new ConfigError(
      `${authId ? 'VOBIZ_AUTH_TOKEN' : 'VOBIZ_AUTH_ID'} is missing: set both, or VOBIZ_BEARER_TOKEN`,
    );
  }
  if (bearerToken) return { bearerToken };
  if (optional) return undefined;
  throw new ConfigError(
    'No Vobiz credentials: set VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN (or VOBIZ_BEARER_TOKEN), or run with --sandbox (VOBIZ_SANDBOX=true) to try it without an account',
  );
}
