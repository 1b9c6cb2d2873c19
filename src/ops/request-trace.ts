/**
 * What one HTTP request to /mcp did, for its log line: its id (the caller's `X-Request-Id` when it is a
 * plain token, else a new one; returned in the answer and sent upstream), its W3C trace context, the
 * JSON-RPC method and tool, the tool's outcome, and the API requests it made — counts by status, retries
 * and the API's own request ids. Nothing here holds a credential, an argument or a contact's data.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ToolObserver, ToolOutcome } from '../mcp/context.js';
import type { UpstreamAnswer, UpstreamObserver } from '../vobiz/client.js';

export const REQUEST_ID_HEADER = 'x-request-id';
/** Upstream request ids kept per request: a bulk call sends thousands; the first ones say enough. */
const MAX_UPSTREAM_IDS = 20;
const REQUEST_ID = /^[\w.:-]{1,128}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** What the log line says of the API requests of a request (or of a job). */
export interface UpstreamSummary {
  requests: number;
  /** Attempts by status (`200`, `429`, `network`, …). */
  statuses: Record<string, number>;
  retries: number;
  /** The API's ids of the first requests, failed ones first. */
  requestIds: string[];
}

export class UpstreamTally {
  private readonly summary: UpstreamSummary = { requests: 0, statuses: {}, retries: 0, requestIds: [] };

  answered(answer: UpstreamAnswer): void {
    const status = String(answer.status);
    this.summary.requests += 1;
    this.summary.statuses[status] = (this.summary.statuses[status] ?? 0) + 1;
    const id = answer.requestId;
    if (id === undefined) return;
    const ids = this.summary.requestIds;
    const failed = typeof answer.status !== 'number' || answer.status >= 400;
    if (ids.length < MAX_UPSTREAM_IDS) {
      if (failed) ids.unshift(id);
      else ids.push(id);
    } else if (failed && ids.length > 0) {
      // A failure's id is worth more than a success's: it replaces the last one kept.
      ids.pop();
      ids.unshift(id);
    }
  }

  retried(): void {
    this.summary.retries += 1;
  }

  snapshot(): UpstreamSummary {
    return {
      ...this.summary,
      statuses: { ...this.summary.statuses },
      requestIds: [...this.summary.requestIds],
    };
  }
}

export class RequestTrace {
  readonly id: string;
  /** The traceparent sent upstream: the caller's trace, with this server's request as the parent. */
  readonly traceparent: string;
  readonly traceId: string;
  readonly started = performance.now();
  rpcMethod: string | undefined;
  tool: string | undefined;
  outcome: ToolOutcome | undefined;
  /** The account's key (callerKey), shortened: enough to tell accounts apart in logs, no more. */
  account: string | undefined;
  jobId: string | undefined;
  readonly upstream = new UpstreamTally();

  constructor(headers: IncomingHttpHeaders) {
    const given = headers[REQUEST_ID_HEADER];
    this.id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    const parent = typeof headers.traceparent === 'string' ? TRACEPARENT.exec(headers.traceparent) : null;
    const validParent = parent?.[1] && !/^0+$/.test(parent[1]) && !/^0+$/.test(parent[2] ?? '');
    this.traceId = validParent ? parent[1]! : randomBytes(16).toString('hex');
    const flags = validParent ? parent[3]! : '01';
    this.traceparent = `00-${this.traceId}-${randomBytes(8).toString('hex')}-${flags}`;
  }

  /** Headers every API request of this request carries. */
  upstreamHeaders(): Record<string, string> {
    return { [REQUEST_ID_HEADER]: this.id, traceparent: this.traceparent };
  }

  /** The request's own tally, then `next` (the metrics). */
  upstreamObserver(next: UpstreamObserver): UpstreamObserver {
    return {
      answered: (answer) => {
        this.upstream.answered(answer);
        next.answered(answer);
      },
      retrying: (retry) => {
        this.upstream.retried();
        next.retrying(retry);
      },
    };
  }

  toolObserver(next: ToolObserver): ToolObserver {
    return (call) => {
      this.tool = call.tool;
      this.outcome = call.outcome;
      next(call);
    };
  }

  get durationMs(): number {
    return Math.round(performance.now() - this.started);
  }
}
