/**
 * The server's configuration, read from the environment and checked with zod at start-up, so that a
 * missing or malformed setting is one clear line instead of a failure at the first tool call.
 * Error messages name the variables, never their values.
 */
import path from 'node:path';
import { z } from 'zod';
import type { VobizCredentials } from './vobiz/client.js';
import { AUTH_ID_PATTERN, DEFAULT_BASE_URL } from './vobiz/contract.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './vobiz/retry.js';
import { TOOL_NAMES } from './tools/index.js';
import type { ConfirmMode } from './tools/confirm.js';
import { DEFAULT_IMPORT_CONCURRENCY } from './tools/context.js';

export interface Config {
  baseUrl: string;
  credentials: VobizCredentials;
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
  inlineCsvMaxBytes: number;
  importChunkRows: number;
  importConcurrency: number;
}

const MB = 1024 * 1024;

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

/** A comma-list setting, read with splitCommaList. */
export function commaListVar() {
  return z.string().transform(splitCommaList);
}

/** `true`/`1` or `false`/`0`, default false. */
export function booleanVar(name: string) {
  return z
    .enum(['true', 'false', '1', '0'], { error: `${name} must be true or false` })
    .default('false')
    .transform((value) => value === 'true' || value === '1');
}

const EnvSchema = z.object({
  VOBIZ_AUTH_ID: z
    .string()
    .trim()
    .regex(AUTH_ID_PATTERN, { error: 'VOBIZ_AUTH_ID must look like MA_XXXXXXXX (your Vobiz account id)' })
    .optional(),
  VOBIZ_AUTH_TOKEN: z
    .string()
    .trim()
    .regex(/^\S+$/, { error: 'VOBIZ_AUTH_TOKEN must be one token, not blank and without spaces' })
    .optional(),
  VOBIZ_BEARER_TOKEN: z
    .string()
    .trim()
    .regex(/^\S+$/, { error: 'VOBIZ_BEARER_TOKEN must be one token, not blank and without spaces' })
    .optional(),
  VOBIZ_BASE_URL: z
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
  VOBIZ_TIMEOUT_MS: intVar('VOBIZ_TIMEOUT_MS', 100, 600_000, 30_000),
  VOBIZ_MAX_RETRIES: intVar('VOBIZ_MAX_RETRIES', 0, 10, DEFAULT_RETRY_POLICY.maxRetries),
  VOBIZ_RETRY_BASE_MS: intVar('VOBIZ_RETRY_BASE_MS', 1, 60_000, DEFAULT_RETRY_POLICY.baseDelayMs),
  VOBIZ_RETRY_MAX_WAIT_MS: intVar('VOBIZ_RETRY_MAX_WAIT_MS', 0, 300_000, DEFAULT_RETRY_POLICY.maxDelayMs),
  VOBIZ_DEADLINE_MS: intVar('VOBIZ_DEADLINE_MS', 100, 3_600_000, 120_000),
  VOBIZ_READ_ONLY: booleanVar('VOBIZ_READ_ONLY'),
  VOBIZ_TOOLS: commaListVar()
    .refine((names) => names.every((name) => TOOL_NAMES.includes(name)), {
      error: `VOBIZ_TOOLS must list tool names from: ${TOOL_NAMES.join(', ')}`,
    })
    .optional(),
  VOBIZ_CONFIRM: z.enum(['auto', 'never'], { error: 'VOBIZ_CONFIRM must be auto or never' }).default('auto'),
  VOBIZ_CONFIRM_THRESHOLD: intVar('VOBIZ_CONFIRM_THRESHOLD', 0, 1_000_000, 50),
  VOBIZ_CONCURRENCY: intVar('VOBIZ_CONCURRENCY', 1, 32, 4),
  VOBIZ_IMPORT_DIRS: z.string().optional(),
  VOBIZ_IMPORT_MAX_BYTES: intVar('VOBIZ_IMPORT_MAX_BYTES', 1, Number.MAX_SAFE_INTEGER, 100 * MB),
  VOBIZ_IMPORT_CHUNK_ROWS: intVar('VOBIZ_IMPORT_CHUNK_ROWS', 1, 100_000, 5_000),
  VOBIZ_IMPORT_CONCURRENCY: intVar('VOBIZ_IMPORT_CONCURRENCY', 1, 16, DEFAULT_IMPORT_CONCURRENCY),
});

/**
 * The working directory, unless it is the filesystem root — where some MCP clients start servers, and
 * from where every file on the machine would be in reach. Then no directory: file imports need
 * VOBIZ_IMPORT_DIRS or the client's roots.
 */
function defaultImportDirs(): string[] {
  const cwd = process.cwd();
  return path.parse(cwd).root === cwd ? [] : [cwd];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads the configuration; `credentials` may be given instead (the sandbox brings its own). */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  overrides: { credentials?: VobizCredentials; baseUrl?: string } = {},
): Config {
  // An empty variable (common in copied config files) means "not set".
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => issue.message).join('; '));
  }
  const vars = parsed.data;
  return {
    baseUrl: overrides.baseUrl ?? vars.VOBIZ_BASE_URL,
    credentials: overrides.credentials ?? credentialsFrom(vars),
    timeoutMs: vars.VOBIZ_TIMEOUT_MS,
    retry: {
      maxRetries: vars.VOBIZ_MAX_RETRIES,
      baseDelayMs: vars.VOBIZ_RETRY_BASE_MS,
      maxDelayMs: vars.VOBIZ_RETRY_MAX_WAIT_MS,
    },
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
    inlineCsvMaxBytes: 5 * MB,
    importChunkRows: vars.VOBIZ_IMPORT_CHUNK_ROWS,
    importConcurrency: vars.VOBIZ_IMPORT_CONCURRENCY,
  };
}

function credentialsFrom(vars: z.infer<typeof EnvSchema>): VobizCredentials {
  const { VOBIZ_AUTH_ID: authId, VOBIZ_AUTH_TOKEN: authToken, VOBIZ_BEARER_TOKEN: bearerToken } = vars;
  if (authId && authToken) return { authId, authToken };
  if (authId || authToken) {
    throw new ConfigError(
      `${authId ? 'VOBIZ_AUTH_TOKEN' : 'VOBIZ_AUTH_ID'} is missing: set both, or VOBIZ_BEARER_TOKEN`,
    );
  }
  if (bearerToken) return { bearerToken };
  throw new ConfigError(
    'No Vobiz credentials: set VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN (or VOBIZ_BEARER_TOKEN), or run with --sandbox to try it without an account',
  );
}
