/**
 * Faults on demand, for tests of a client's resilience. Only code holding the Sandbox object can inject
 * them; nothing over HTTP can. A request takes at most one fault: the first pending rule (in order of
 * injection) whose route and method match it, and each rule serves `times` matching requests.
 * Faults apply to requests that passed authentication and reached a known route.
 */
import { STATUS_CODES } from 'node:http';
import { ERROR_CODES, RATE_LIMIT_STATUS, SERVER_ERROR_CODES } from '../vobiz/contract.js';
import { HttpError } from './errors.js';
import type { SandboxResponse } from './responses.js';
import type { SandboxRoute } from './routes.js';

export type Fault =
  /** Waits, then handles the request normally. */
  | { kind: 'latency'; ms: number }
  /** 429 RATE_LIMIT_EXCEEDED with a Retry-After header and details.retryAfter (default 1 s); nothing applied. */
  | { kind: 'rate_limit'; retryAfterSeconds?: number }
  /** The documented error body with this status (default 500); nothing applied. */
  | { kind: 'server_error'; status?: 500 | 502 | 503 | 504 }
  /** The request IS applied (contact created/updated/deleted, file imported), then a 5xx (default 500). */
  | { kind: 'error_after_write'; status?: 500 | 502 | 503 | 504 }
  /**
   * The request IS applied (the answer was cut on its way back), then the real JSON body arrives cut in
   * half, as `application/json`, with this status (default 200); `{"id": "abc` when the real answer had no body.
   */
  | { kind: 'malformed_body'; status?: number }
  /** A proxy's HTML error page with this status (default 502) instead of the API's answer; nothing applied. */
  | { kind: 'html'; status?: number }
  /** The socket is destroyed without any response; nothing applied. */
  | { kind: 'drop_connection' }
  /**
   * An import IS applied, then its summary accounts for `rows` (default 1) fewer rows than the file held:
   * taken off `created`, then `updated`, and off `total`. Any other answer is left as it is.
   */
  | { kind: 'short_summary'; rows?: number };

export interface FaultRule {
  fault: Fault;
  /** Any route when omitted. */
  route?: SandboxRoute;
  /** Any method when omitted; compared case-insensitively. */
  method?: string;
  /** How many matching requests get this fault; default 1, Infinity until clear(). */
  times?: number;
}

export interface FaultController {
  inject(rule: FaultRule): void;
  clear(): void;
  /** How many rules still have requests to serve. */
  readonly pending: number;
}

const ROUTES: readonly SandboxRoute[] = ['list', 'get', 'create', 'update', 'delete', 'import'];

interface PendingRule {
  rule: FaultRule;
  remaining: number;
}

export class FaultQueue implements FaultController {
  private rules: PendingRule[] = [];

  inject(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) {
      throw new RangeError(`fault times must be a positive integer or Infinity, got ${times}`);
    }
    if (rule.route !== undefined && !ROUTES.includes(rule.route)) {
      throw new RangeError(`unknown sandbox route ${String(rule.route)}; one of ${ROUTES.join(', ')}`);
    }
    if (rule.fault.kind === 'latency' && !(rule.fault.ms >= 0)) {
      throw new RangeError(`latency must be >= 0 ms, got ${rule.fault.ms}`);
    }
    this.rules.push({ rule: { ...rule, fault: { ...rule.fault } }, remaining: times });
  }

  clear(): void {
    this.rules = [];
  }

  get pending(): number {
    return this.rules.length;
  }

  /** The fault this request gets, if any; consumes one use of its rule. */
  take(route: SandboxRoute, method: string): Fault | undefined {
    const index = this.rules.findIndex(
      ({ rule }) =>
        (rule.route === undefined || rule.route === route) &&
        (rule.method === undefined || rule.method.toUpperCase() === method.toUpperCase()),
    );
    const pending = this.rules[index];
    if (!pending) return undefined;
    pending.remaining -= 1;
    if (pending.remaining <= 0) this.rules.splice(index, 1);
    return pending.rule.fault;
  }
}

export function rateLimitError(retryAfterSeconds = 1): HttpError {
  return new HttpError(
    RATE_LIMIT_STATUS,
    ERROR_CODES.rateLimited,
    `rate limit exceeded; retry after ${retryAfterSeconds} s`,
    { retryAfter: retryAfterSeconds },
    { 'retry-after': String(retryAfterSeconds) },
  );
}

export function serverError(status: 500 | 502 | 503 | 504 = 500): HttpError {
  return new HttpError(status, SERVER_ERROR_CODES[status], STATUS_CODES[status] ?? 'server error');
}

/** What an nginx-style proxy in front of the API answers when the API behind it is down. */
export function htmlErrorPage(status = 502): SandboxResponse {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return {
    status,
    headers: { 'content-type': 'text/html' },
    body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
  };
}

/** The real answer cut in half: never valid JSON, since every answer with a body is one JSON object. */
export function truncatedJson(response: SandboxResponse, status = 200): SandboxResponse {
  const real = response.body;
  const body =
    real === undefined || real.length < 2 ? '{"id": "abc' : real.slice(0, Math.floor(real.length / 2));
  return { status, headers: { 'content-type': 'application/json' }, body };
}

/** An import summary that leaves `rows` of the file's rows unaccounted for (the fault `short_summary`). */
export function shortSummary(response: SandboxResponse, rows = 1): SandboxResponse {
  if (response.status !== 200 || response.body === undefined) return response;
  const summary = JSON.parse(response.body) as Partial<Record<'total' | 'created' | 'updated', number>>;
  // Any other answer (a contact, a list page) is left as it is.
  if (summary.created === undefined || summary.updated === undefined) return response;
  const fromCreated = Math.min(rows, summary.created);
  summary.created -= fromCreated;
  summary.updated -= Math.min(rows - fromCreated, summary.updated);
  summary.total = Math.max(0, (summary.total ?? 0) - rows);
  return { ...response, body: JSON.stringify(summary) };
}
