/**
 * What an operator sees of remote mode: the metrics (metrics.ts) and one log line per request to /mcp
 * and per background job. The HTTP layer calls in at three points only — `begin` as a request to /mcp
 * arrives, `forRequest` as it is dispatched, `serveMetrics` for `GET /metrics` — so that a change of
 * the HTTP wiring moves three calls, not this module.
 *
 * The request line, written when the answer has been sent (or the caller hung up):
 *   {"level":30,"time":…,"name":"vobiz-contacts-mcp","msg":"request","reqId":"…","traceId":"…",
 *    "status":200,"rpc":"tools/call","tool":"get_contact","outcome":"failure","durationMs":12,
 *    "account":"3f9a0c1d2e4b","upstream":{"requests":1,"statuses":{"404":1},"retries":0,"requestIds":["…"]}}
 * and the job line, when a job that outlived its call ends:
 *   {"msg":"job","jobId":"…","tool":"tag_contacts","state":"done","done":120,"total":120,
 *    "durationMs":3400,"reqId":"<the call that started it>","account":"…","upstream":{…}}
 * `account` is the start of the salted hash of the credentials (callerKey): it tells accounts apart and
 * reveals nothing. No argument, result, contact field, CSV cell or credential is ever a field.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JSONRPCRequest } from '../mcp/sdk.js';
import type { Job } from '../jobs/registry.js';
import { logInfo } from '../log.js';
import type { ToolObserver } from '../mcp/context.js';
import type { UpstreamObserver } from '../vobiz/client.js';
import type { JsonLogger } from './json-log.js';
import { ServiceMetrics, type MetricsSources } from './metrics.js';
import { REQUEST_ID_HEADER, RequestTrace } from './request-trace.js';

export const METRICS_PATH = '/metrics';
/** Characters of the account's key written to logs. */
const ACCOUNT_CHARS = 12;

export interface OperationsOptions {
  sources: MetricsSources;
  /** JSON lines (VOBIZ_LOG_FORMAT=json); without it the lines are written as text by logInfo. */
  logger?: JsonLogger;
}

/** What dispatch adds to a request's client and tools. */
export interface RequestHooks {
  client: { observer: UpstreamObserver; headers: Record<string, string> };
  observe: ToolObserver;
  /** The request id, as the origin of the jobs its calls start. */
  origin: string;
}

export class Operations {
  readonly metrics: ServiceMetrics;
  private readonly logger: JsonLogger | undefined;
  private readonly traces = new WeakMap<IncomingMessage, RequestTrace>();
  /** The traces of requests whose call went on as a job, by request id, until the job ends. */
  private readonly jobTraces = new Map<string, RequestTrace>();

  constructor(options: OperationsOptions) {
    this.metrics = new ServiceMetrics(options.sources);
    this.logger = options.logger;
  }

  /** A request to /mcp arrives: its id goes on the answer, and its line is written once it closes. */
  begin(req: IncomingMessage, res: ServerResponse): void {
    const trace = new RequestTrace(req.headers);
    this.traces.set(req, trace);
    res.setHeader(REQUEST_ID_HEADER, trace.id);
    res.once('close', () => {
      this.metrics.httpAnswered('/mcp', res.statusCode);
      if (trace.outcome === 'background') this.jobTraces.set(trace.id, trace);
      this.write('request', {
        reqId: trace.id,
        traceId: trace.traceId,
        status: res.statusCode,
        ...(!res.writableFinished && { aborted: true }),
        ...(trace.rpcMethod !== undefined && { rpc: trace.rpcMethod }),
        ...(trace.tool !== undefined && { tool: trace.tool }),
        ...(trace.outcome !== undefined && { outcome: trace.outcome }),
        durationMs: trace.durationMs,
        ...(trace.account !== undefined && { account: trace.account }),
        upstream: trace.upstream.snapshot(),
      });
    });
  }

  /** The hooks of a request being dispatched (undefined for one that did not pass through begin). */
  forRequest(req: IncomingMessage, message: JSONRPCRequest, account: string): RequestHooks | undefined {
    const trace = this.traces.get(req);
    if (!trace) return undefined;
    trace.rpcMethod = message.method;
    trace.account = account.slice(0, ACCOUNT_CHARS);
    return {
      client: {
        observer: trace.upstreamObserver(this.metrics.upstreamObserver),
        headers: trace.upstreamHeaders(),
      },
      observe: trace.toolObserver(this.metrics.toolObserver),
      origin: trace.id,
    };
  }

  /** For the job registry's onEnded. */
  readonly jobEnded = (job: Job): void => {
    this.metrics.jobEnded(job.tool, job.state);
    const trace = job.origin === undefined ? undefined : this.jobTraces.get(job.origin);
    // A job that ended within its call was counted in its request's line: only those that went on get one.
    if (!trace) return;
    this.jobTraces.delete(trace.id);
    const { done, total } = job.progress;
    this.write('job', {
      jobId: job.id,
      tool: job.tool,
      state: job.state,
      done,
      ...(total !== undefined && { total }),
      durationMs: Math.round((job.endedAt ?? job.startedAt) - job.startedAt),
      reqId: trace.id,
      ...(trace.account !== undefined && { account: trace.account }),
      upstream: trace.upstream.snapshot(),
    });
  };

  /** `GET /metrics`, the token already checked. */
  async serveMetrics(res: ServerResponse): Promise<void> {
    const { contentType, body } = await this.metrics.scrape();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(body);
    this.metrics.httpAnswered(METRICS_PATH, 200);
  }

  private write(msg: string, fields: Record<string, unknown>): void {
    if (this.logger) this.logger.info(fields, msg);
    else logInfo(`${msg} ${JSON.stringify(fields)}`);
  }
}
