/**
 * Remote mode's Prometheus metrics (`GET /metrics`), with prom-client: the de-facto Node client, which
 * brings the text format, histograms and the process metrics (CPU, memory, event-loop lag, handles).
 *
 * One registry per remote server, not prom-client's global one: two servers in one process (tests, the
 * bench) each count their own. Labels are bounded: tool names, JSON-RPC-free HTTP routes with ids
 * replaced (routeOf), statuses, job states — never an account, a contact or a request id.
 *
 * Counters are fed by hooks (the client's UpstreamObserver, the tools' ToolObserver, the job
 * registry's onEnded); the gauges are read at scrape time from what the server holds (collect).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobRegistry, JobState } from '../jobs/registry.js';
import type { ToolObserver } from '../mcp/context.js';
import type { UpstreamAnswer, UpstreamObserver } from '../vobiz/client.js';

export const METRICS_PREFIX = 'vobiz_mcp_';

/** Where the gauges read from at scrape time. */
export interface MetricsSources {
  /** Requests holding a slot, and waiting for one (admission.ts). */
  requests: () => { running: number; waiting: number };
  /** Upstream requests in flight and waiting for room in their account's pace (pace.ts). */
  upstream: () => { inFlight: number; waiting: number };
  jobs: JobRegistry;
  /** Whether the shared store answers; undefined without REDIS_URL. */
  redisUp?: () => boolean;
}

/** Tool calls last from milliseconds (a get) to the call budget (40 s by default). */
const TOOL_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 60];
/** One API request: a loopback sandbox answers in a millisecond, a busy API in seconds. */
const UPSTREAM_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const JOB_STATES: readonly JobState[] = ['running', 'done', 'failed', 'cancelled'];

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly toolCalls: Counter<'tool' | 'outcome'>;
  private readonly toolSeconds: Histogram<'tool' | 'outcome'>;
  private readonly upstreamRequests: Counter<'method' | 'route' | 'status'>;
  private readonly upstreamSeconds: Histogram<'method' | 'route'>;
  private readonly rateLimited: Counter;
  private readonly retries: Counter<'status'>;
  private readonly jobsEnded: Counter<'tool' | 'state'>;
  private readonly httpRequests: Counter<'path' | 'status'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    const name = (suffix: string) => `${METRICS_PREFIX}${suffix}`;
    collectDefaultMetrics({ register: this.registry });
    this.toolCalls = new Counter({
      name: name('tool_calls_total'),
      help: 'Tool calls answered, by tool and outcome (failure: an isError result; background: answered with a job).',
      labelNames: ['tool', 'outcome'],
      registers,
    });
    this.toolSeconds = new Histogram({
      name: name('tool_call_duration_seconds'),
      help: 'Time from a tool call to its answer, by tool and outcome.',
      labelNames: ['tool', 'outcome'],
      buckets: TOOL_SECONDS,
      registers,
    });
    this.upstreamRequests = new Counter({
      name: name('upstream_requests_total'),
      help: 'Requests sent to the Vobiz API (each attempt), by method, route and status (or network, timeout, cancelled).',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.upstreamSeconds = new Histogram({
      name: name('upstream_request_duration_seconds'),
      help: 'Time of one request to the Vobiz API, from sending to the last byte of its answer.',
      labelNames: ['method', 'route'],
      buckets: UPSTREAM_SECONDS,
      registers,
    });
    this.rateLimited = new Counter({
      name: name('upstream_rate_limited_total'),
      help: 'Answers 429 (rate limited) from the Vobiz API.',
      registers,
    });
    this.retries = new Counter({
      name: name('upstream_retries_total'),
      help: 'Requests to the Vobiz API sent again after a failed attempt, by the status that failed.',
      labelNames: ['status'],
      registers,
    });
    this.jobsEnded = new Counter({
      name: name('jobs_ended_total'),
      help: 'Background jobs ended, by tool and final state.',
      labelNames: ['tool', 'state'],
      registers,
    });
    this.httpRequests = new Counter({
      name: name('http_requests_total'),
      help: 'HTTP requests answered by the remote server, by path and status.',
      labelNames: ['path', 'status'],
      registers,
    });
    new Gauge({
      name: name('requests_in_flight'),
      help: 'MCP requests holding a slot (running).',
      registers,
      collect() {
        this.set(sources.requests().running);
      },
    });
    new Gauge({
      name: name('requests_queued'),
      help: "MCP requests waiting for a slot of their caller's.",
      registers,
      collect() {
        this.set(sources.requests().waiting);
      },
    });
    new Gauge({
      name: name('upstream_in_flight'),
      help: 'Requests to the Vobiz API in flight, all accounts.',
      registers,
      collect() {
        this.set(sources.upstream().inFlight);
      },
    });
    new Gauge({
      name: name('upstream_queued'),
      help: "Requests to the Vobiz API waiting for room in their account's pace, all accounts.",
      registers,
      collect() {
        this.set(sources.upstream().waiting);
      },
    });
    new Gauge({
      name: name('jobs'),
      help: 'Background jobs this instance runs or keeps, by state.',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = sources.jobs.countByState();
        for (const state of JOB_STATES) this.set({ state }, counts[state]);
      },
    });
    const redisUp = sources.redisUp;
    if (redisUp) {
      new Gauge({
        name: name('redis_up'),
        help: '1 while the shared store (REDIS_URL) answers; 0 while the instance runs on its own state.',
        registers,
        collect() {
          this.set(redisUp() ? 1 : 0);
        },
      });
    }
  }

  /** For the tools' context (ToolContext.observe). */
  readonly toolObserver: ToolObserver = ({ tool, outcome, seconds }) => {
    this.toolCalls.inc({ tool, outcome });
    this.toolSeconds.observe({ tool, outcome }, seconds);
  };

  /** For the Vobiz clients (VobizClientOptions.observer). */
  readonly upstreamObserver: UpstreamObserver = {
    answered: (answer: UpstreamAnswer) => {
      const status = String(answer.status);
      this.upstreamRequests.inc({ method: answer.method, route: answer.route, status });
      if (typeof answer.status === 'number') {
        this.upstreamSeconds.observe({ method: answer.method, route: answer.route }, answer.seconds);
      }
      if (answer.status === 429) this.rateLimited.inc();
    },
    retrying: ({ status }) => this.retries.inc({ status: String(status) }),
  };

  jobEnded(tool: string, state: JobState): void {
    this.jobsEnded.inc({ tool, state });
  }

  httpAnswered(path: string, status: number): void {
    this.httpRequests.inc({ path, status: String(status) });
  }

  /** The text format, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
