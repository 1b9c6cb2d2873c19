/**
 * Logging for a stdio MCP server: stdout is the JSON-RPC channel, so every log line goes to stderr.
 * Every line passes through `redact`, so a credential that slipped into an error message never lands
 * in a log.
 *
 * Two kinds of secret: the process's own (the configured account's token, the endpoint token), held
 * for good; and, in remote mode, the callers' own credentials, held only while a request that carries
 * them runs — so that the set does not grow with every caller. While held, a token is redacted from
 * whatever the process writes, not only from its own request's output: more than needed, never less.
 * (AsyncLocalStorage would scope it to the request's async context, but callbacks of a keep-alive
 * socket shared by all requests run in the context of whichever request opened it: a line written
 * there could miss its caller's token.)
 */

const secrets = new Set<string>();
/** Secret → how many running requests hold it. */
const heldSecrets = new Map<string, number>();
const MIN_SECRET_LENGTH = 6;

/** Registers a value that must never be printed (auth tokens); short values are ignored as too generic. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

/** Runs a request's `work` with `values` redacted as secrets until it has settled. */
export async function withRequestSecrets<T>(values: readonly string[], work: () => Promise<T>): Promise<T> {
  const held = values.filter((value) => value.length >= MIN_SECRET_LENGTH);
  for (const value of held) heldSecrets.set(value, (heldSecrets.get(value) ?? 0) + 1);
  try {
    return await work();
  } finally {
    for (const value of held) {
      const left = (heldSecrets.get(value) ?? 1) - 1;
      if (left > 0) heldSecrets.set(value, left);
      else heldSecrets.delete(value);
    }
  }
}

export function redact(text: string): string {
  return scrub(scrub(text, secrets), heldSecrets.keys());
}

/**
 * Each form a secret can take in text: as it is, and JSON-escaped once and twice — a token holding `"` or
 * `\` echoed inside an upstream's JSON message, or rendered as a JSON string literal, reads escaped.
 */
function secretForms(secret: string): string[] {
  const once = JSON.stringify(secret).slice(1, -1);
  const twice = JSON.stringify(once).slice(1, -1);
  return [...new Set([secret, once, twice])];
}

function scrub(text: string, values: Iterable<string>): string {
  let out = text;
  for (const secret of values) {
    // The longest form first: the escaped form holds the plain one's pieces, not the other way round.
    for (const form of secretForms(secret).reverse()) {
      if (out.includes(form)) out = out.split(form).join('[redacted]');
    }
  }
  return out;
}

/**
 * The last check on a message before it leaves for the client, whatever part of it came from
 * upstream: the process's secrets and `own` (the caller's) replaced in every string, keys included.
 * Returns the value itself when it holds none (the usual case: one walk, no copy).
 */
export function redactJson<T>(value: T, own: readonly string[]): T {
  const active = [
    ...secrets,
    ...heldSecrets.keys(),
    ...own.filter((secret) => secret.length >= MIN_SECRET_LENGTH),
  ];
  return holdsSecret(value, active) ? (redactCopy(value, active) as T) : value;
}

/** Deepest nesting redactCopy copies; below it a value is dropped (no JSON writer could send it anyway). */
const MAX_COPY_DEPTH = 1_000;

function redactCopy(value: unknown, active: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return scrub(value, active);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_COPY_DEPTH) return '[redacted: nested too deep]';
  if (Array.isArray(value)) return value.map((item: unknown) => redactCopy(item, active, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [scrub(key, active), redactCopy(item, active, depth + 1)]),
  );
}

/** Whether any string in `value`, keys included, holds a secret in any form; iterative, at any depth. */
function holdsSecret(value: unknown, active: readonly string[]): boolean {
  const forms = active.flatMap(secretForms);
  const holds = (text: string) => forms.some((form) => text.includes(form));
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') {
      if (holds(node)) return true;
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        if (holds(key)) return true;
        stack.push(item);
      }
    }
  }
  return false;
}

/** Where logInfo and logError write instead of plain lines: JSON lines (ops/json-log.ts, VOBIZ_LOG_FORMAT). */
export interface LogSink {
  info(message: string): void;
  error(message: string, detail?: string): void;
}
let sink: LogSink | undefined;

export function setLogSink(next: LogSink | undefined): void {
  sink = next;
}

export function logInfo(message: string): void {
  if (sink) return sink.info(message);
  process.stderr.write(`${redact(`[vobiz-contacts-mcp] ${message}`)}\n`);
}

let debug = false;

/** VOBIZ_DEBUG: log the stack trace with each unexpected error. */
export function setDebugLogging(on: boolean): void {
  debug = on;
}

export function logError(message: string, error?: unknown): void {
  const text = error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message) : undefined;
  if (sink) return sink.error(message, text);
  const detail = text === undefined ? '' : `: ${text}`;
  process.stderr.write(`${redact(`[vobiz-contacts-mcp] error: ${message}${detail}`)}\n`);
}
