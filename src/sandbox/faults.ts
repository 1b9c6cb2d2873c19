/**
 * Faults on demand, for tests of a client's resilience. Only code holding the Sandbox object can inject
 * them; nothing over HTTP can. A request takes at most one fault: the first pending rule (in order of
 * injection) whose route and method match it, and each rule serves `times` matching requests.
 * Faults apply to requests that passed authentication and reached a known route (and were not answered
 * 429 by the network model's rate limit, see network.ts). Some faults only make sense on one route
 * (a page's shape, an import's summary): such a rule serves that route only.
 */
import { STATUS_CODES } from 'node:http';
import { ERROR_CODES, RATE_LIMIT_STATUS, SERVER_ERROR_CODES } from '../vobiz/contract.js';
import { HttpError } from './http-errors.js';
import { MAX_LATENCY_MS } from './network.js';
import type { SandboxResponse } from './responses.js';
import type { SandboxRoute } from './routes.js';
import type { ContactListPage, ContactStore } from './store.js';
import type { ListQuery } from './validation.js';

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
  // ---- A list page that does not add up (list requests only) ----
  /**
   * The page is answered as the last one, `has_more: false`, while `total` still counts the items after
   * it: a scan that trusts `has_more` stops short; one that checks `total` knows it did.
   */
  | { kind: 'premature_end' }
  /**
   * Before the page is read, `count` contacts are deleted — the first ones the query matches, in list
   * order, as another client deleting during a scan would: every later item moves `count` places up, so
   * a client reading page after page skips `count` contacts, and `total` drops by `count`. The deletes
   * are real (and persisted). With the rule's `page`, it happens before that page is answered.
   */
  | { kind: 'concurrent_delete'; count: number }
  /**
   * A page holds at most `items` contacts. `limit: 'served'` (default): the API pages by `items` and
   * says so (`limit` is `items` when the caller asked more; offsets, `has_more` and `total` are those of
   * `items` a page): a client that counts pages by the size it asked misses contacts. `limit: 'asked'`:
   * the page is cut to its first `items` while `limit`, `has_more` and `total` stay as for the full
   * page: the rest of that page is skipped by any client that moves on to the next page number.
   */
  | { kind: 'short_page'; items: number; limit?: 'served' | 'asked' }
  // ---- Answers that claim more than happened ----
  /**
   * (import only) The file IS imported, but the summary accounts for `rows` fewer rows than were sent:
   * `total` lowered by `rows`, and `created`, then `updated`, then `failed` by as many, down to 0.
   */
  | { kind: 'short_summary'; rows: number }
  /** (update only) 200 with the contact as it is: the change was accepted and lost; nothing applied. */
  | { kind: 'unapplied_update' };

type FaultKind = Fault['kind'];

/** The faults that only make sense on one route; a rule for one serves only that route. */
const FAULT_ROUTE: Partial<Record<FaultKind, SandboxRoute>> = {
  premature_end: 'list',
  concurrent_delete: 'list',
  short_page: 'list',
  short_summary: 'import',
  unapplied_update: 'update',
};

export type ListFault = Extract<Fault, { kind: 'premature_end' | 'concurrent_delete' | 'short_page' }>;

export function isListFault(fault: Fault | undefined): fault is ListFault {
  return fault !== undefined && FAULT_ROUTE[fault.kind] === 'list';
}

export interface FaultRule {
  fault: Fault;
  /** Any route when omitted. */
  route?: SandboxRoute;
  /** Any method when omitted; compared case-insensitively. */
  method?: string;
  /**
   * Only list requests for this page (the `page` query parameter, 1 when absent): a scan reading pages
   * side by side gets the fault on the page the test means, whatever order they arrive in.
   */
  page?: number;
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
    const fault = rule.fault;
    if (fault.kind === 'latency' && !(fault.ms >= 0 && fault.ms <= MAX_LATENCY_MS)) {
      throw new RangeError(`latency must be from 0 to ${MAX_LATENCY_MS} ms, got ${fault.ms}`);
    }
    if (fault.kind === 'concurrent_delete') positiveInteger('concurrent_delete count', fault.count);
    if (fault.kind === 'short_page') positiveInteger('short_page items', fault.items);
    if (fault.kind === 'short_summary') positiveInteger('short_summary rows', fault.rows);
    const onlyRoute = FAULT_ROUTE[fault.kind];
    if (onlyRoute !== undefined && rule.route !== undefined && rule.route !== onlyRoute) {
      throw new RangeError(`a ${fault.kind} fault serves the ${onlyRoute} route only, not ${rule.route}`);
    }
    if (rule.page !== undefined) {
      positiveInteger('fault page', rule.page);
      if ((rule.route ?? onlyRoute ?? 'list') !== 'list') {
        throw new RangeError(`a fault's page matches list requests only, not ${rule.route ?? onlyRoute}`);
      }
    }
    // A page only ever matches a list request; a one-route fault only ever its route.
    const route = rule.route ?? onlyRoute ?? (rule.page === undefined ? undefined : 'list');
    this.rules.push({ rule: { ...rule, route, fault: { ...fault } }, remaining: times });
  }

  clear(): void {
    this.rules = [];
  }

  get pending(): number {
    return this.rules.length;
  }

  /** The fault this request gets, if any; consumes one use of its rule. `page`: a list request's. */
  take(route: SandboxRoute, method: string, page?: number): Fault | undefined {
    const index = this.rules.findIndex(
      ({ rule }) =>
        (rule.route === undefined || rule.route === route) &&
        (rule.method === undefined || rule.method.toUpperCase() === method.toUpperCase()) &&
        (rule.page === undefined || rule.page === page),
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

function positiveInteger(what: string, value: number): void {
  if (!(Number.isInteger(value) && value > 0)) {
    throw new RangeError(`${what} must be a positive integer, got ${value}`);
  }
}

/** The page a list request gets under a list fault (or none): see each kind in `Fault`. */
export function faultedListPage(
  store: ContactStore,
  query: ListQuery,
  fault: ListFault | undefined,
): ContactListPage {
  switch (fault?.kind) {
    case undefined:
      return store.list(query);
    case 'premature_end':
      return { ...store.list(query), has_more: false };
    case 'concurrent_delete':
      store.deleteFirstMatching(query, fault.count);
      return store.list(query);
    case 'short_page': {
      if (fault.limit === 'asked') {
        const page = store.list(query);
        return { ...page, items: page.items.slice(0, fault.items) };
      }
      return store.list({ ...query, limit: Math.min(query.limit, fault.items) });
    }
  }
}

/** An import's 200 summary accounting for `rows` fewer rows than were sent; any other answer as it was. */
export function shortSummary(response: SandboxResponse, rows: number): SandboxResponse {
  if (response.status !== 200 || response.body === undefined) return response;
  const summary = JSON.parse(response.body) as Record<'total' | 'created' | 'updated' | 'failed', number>;
  summary.total = Math.max(0, summary.total - rows);
  let missing = rows;
  for (const count of ['created', 'updated', 'failed'] as const) {
    const taken = Math.min(missing, summary[count]);
    summary[count] -= taken;
    missing -= taken;
  }
  return { ...response, body: JSON.stringify(summary) };
}
