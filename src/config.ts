/**
 * The server's configuration: every environment variable it reads, in one table, checked with zod at
 * start-up, so that a missing or malformed setting is one clear line instead of a failure at the first
 * tool call. Messages name the variables, never their values. The README's configuration table and
 * `--help` are generated from the same table (`npm run docs`), so they cannot drift from it.
 *
 * Only what a user or an operator sets is here. Knobs that exist for tests (retry timings, the roots
 * timeout) are options of the code the tests build directly (VobizClient, ToolContext), not variables.
 */
import path from 'node:path';
import { z } from 'zod';
import type { VobizCredentials } from './vobiz/client.js';
import { AUTH_ID_PATTERN, DEFAULT_BASE_URL } from './vobiz/contract.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './vobiz/retry.js';
import { TOOL_NAMES } from './tools/index.js';
import type { ConfirmMode } from './tools/confirm.js';
import { DEFAULT_IMPORT_CONCURRENCY } from './tools/context.js';

const MB = 1024 * 1024;

/** Where a setting belongs, for the generated documentation. */
export type SettingGroup = 'account' | 'tools' | 'import' | 'remote';

/** What the documentation says of a setting: its meaning and its default, in words. */
interface SettingDoc {
  group: SettingGroup;
  doc: string;
  default: string;
}

function documented<T extends z.ZodType>(schema: T, meta: SettingDoc): T {
  SETTING_DOCS.set(schema, meta);
  return schema;
}
const SETTING_DOCS = new Map<z.ZodType, SettingDoc>();

/** An integer setting with its bounds; the messages name the variable, never its value. */
export function intVar(name: string, min: number, max: number, fallback: number) {
  return z.coerce
    .number({ error: `${name} must be a whole number` })
    .int({ error: `${name} must be a whole number` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` })
    .default(fallback);
}

/** `a, b,,c` → `['a', 'b', 'c']`: the comma lists of settings and headers. */
export function splitCommaList(list: string): string[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function commaListVar() {
  return z.string().transform(splitCommaList);
}

/** `true`/`1` or `false`/`0`, default false. */
function booleanVar(name: string) {
  return z
    .enum(['true', 'false', '1', '0'], { error: `${name} must be true or false` })
    .default('false')
    .transform((value) => value === 'true' || value === '1');
}

/** One token: printable ASCII without spaces. */
function tokenVar(name: string, minLength = 1) {
  return z
    .string()
    .trim()
    .regex(/^[\x21-\x7e]+$/, { error: `${name} must be one token, not blank and without spaces` })
    .min(minLength, { error: `${name} must be at least ${minLength} characters (e.g. openssl rand -hex 32)` })
    .optional();
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
}

const EnvSchema = z.object({
  VOBIZ_AUTH_ID: documented(
    z
      .string()
      .trim()
      .regex(AUTH_ID_PATTERN, { error: 'VOBIZ_AUTH_ID must look like MA_XXXXXXXX (your Vobiz account id)' })
      .optional(),
    { group: 'account', doc: 'your Vobiz account id (`MA_…`), with `VOBIZ_AUTH_TOKEN`', default: '—' },
  ),
  VOBIZ_AUTH_TOKEN: documented(tokenVar('VOBIZ_AUTH_TOKEN'), {
    group: 'account',
    doc: "the account's auth token",
    default: '—',
  }),
  VOBIZ_BEARER_TOKEN: documented(tokenVar('VOBIZ_BEARER_TOKEN'), {
    group: 'account',
    doc: 'a Vobiz JWT instead of the two above',
    default: '—',
  }),
  VOBIZ_BASE_URL: documented(
    z
      .url({ protocol: /^https?$/, error: 'VOBIZ_BASE_URL must be an http(s) URL' })
      // Paths are appended to it, and it is logged: no credentials, query or fragment belong in it.
      .refine(
        (raw) => {
          const url = new URL(raw);
          return !url.username && !url.password && !url.search && !url.hash;
        },
        { error: 'VOBIZ_BASE_URL must be a plain base URL, without user:password@, ?query or #fragment' },
      )
      .default(DEFAULT_BASE_URL),
    { group: 'account', doc: "the API's base URL", default: `\`${DEFAULT_BASE_URL}\`` },
  ),
  VOBIZ_TIMEOUT_MS: documented(intVar('VOBIZ_TIMEOUT_MS', 100, 600_000, 30_000), {
    group: 'account',
    doc: 'per-request timeout',
    default: '30000',
  }),
  VOBIZ_DEADLINE_MS: documented(intVar('VOBIZ_DEADLINE_MS', 100, 3_600_000, 120_000), {
    group: 'account',
    doc: 'time budget of one tool call across its requests and retries; for `tag_contacts` and `import_contacts_csv`, which report progress and can be cancelled, of each contact or chunk',
    default: '120000',
  }),
  VOBIZ_READ_ONLY: documented(booleanVar('VOBIZ_READ_ONLY'), {
    group: 'tools',
    doc: '`true`: register only the tools that read (wins over `VOBIZ_TOOLS`)',
    default: 'false',
  }),
  VOBIZ_TOOLS: documented(
    commaListVar()
      .refine((names) => names.every((name) => TOOL_NAMES.includes(name)), {
        error: `VOBIZ_TOOLS must list tool names from: ${TOOL_NAMES.join(', ')}`,
      })
      .optional(),
    {
      group: 'tools',
      doc: 'comma list: register only these tools, e.g. `list_contacts,get_contact`',
      default: 'all',
    },
  ),
  VOBIZ_CONFIRM: documented(
    z.enum(['auto', 'never'], { error: 'VOBIZ_CONFIRM must be auto or never' }).default('auto'),
    {
      group: 'tools',
      doc: '`auto`: deletes and bulk changes above the threshold are confirmed by the user — asked through elicitation over stdio when the client supports it; in remote mode the call must carry `confirm: true`, sent after asking. `never`: no confirmation',
      default: 'auto',
    },
  ),
  VOBIZ_CONFIRM_THRESHOLD: documented(intVar('VOBIZ_CONFIRM_THRESHOLD', 0, 1_000_000, 50), {
    group: 'tools',
    doc: 'bulk changes touching more contacts than this are confirmed',
    default: '50',
  }),
  VOBIZ_CONCURRENCY: documented(intVar('VOBIZ_CONCURRENCY', 1, 32, 4), {
    group: 'tools',
    doc: 'contacts a bulk tool (`tag_contacts`, the attributes of an import) works on at once',
    default: '4',
  }),
  VOBIZ_IMPORT_DIRS: documented(z.string().optional(), {
    group: 'import',
    doc: "directories `import_contacts_csv` may read `.csv` files from (path-delimited list); the client's roots win when it offers them",
    default: 'the working directory (none when that is `/`)',
  }),
  VOBIZ_IMPORT_MAX_BYTES: documented(intVar('VOBIZ_IMPORT_MAX_BYTES', 1, Number.MAX_SAFE_INTEGER, 100 * MB), {
    group: 'import',
    doc: 'largest CSV file accepted',
    default: '104857600 (100 MB)',
  }),
  VOBIZ_IMPORT_CHUNK_ROWS: documented(intVar('VOBIZ_IMPORT_CHUNK_ROWS', 1, 100_000, 5_000), {
    group: 'import',
    doc: 'rows per uploaded chunk (lower it if Vobiz refuses large uploads; smaller chunks also report progress more often)',
    default: '5000',
  }),
  VOBIZ_IMPORT_CONCURRENCY: documented(
    intVar('VOBIZ_IMPORT_CONCURRENCY', 1, 16, DEFAULT_IMPORT_CONCURRENCY),
    {
      group: 'import',
      doc: 'chunks an import uploads at once (a later row of the same number still wins); lower it if Vobiz answers 429',
      default: String(DEFAULT_IMPORT_CONCURRENCY),
    },
  ),
  VOBIZ_DEBUG: documented(booleanVar('VOBIZ_DEBUG'), {
    group: 'account',
    doc: '`true`: log the stack trace with each unexpected error (on stderr, redacted)',
    default: 'false',
  }),
  MCP_HTTP_PORT: documented(intVar('MCP_HTTP_PORT (or --port)', 0, 65_535, 3000), {
    group: 'remote',
    doc: 'as `--port` (the flag wins)',
    default: '3000',
  }),
  MCP_HTTP_HOST: documented(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9.:_-]+$/, { error: 'MCP_HTTP_HOST (or --host) must be a host name or IP address' })
      .default('127.0.0.1'),
    { group: 'remote', doc: 'as `--host` (the flag wins)', default: '127.0.0.1' },
  ),
  MCP_HTTP_TOKEN: documented(tokenVar('MCP_HTTP_TOKEN', 16), {
    group: 'remote',
    doc: 'require `Authorization: Bearer <token>` (needed to serve a configured account on a non-loopback address)',
    default: '—',
  }),
  MCP_HTTP_ALLOWED_HOSTS: documented(commaListVar().default([]), {
    group: 'remote',
    doc: 'comma list of extra `Host` names accepted, e.g. `mcp.example.com`',
    default: 'loopback names',
  }),
  MCP_HTTP_ALLOWED_ORIGINS: documented(
    commaListVar()
      .default([])
      .refine((origins) => origins.every(isOrigin), {
        error: 'MCP_HTTP_ALLOWED_ORIGINS must be a comma list of origins such as https://app.example.com',
      }),
    { group: 'remote', doc: 'comma list of extra browser `Origin`s accepted', default: 'loopback origins' },
  ),
  MCP_HTTP_MAX_BODY_BYTES: documented(intVar('MCP_HTTP_MAX_BODY_BYTES', 1024, 64 * MB, 8 * MB), {
    group: 'remote',
    doc: 'largest request body',
    default: '8388608',
  }),
  MCP_HTTP_MAX_CONCURRENT_PER_CALLER: documented(
    intVar('MCP_HTTP_MAX_CONCURRENT_PER_CALLER', 1, 10_000, 16),
    { group: 'remote', doc: 'requests one set of credentials may have running (more wait)', default: '16' },
  ),
  MCP_HTTP_QUEUE_LENGTH: documented(intVar('MCP_HTTP_QUEUE_LENGTH', 0, 100_000, 256), {
    group: 'remote',
    doc: 'requests of one set of credentials that may wait for a slot (then 429)',
    default: '256',
  }),
  MCP_HTTP_QUEUE_WAIT_MS: documented(intVar('MCP_HTTP_QUEUE_WAIT_MS', 0, 600_000, 30_000), {
    group: 'remote',
    doc: 'longest wait for a slot (then 429 with `Retry-After`)',
    default: '30000',
  }),
  MCP_HTTP_MAX_CONCURRENT: documented(intVar('MCP_HTTP_MAX_CONCURRENT', 1, 100_000, 512), {
    group: 'remote',
    doc: 'requests running in the whole process (then 503)',
    default: '512',
  }),
  MCP_HTTP_REQUEST_TIMEOUT_MS: documented(intVar('MCP_HTTP_REQUEST_TIMEOUT_MS', 1_000, 600_000, 10_000), {
    group: 'remote',
    doc: 'time a client has to send a whole request (then 408)',
    default: '10000',
  }),
  MCP_HTTP_SESSION_SECRET: documented(tokenVar('MCP_HTTP_SESSION_SECRET', 32), {
    group: 'remote',
    doc: 'signs session ids: set the same one on every instance behind one load balancer',
    default: 'random per process',
  }),
  MCP_HTTP_JSON_RESPONSE: documented(booleanVar('MCP_HTTP_JSON_RESPONSE'), {
    group: 'remote',
    doc: '`true`: plain JSON answers instead of SSE (no streamed progress)',
    default: 'false',
  }),
  MCP_HTTP_SHUTDOWN_GRACE_MS: documented(intVar('MCP_HTTP_SHUTDOWN_GRACE_MS', 0, 600_000, 25_000), {
    group: 'remote',
    doc: 'how long SIGTERM waits for in-flight calls',
    default: '25000',
  }),
});

/** Every setting with its documentation, in the order of the table, for the generated docs. */
export function settingsReference(): { name: string; group: SettingGroup; doc: string; default: string }[] {
  return Object.entries(EnvSchema.shape).map(([name, schema]) => {
    const meta = SETTING_DOCS.get(schema as z.ZodType);
    if (!meta) throw new Error(`setting ${name} is not documented`);
    return { name, ...meta };
  });
}

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
}

export interface Config {
  baseUrl: string;
  /** The account, when one is configured (remote mode runs without one: callers bring their own). */
  credentials: VobizCredentials | undefined;
  timeoutMs: number;
  retry: RetryPolicy;
  /** Overall time budget of one tool call across its retries. */
  deadlineMs: number;
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
  const credentials = options.credentials ?? credentialsFrom(vars, options.accountOptional ?? false);
  return {
    baseUrl: options.baseUrl ?? vars.VOBIZ_BASE_URL,
    credentials,
    timeoutMs: vars.VOBIZ_TIMEOUT_MS,
    retry: { ...DEFAULT_RETRY_POLICY },
    deadlineMs: vars.VOBIZ_DEADLINE_MS,
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

function credentialsFrom(vars: z.infer<typeof EnvSchema>, optional: boolean): VobizCredentials | undefined {
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
    'No Vobiz credentials: set VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN (or VOBIZ_BEARER_TOKEN), or run with --sandbox to try it without an account',
  );
}
