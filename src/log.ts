/**
 * Logging for a stdio MCP server: stdout is the JSON-RPC channel, so every log line goes to stderr.
 * Every line passes through `redact`, so a credential that slipped into an error message never lands
 * in a log.
 */

const secrets = new Set<string>();

/** Registers a value that must never be printed (auth tokens); short values are ignored as too generic. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
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
