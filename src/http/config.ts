/**
 * Remote mode's settings: the `MCP_HTTP_*` environment variables and the `--port`/`--host` flags,
 * checked with zod at start-up like the rest of the configuration. Messages name variables, never values.
 */
import { z } from 'zod';
import { booleanVar, commaListVar, ConfigError, intVar, loadConfig, type Config } from '../config.js';
import type { VobizCredentials } from '../vobiz/client.js';

export interface HttpSettings {
  port: number;
  host: string;
  /** `MCP_HTTP_TOKEN`: when set, every request to /mcp needs `Authorization: Bearer <it>`. */
  token: string | undefined;
  /** Host names accepted in the Host header besides the loopback names and the bound address. */
  allowedHosts: string[];
  /** Origins (scheme://host[:port]) accepted besides loopback ones; a request without Origin is accepted. */
  allowedOrigins: string[];
  /** Largest request body accepted. */
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
  /** Requests the whole process may have in flight at once. */
  maxConcurrent: number;
  /** Answer with one JSON body instead of an SSE stream (progress notifications are then not streamed). */
  jsonResponse: boolean;
  /** How long SIGTERM waits for in-flight calls before closing their connections. */
  shutdownGraceMs: number;
}

export const DEFAULT_HTTP_PORT = 3000;
export const DEFAULT_HTTP_HOST = '127.0.0.1';
const MB = 1024 * 1024;

/** An optional secret: printable ASCII without spaces, long enough not to be guessed. */
function secretVar(name: string, minLength: number) {
  return z
    .string()
    .trim()
    .regex(/^[\x21-\x7e]+$/, { error: `${name} must be printable ASCII without spaces` })
    .min(minLength, { error: `${name} must be at least ${minLength} characters (e.g. openssl rand -hex 32)` })
    .optional();
}

const HttpEnvSchema = z.object({
  MCP_HTTP_PORT: intVar('MCP_HTTP_PORT (or --port)', 0, 65_535, DEFAULT_HTTP_PORT),
  MCP_HTTP_HOST: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.:_-]+$/, { error: 'MCP_HTTP_HOST (or --host) must be a host name or IP address' })
    .default(DEFAULT_HTTP_HOST),
  MCP_HTTP_TOKEN: secretVar('MCP_HTTP_TOKEN', 16),
  MCP_HTTP_ALLOWED_HOSTS: commaListVar().default([]),
  MCP_HTTP_ALLOWED_ORIGINS: commaListVar()
    .default([])
    .refine((origins) => origins.every(isOrigin), {
      error: 'MCP_HTTP_ALLOWED_ORIGINS must be a comma list of origins such as https://app.example.com',
    }),
  MCP_HTTP_MAX_BODY_BYTES: intVar('MCP_HTTP_MAX_BODY_BYTES', 1024, 64 * MB, 8 * MB),
  MCP_HTTP_MAX_CONCURRENT_PER_CALLER: intVar('MCP_HTTP_MAX_CONCURRENT_PER_CALLER', 1, 10_000, 16),
  MCP_HTTP_MAX_CONCURRENT: intVar('MCP_HTTP_MAX_CONCURRENT', 1, 100_000, 512),
  MCP_HTTP_QUEUE_LENGTH: intVar('MCP_HTTP_QUEUE_LENGTH', 0, 100_000, 256),
  MCP_HTTP_QUEUE_WAIT_MS: intVar('MCP_HTTP_QUEUE_WAIT_MS', 0, 600_000, 30_000),
  MCP_HTTP_REQUEST_TIMEOUT_MS: intVar('MCP_HTTP_REQUEST_TIMEOUT_MS', 1_000, 600_000, 10_000),
  MCP_HTTP_SESSION_SECRET: secretVar('MCP_HTTP_SESSION_SECRET', 32),
  MCP_HTTP_JSON_RESPONSE: booleanVar('MCP_HTTP_JSON_RESPONSE'),
  MCP_HTTP_SHUTDOWN_GRACE_MS: intVar('MCP_HTTP_SHUTDOWN_GRACE_MS', 0, 600_000, 25_000),
});

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
}

/** Reads the `MCP_HTTP_*` variables; `--port`/`--host` win over `MCP_HTTP_PORT`/`MCP_HTTP_HOST`. */
export function loadHttpSettings(
  env: NodeJS.ProcessEnv,
  flags: { port?: string | undefined; host?: string | undefined } = {},
): HttpSettings {
  const present: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') present[key] = value;
  }
  if (flags.port !== undefined) present['MCP_HTTP_PORT'] = flags.port;
  if (flags.host !== undefined) present['MCP_HTTP_HOST'] = flags.host;
  const parsed = HttpEnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => issue.message).join('; '));
  }
  const vars = parsed.data;
  return {
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
  };
}

/** The server's settings without an account: in remote mode, callers may bring their own. */
export type RemoteConfig = Omit<Config, 'credentials'> & {
  /** The operator's account (VOBIZ_AUTH_ID/TOKEN or VOBIZ_BEARER_TOKEN), if one is configured. */
  credentials: VobizCredentials | undefined;
};

const CREDENTIAL_VARS = ['VOBIZ_AUTH_ID', 'VOBIZ_AUTH_TOKEN', 'VOBIZ_BEARER_TOKEN'] as const;

/**
 * `loadConfig`, where the account is optional: with none of the credential variables set (and no
 * sandbox), there is no operator account and every request must carry its own credentials.
 */
export function loadRemoteConfig(
  env: NodeJS.ProcessEnv,
  overrides: { credentials?: VobizCredentials; baseUrl?: string } = {},
): RemoteConfig {
  const hasAccount = overrides.credentials !== undefined || CREDENTIAL_VARS.some((name) => env[name]);
  if (hasAccount) return loadConfig(env, overrides);
  // Only to satisfy loadConfig's account check; never used: the result says there is no account.
  const { credentials: _unused, ...rest } = loadConfig(env, {
    ...overrides,
    credentials: { bearerToken: 'no-operator-account' },
  });
  return { ...rest, credentials: undefined };
}

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    bare === 'localhost' ||
    bare.endsWith('.localhost') ||
    bare === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(bare) ||
    /^::ffff:127(\.\d{1,3}){3}$/.test(bare)
  );
}
