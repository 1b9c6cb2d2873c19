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

export interface Config {
  baseUrl: string;
  credentials: VobizCredentials;
  timeoutMs: number;
  retry: RetryPolicy;
  /** Overall time budget of one tool call across its retries. */
  deadlineMs: number;
  importDirs: string[];
  importMaxBytes: number;
  inlineCsvMaxBytes: number;
  importChunkRows: number;
}

const MB = 1024 * 1024;

const EnvSchema = z.object({
  VOBIZ_AUTH_ID: z
    .string()
    .trim()
    .regex(AUTH_ID_PATTERN, { error: 'VOBIZ_AUTH_ID must look like MA_XXXXXXXX (your Vobiz account id)' })
    .optional(),
  VOBIZ_AUTH_TOKEN: z
    .string()
    .trim()
    .min(1)
    .regex(/^\S+$/, { error: 'VOBIZ_AUTH_TOKEN must not contain spaces' })
    .optional(),
  VOBIZ_BEARER_TOKEN: z
    .string()
    .trim()
    .regex(/^\S+$/, { error: 'VOBIZ_BEARER_TOKEN must not contain spaces' })
    .optional(),
  VOBIZ_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'VOBIZ_BASE_URL must be an http(s) URL' })
    .default(DEFAULT_BASE_URL),
  VOBIZ_TIMEOUT_MS: z.coerce
    .number({ error: 'VOBIZ_TIMEOUT_MS must be a number of milliseconds' })
    .int()
    .min(100, { error: 'VOBIZ_TIMEOUT_MS must be at least 100' })
    .max(600_000, { error: 'VOBIZ_TIMEOUT_MS must be at most 600000' })
    .default(30_000),
  VOBIZ_MAX_RETRIES: z.coerce
    .number({ error: 'VOBIZ_MAX_RETRIES must be a number of retries' })
    .int()
    .min(0, { error: 'VOBIZ_MAX_RETRIES must be at least 0' })
    .max(10, { error: 'VOBIZ_MAX_RETRIES must be at most 10' })
    .default(DEFAULT_RETRY_POLICY.maxRetries),
  VOBIZ_RETRY_BASE_MS: z.coerce
    .number({ error: 'VOBIZ_RETRY_BASE_MS must be a number of milliseconds' })
    .int()
    .min(1, { error: 'VOBIZ_RETRY_BASE_MS must be at least 1' })
    .max(60_000, { error: 'VOBIZ_RETRY_BASE_MS must be at most 60000' })
    .default(DEFAULT_RETRY_POLICY.baseDelayMs),
  VOBIZ_RETRY_MAX_WAIT_MS: z.coerce
    .number({ error: 'VOBIZ_RETRY_MAX_WAIT_MS must be a number of milliseconds' })
    .int()
    .min(0, { error: 'VOBIZ_RETRY_MAX_WAIT_MS must be at least 0' })
    .max(300_000, { error: 'VOBIZ_RETRY_MAX_WAIT_MS must be at most 300000' })
    .default(DEFAULT_RETRY_POLICY.maxDelayMs),
  VOBIZ_DEADLINE_MS: z.coerce
    .number({ error: 'VOBIZ_DEADLINE_MS must be a number of milliseconds' })
    .int()
    .min(100, { error: 'VOBIZ_DEADLINE_MS must be at least 100' })
    .max(3_600_000, { error: 'VOBIZ_DEADLINE_MS must be at most 3600000' })
    .default(120_000),
  VOBIZ_IMPORT_DIRS: z.string().optional(),
  VOBIZ_IMPORT_MAX_BYTES: z.coerce
    .number({ error: 'VOBIZ_IMPORT_MAX_BYTES must be a number of bytes' })
    .int()
    .positive()
    .default(100 * MB),
  VOBIZ_IMPORT_CHUNK_ROWS: z.coerce
    .number({ error: 'VOBIZ_IMPORT_CHUNK_ROWS must be a number of rows' })
    .int()
    .min(1, { error: 'VOBIZ_IMPORT_CHUNK_ROWS must be at least 1' })
    .max(100_000, { error: 'VOBIZ_IMPORT_CHUNK_ROWS must be at most 100000' })
    .default(5_000),
});

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
    importDirs: vars.VOBIZ_IMPORT_DIRS
      ? vars.VOBIZ_IMPORT_DIRS.split(path.delimiter)
          .filter(Boolean)
          .map((dir) => path.resolve(dir))
      : [process.cwd()],
    importMaxBytes: vars.VOBIZ_IMPORT_MAX_BYTES,
    inlineCsvMaxBytes: 5 * MB,
    importChunkRows: vars.VOBIZ_IMPORT_CHUNK_ROWS,
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
