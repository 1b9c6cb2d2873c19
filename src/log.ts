/**
 * Logging for a stdio MCP server: stdout is the JSON-RPC channel, so every log line goes to stderr.
 * Every line passes through `redact`, so a credential that slipped into an error message never lands
 * in a log.
 *
 * Two kinds of secret: the process's own (the configured account's token, the endpoint token), held
 * for good; and, in remote mode, a request's own credentials, known only inside that request's async
 * context — so that they are redacted wherever that request's work runs, and the set held for good
 * does not grow with every caller.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const secrets = new Set<string>();
const requestSecrets = new AsyncLocalStorage<readonly string[]>();
const MIN_SECRET_LENGTH = 6;

/** Registers a value that must never be printed (auth tokens); short values are ignored as too generic. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

/** Runs `work` with `values` redacted as secrets too, in everything it starts (timers, promises, I/O). */
export function withRequestSecrets<T>(values: readonly string[], work: () => T): T {
  return requestSecrets.run(
    values.filter((value) => value.length >= MIN_SECRET_LENGTH),
    work,
  );
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  for (const secret of requestSecrets.getStore() ?? []) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * `redact` applied to every string (keys included) of a JSON value: the last check on a message before
 * it leaves for the client, whatever part of it came from upstream. Returns the value itself when it
 * holds no secret (the usual case: one walk, no copy).
 */
export function redactJson<T>(value: T): T {
  const active = [...secrets, ...(requestSecrets.getStore() ?? [])];
  return active.length > 0 && holdsSecret(value, active) ? (redactCopy(value) as T) : value;
}

function redactCopy(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(redactCopy);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [redact(key), redactCopy(item)]));
}

function holdsSecret(value: unknown, active: readonly string[]): boolean {
  if (typeof value === 'string') return active.some((secret) => value.includes(secret));
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (holdsSecret(key, active) || holdsSecret(record[key], active)) return true;
  }
  return false;
}

export function logInfo(message: string): void {
  process.stderr.write(`${redact(`[vobiz-contacts-mcp] ${message}`)}\n`);
}

export function logError(message: string, error?: unknown): void {
  const detail =
    error instanceof Error
      ? `: ${process.env['VOBIZ_DEBUG'] ? (error.stack ?? error.message) : error.message}`
      : '';
  process.stderr.write(`${redact(`[vobiz-contacts-mcp] error: ${message}${detail}`)}\n`);
}
