/**
 * Every environment variable the server reads, in one table: its check (zod, at start-up; messages name
 * the variable, never its value) and its documentation, from which the README's settings table and
 * `--help` are generated (`npm run docs`). config.ts turns the checked values into the configuration.
 *
 * Only what a user or an operator sets is here. Knobs that exist for tests (retry timings, the roots
 * timeout) are options of the code the tests build directly (VobizClient, ToolContext), not variables.
 */
import { z } from 'zod';
import { DEFAULT_CONCURRENCY, DEFAULT_MAX_RESPONSE_BYTES } from './vobiz/client.js';
import { AUTH_ID_PATTERN, DEFAULT_BASE_URL } from './vobiz/contract.js';
import {
  baseUrlVar,
  booleanVar,
  commaListVar,
  defaultOf,
  documented,
  intVar,
  isOrigin,
  oauthKeyVar,
  publicUrlVar,
  SETTING_DOCS,
  shownDefault,
  tokenVar,
  type SettingGroup,
} from './setting-kinds.js';
export { defaultOf, intVar, splitCommaList, type SettingGroup } from './setting-kinds.js';

const MB = 1024 * 1024;

/** Bulk changes above this many contacts are confirmed (VOBIZ_CONFIRM_THRESHOLD); the built tool list is written with it. */
export const DEFAULT_CONFIRM_THRESHOLD = 50;

/**
 * How long a tool call is held before long work goes on as a job (VOBIZ_CALL_BUDGET_MS): well inside the
 * ~60 s after which Claude Desktop gives up on a call, with room for the answer to travel.
 */
export const DEFAULT_CALL_BUDGET_MS = 40_000;

/** Chunks an import keeps in flight unless told otherwise (VOBIZ_IMPORT_CONCURRENCY). */
export const DEFAULT_IMPORT_CONCURRENCY = 8;

const DEFAULT_IMPORT_MAX_BYTES = 100 * MB;

export const EnvSchema = z.object({
  VOBIZ_AUTH_ID: documented(
    z
      .string()
      .trim()
      .regex(AUTH_ID_PATTERN, { error: 'VOBIZ_AUTH_ID must look like MA_XXXXXXXX (your Vobiz account id)' })
      .optional(),
    { group: 'account', doc: 'your Vobiz account id (`MA_…`), with `VOBIZ_AUTH_TOKEN`' },
  ),
  VOBIZ_AUTH_TOKEN: documented(tokenVar('VOBIZ_AUTH_TOKEN'), {
    group: 'account',
    doc: "the account's auth token",
  }),
  VOBIZ_BEARER_TOKEN: documented(tokenVar('VOBIZ_BEARER_TOKEN'), {
    group: 'account',
    doc: 'a Vobiz JWT instead of the two above',
  }),
  VOBIZ_BASE_URL: documented(baseUrlVar().default(DEFAULT_BASE_URL), {
    group: 'account',
    doc: "the API's base URL",
  }),
  VOBIZ_TIMEOUT_MS: documented(intVar('VOBIZ_TIMEOUT_MS', 100, 600_000, 30_000), {
    group: 'account',
    doc: 'per-request timeout',
  }),
  VOBIZ_DEADLINE_MS: documented(intVar('VOBIZ_DEADLINE_MS', 100, 3_600_000, 120_000), {
    group: 'account',
    doc: 'time budget of one tool call across its requests and retries; for `tag_contacts` and `import_contacts_csv`, which report progress and can be cancelled, of each contact or chunk',
  }),
  VOBIZ_CALL_BUDGET_MS: documented(intVar('VOBIZ_CALL_BUDGET_MS', 1_000, 3_600_000, DEFAULT_CALL_BUDGET_MS), {
    group: 'tools',
    doc: 'longest a tool call is held: `tag_contacts`, `import_contacts_csv` and `list_tags` work that runs longer goes on in the background as a job, and the call answers with its id (`get_job`, `cancel_job`); keep it under your client’s tool timeout (Claude Desktop: about 60 s)',
  }),
  VOBIZ_MAX_RESPONSE_BYTES: documented(
    intVar('VOBIZ_MAX_RESPONSE_BYTES', 64 * 1024, 256 * MB, DEFAULT_MAX_RESPONSE_BYTES),
    {
      group: 'account',
      doc: 'largest answer read from Vobiz (a page of 100 sandbox contacts is about 35 kB; a larger answer is not read, and the call says so)',
    },
  ),
  VOBIZ_READ_ONLY: documented(booleanVar('VOBIZ_READ_ONLY'), {
    group: 'tools',
    doc: '`true`: register only the tools that read (wins over `VOBIZ_TOOLS`)',
  }),
  // Checked against the tools' names in config.ts: this table knows no tools.
  VOBIZ_TOOLS: documented(commaListVar().optional(), {
    group: 'tools',
    doc: 'comma list: register only these tools, e.g. `list_contacts,get_contact`',
    default: 'all',
  }),
  VOBIZ_CONFIRM: documented(
    z.enum(['auto', 'never'], { error: 'VOBIZ_CONFIRM must be auto or never' }).default('auto'),
    {
      group: 'tools',
      doc: '`auto`: deletes and bulk changes above the threshold are confirmed by the user — asked through elicitation over stdio when the client supports it; in remote mode the call must carry `approval`, the token of the dry run (or of the refused call) for exactly that change, sent after asking; a client that renders MCP Apps shows the change in a review view, where the person applies it. `never`: no confirmation',
    },
  ),
  VOBIZ_CONFIRM_THRESHOLD: documented(
    intVar('VOBIZ_CONFIRM_THRESHOLD', 0, 1_000_000, DEFAULT_CONFIRM_THRESHOLD),
    {
      group: 'tools',
      doc: 'bulk changes touching more contacts than this are confirmed',
    },
  ),
  VOBIZ_CONCURRENCY: documented(intVar('VOBIZ_CONCURRENCY', 1, 64, DEFAULT_CONCURRENCY), {
    group: 'tools',
    doc: 'the most requests to one Vobiz account in flight at once: a ceiling, not the pace — the server starts lower and finds the account’s rate from its 429s',
  }),
  VOBIZ_IMPORT_DIRS: documented(z.string().optional(), {
    group: 'import',
    doc: "directories `import_contacts_csv` may read `.csv` files from (path-delimited list); the client's roots win when it offers them",
    default: 'the working directory (none when that is `/`)',
  }),
  VOBIZ_IMPORT_MAX_BYTES: documented(
    intVar('VOBIZ_IMPORT_MAX_BYTES', 1, Number.MAX_SAFE_INTEGER, DEFAULT_IMPORT_MAX_BYTES),
    {
      group: 'import',
      doc: 'largest CSV file accepted',
      default: `${DEFAULT_IMPORT_MAX_BYTES} (${DEFAULT_IMPORT_MAX_BYTES / MB} MB)`,
    },
  ),
  VOBIZ_IMPORT_CHUNK_ROWS: documented(intVar('VOBIZ_IMPORT_CHUNK_ROWS', 1, 100_000, 5_000), {
    group: 'import',
    doc: 'rows per uploaded chunk (lower it if Vobiz refuses large uploads; smaller chunks also report progress more often)',
  }),
  VOBIZ_IMPORT_CONCURRENCY: documented(
    intVar('VOBIZ_IMPORT_CONCURRENCY', 1, 16, DEFAULT_IMPORT_CONCURRENCY),
    {
      group: 'import',
      doc: 'chunks an import uploads at once (a later row of the same number still wins); lower it if Vobiz answers 429',
    },
  ),
  VOBIZ_SANDBOX: documented(booleanVar('VOBIZ_SANDBOX'), {
    group: 'account',
    doc: '`true`: serve the tools against an in-process sandbox instead of Vobiz, as `--sandbox` does (no account needed; the Claude Desktop bundle’s Sandbox switch)',
  }),
  VOBIZ_DEBUG: documented(booleanVar('VOBIZ_DEBUG'), {
    group: 'account',
    doc: '`true`: log the stack trace with each unexpected error (on stderr, redacted)',
  }),
  VOBIZ_LOG_FORMAT: documented(
    z.enum(['json', 'text'], { error: 'VOBIZ_LOG_FORMAT must be json or text' }).optional(),
    {
      group: 'account',
      doc: 'what goes to stderr: `json`, one JSON object per line (pino; in remote mode one line per request and per background job, with its request id); `text`, lines for a person to read',
      default: '`json` with `--http`, `text` over stdio',
    },
  ),
  MCP_HTTP_PORT: documented(intVar('MCP_HTTP_PORT (or --port)', 0, 65_535, 3000), {
    group: 'remote',
    doc: 'as `--port` (the flag wins)',
  }),
  MCP_HTTP_HOST: documented(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9.:_-]+$/, { error: 'MCP_HTTP_HOST (or --host) must be a host name or IP address' })
      .default('127.0.0.1'),
    { group: 'remote', doc: 'as `--host` (the flag wins)' },
  ),
  MCP_HTTP_TOKEN: documented(tokenVar('MCP_HTTP_TOKEN', 16), {
    group: 'remote',
    doc: 'require `Authorization: Bearer <token>` (needed to serve a configured account on a non-loopback address)',
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
  }),
  MCP_HTTP_MAX_CONCURRENT_PER_CALLER: documented(
    intVar('MCP_HTTP_MAX_CONCURRENT_PER_CALLER', 1, 10_000, 16),
    { group: 'remote', doc: 'requests one set of credentials may have running (more wait)' },
  ),
  MCP_HTTP_QUEUE_LENGTH: documented(intVar('MCP_HTTP_QUEUE_LENGTH', 0, 100_000, 256), {
    group: 'remote',
    doc: 'requests of one set of credentials that may wait for a slot (then 429)',
  }),
  MCP_HTTP_QUEUE_WAIT_MS: documented(intVar('MCP_HTTP_QUEUE_WAIT_MS', 0, 600_000, 30_000), {
    group: 'remote',
    doc: 'longest wait for a slot (then 429 with `Retry-After`)',
  }),
  MCP_HTTP_MAX_CONCURRENT: documented(intVar('MCP_HTTP_MAX_CONCURRENT', 1, 100_000, 512), {
    group: 'remote',
    doc: 'requests running in the whole process (then 503)',
  }),
  MCP_HTTP_REQUEST_TIMEOUT_MS: documented(intVar('MCP_HTTP_REQUEST_TIMEOUT_MS', 1_000, 600_000, 10_000), {
    group: 'remote',
    doc: 'time a client has to send a whole request (then 408)',
  }),
  MCP_HTTP_SESSION_SECRET: documented(tokenVar('MCP_HTTP_SESSION_SECRET', 32), {
    group: 'remote',
    doc: 'signs session ids, in-request questions and approval tokens: set the same one on every instance behind one load balancer',
    default: 'random per process',
  }),
  MCP_HTTP_JSON_RESPONSE: documented(booleanVar('MCP_HTTP_JSON_RESPONSE'), {
    group: 'remote',
    doc: '`true`: plain JSON answers instead of SSE (no streamed progress)',
  }),
  MCP_OAUTH_KEY: documented(oauthKeyVar(), {
    group: 'remote',
    doc: 'turns on OAuth sign-in for connectors (Claude, ChatGPT): the key its tokens are encrypted with, as `id:key` with a 32-byte key in base64 (`openssl rand -base64 32`); a comma list rotates keys — the first encrypts, all decrypt, and a token of a key dropped from the list no longer works. Same value on every instance',
  }),
  MCP_PUBLIC_URL: documented(publicUrlVar(), {
    group: 'remote',
    doc: 'the URL clients reach the server at, behind a proxy, e.g. `https://mcp.example.com` (an origin: the connector URL is it with `/mcp`); its host is accepted in `Host`',
    default: 'the listening address',
  }),
  MCP_HTTP_SHUTDOWN_GRACE_MS: documented(intVar('MCP_HTTP_SHUTDOWN_GRACE_MS', 0, 600_000, 25_000), {
    group: 'remote',
    doc: 'how long SIGTERM waits for in-flight calls',
  }),
  MCP_HTTP_METRICS: documented(
    z
      .enum(['true', 'false', '1', '0'], { error: 'MCP_HTTP_METRICS must be true or false' })
      .default('true')
      .transform((value) => value === 'true' || value === '1'),
    {
      group: 'remote',
      doc: '`GET /metrics` on the same port, in the Prometheus text format: behind `MCP_HTTP_TOKEN` when it is set (scrape with `Authorization: Bearer <token>`), not behind the `Host` check (scrapers use the address); `false` turns it off',
      default: 'true',
    },
  ),
  REDIS_URL: documented(
    z.url({ protocol: /^rediss?$/, error: 'REDIS_URL must be a redis:// or rediss:// URL' }).optional(),
    {
      group: 'remote',
      doc: 'run several instances as one: background jobs (`get_job`/`cancel_job` through any instance) and each account’s request pace are shared through this Redis; without it each instance keeps its own. Losing Redis degrades to the instance’s own state, with one log line',
      default: '—',
    },
  ),
});

/** Every setting with its documentation, in the order of the table, for the generated docs. */
export function settingsReference(): { name: string; group: SettingGroup; doc: string; default: string }[] {
  return Object.entries(EnvSchema.shape).map(([name, schema]) => {
    const meta = SETTING_DOCS.get(schema as z.ZodType);
    if (!meta) throw new Error(`setting ${name} is not documented`);
    return { name, ...meta, default: meta.default ?? shownDefault(defaultOf(schema)) };
  });
}

export type Settings = z.infer<typeof EnvSchema>;
