/**
 * Jobs: tool calls that outlived the call budget and go on in the background (run-as-job.ts). Clients
 * give up on a tool call after a while whatever the server is doing (Claude Desktop after about 60 s),
 * so a long change answers before that with a job id, and `get_job`/`cancel_job` follow it.
 *
 * Jobs live in this process, each known by a random id and its owner (the account, in remote mode), and
 * only its owner finds it. Bounded: at most `maxJobs` kept at once; an ended job is forgotten `keepMs`
 * after it ended, or earlier when room is needed for a new one.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ToolAnswer } from '../mcp/sdk.js';

export type JobState = 'running' | 'done' | 'failed' | 'cancelled';

/** How far a job got, in the units of its progress notifications (contacts, or rows). */
export interface JobProgress {
  done: number;
  total?: number;
  message?: string;
}

export interface JobStatus {
  id: string;
  state: JobState;
  /** While running (an ended job's counts are in its result). */
  done?: number;
  total?: number;
}

/**
 * What get_job and cancel_job need of a job: one of this process's own (Job), or one that another
 * instance runs, read from the shared store (cluster/shared-jobs.ts).
 */
export interface JobView {
  readonly id: string;
  readonly tool: string;
  readonly state: JobState;
  readonly progress: JobProgress;
  /** The result the original call would have given; set once the job has ended. */
  readonly result: ToolAnswer | undefined;
  status(): JobStatus;
  /** Resolves `'ended'` once the job has ended, or `'waiting'` after `ms` or when `signal` aborts. */
  waitFor(ms: number, signal?: AbortSignal): Promise<'ended' | 'waiting'>;
  /** Told each progress step until the job ends or the returned function is called. */
  onProgress(listener: (progress: JobProgress) => void): () => void;
  /** Cancels it and resolves once it has stopped, or after `ms` (then it may still be stopping). */
  stop(ms: number): Promise<void>;
}

/**
 * Where jobs are shared with the other instances (REDIS_URL): told of each job of this process as it
 * starts, moves and ends, and asked for the jobs this process does not have.
 */
export interface JobStore {
  track(job: Job): void;
  find(owner: string, id: string): Promise<JobView | undefined>;
}

export class Job implements JobView {
  readonly id = randomUUID();
  state: JobState = 'running';
  progress: JobProgress = { done: 0 };
  /** The result the original call would have given; set when the job ends. */
  result: ToolAnswer | undefined;
  endedAt: number | undefined;
  /** When it started, and when its state or progress last changed (epoch ms). */
  readonly startedAt: number;
  updatedAt: number;
  /** Settles, never rejects, with the result once the work has stopped. */
  readonly settled: Promise<ToolAnswer>;
  private readonly controller = new AbortController();
  private cancelRequested = false;
  private readonly listeners = new Set<(progress: JobProgress) => void>();
  private readonly now: () => number;

  constructor(
    readonly owner: string,
    readonly tool: string,
    work: (job: Job) => Promise<ToolAnswer>,
    now: () => number,
    /** The id of the request that started it, for the logs. */
    readonly origin?: string,
  ) {
    this.startedAt = now();
    this.updatedAt = this.startedAt;
    this.now = now;
    // The job's work hands its signal to every request it has in flight (up to VOBIZ_CONCURRENCY).
    setMaxListeners(0, this.controller.signal);
    this.settled = Promise.resolve()
      .then(() =>
        this.signal.aborted
          ? {
              isError: true,
              content: [
                { type: 'text' as const, text: `${tool} was cancelled before it started: nothing was done.` },
              ],
            }
          : work(this),
      )
      .catch((error: unknown): ToolAnswer => {
        const reason = error instanceof Error ? error.message : String(error);
        return {
          isError: true,
          content: [{ type: 'text', text: `${tool} stopped unexpectedly: ${reason}` }],
        };
      })
      .then((result) => {
        this.result = result;
        this.endedAt = now();
        this.updatedAt = this.endedAt;
        this.state = this.cancelRequested ? 'cancelled' : result.isError ? 'failed' : 'done';
        this.listeners.clear();
        return result;
      });
  }

  /** The job's own signal: aborted by cancel(); the work starts nothing new once it is. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  async stop(): Promise<void> {
    this.cancel();
    // Writes in flight are not cut (each ends within VOBIZ_TIMEOUT_MS): once they have, nothing more is
    // written, and the result counts them.
    await this.settled;
  }

  cancel(): void {
    if (!this.running) return;
    this.cancelRequested = true;
    this.controller.abort();
  }

  reportProgress(progress: JobProgress): void {
    this.progress = progress;
    this.updatedAt = this.now();
    for (const listener of this.listeners) listener(progress);
  }

  /** Told each progress step until the job ends or the returned function is called. */
  onProgress(listener: (progress: JobProgress) => void): () => void {
    if (this.running) this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): JobStatus {
    if (!this.running) return { id: this.id, state: this.state };
    const { done, total } = this.progress;
    return { id: this.id, state: this.state, done, ...(total !== undefined && { total }) };
  }

  /**
   * Resolves `'ended'` once the job has ended, or `'waiting'` after `ms` or when `signal` aborts,
   * whichever comes first.
   */
  async waitFor(ms: number, signal?: AbortSignal): Promise<'ended' | 'waiting'> {
    if (!this.running) return 'ended';
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const waited = new Promise<'waiting'>((resolve) => {
      timer = setTimeout(() => resolve('waiting'), ms);
      onAbort = () => resolve('waiting');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([this.settled.then(() => 'ended' as const), waited]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }
}

export interface JobRegistryOptions {
  /** Jobs kept at once, running or ended. */
  maxJobs?: number;
  /** How long an ended job can still be asked for. */
  keepMs?: number;
  now?: () => number;
  /** Told as each job ends (remote mode's metrics and job logs, ops/). */
  onEnded?: (job: Job) => void;
  /** Shares the jobs with other instances (REDIS_URL); without it they live in this process only. */
  store?: JobStore;
}

export const DEFAULT_MAX_JOBS = 100;
export const DEFAULT_JOB_KEEP_MS = 15 * 60_000;

export class JobRegistry {
  private readonly jobs = new Map<string, Job>();
  private readonly maxJobs: number;
  readonly keepMs: number;
  private readonly now: () => number;
  private readonly onEnded: ((job: Job) => void) | undefined;
  private readonly store: JobStore | undefined;

  constructor(options: JobRegistryOptions = {}) {
    this.maxJobs = options.maxJobs ?? DEFAULT_MAX_JOBS;
    this.keepMs = options.keepMs ?? DEFAULT_JOB_KEEP_MS;
    this.now = options.now ?? Date.now;
    this.onEnded = options.onEnded;
    this.store = options.store;
  }

  /** A new job running `work`, or why none can start (every place is taken by a running job). */
  start(
    owner: string,
    tool: string,
    work: (job: Job) => Promise<ToolAnswer>,
    origin?: string,
  ): Job | { refused: string } {
    this.prune();
    if (this.jobs.size >= this.maxJobs) {
      return {
        refused:
          `Not started: ${this.maxJobs} jobs are running in this server already. Nothing was changed. ` +
          'Wait for one to end (get_job) or cancel one (cancel_job), then call again.',
      };
    }
    const job = new Job(owner, tool, work, this.now, origin);
    this.jobs.set(job.id, job);
    const onEnded = this.onEnded;
    if (onEnded) void job.settled.then(() => onEnded(job));
    this.store?.track(job);
    return job;
  }

  /** The owner's job with this id; undefined for an unknown id, or another owner's job. */
  find(owner: string, id: string): Job | undefined {
    this.prune();
    const job = this.jobs.get(id);
    return job?.owner === owner ? job : undefined;
  }

  /** The owner's job with this id: this process's own, or one another instance runs (shared store). */
  async lookup(owner: string, id: string): Promise<JobView | undefined> {
    return this.find(owner, id) ?? (await this.store?.find(owner, id));
  }

  /** This process's jobs, running or ended (the shared store writes them again after a loss). */
  list(): Job[] {
    return [...this.jobs.values()];
  }

  /** Forgets a job nobody will ask for (one that ended within its call). */
  forget(job: Job): void {
    this.jobs.delete(job.id);
  }

  /** Cancels every running job and resolves once all have stopped (shutdown). */
  async cancelAll(): Promise<void> {
    const running = [...this.jobs.values()].filter((job) => job.running);
    for (const job of running) job.cancel();
    await Promise.all(running.map((job) => job.settled));
  }

  get size(): number {
    return this.jobs.size;
  }

  /** The jobs kept, by state (metrics). */
  countByState(): Record<JobState, number> {
    const counts: Record<JobState, number> = { running: 0, done: 0, failed: 0, cancelled: 0 };
    for (const job of this.jobs.values()) counts[job.state] += 1;
    return counts;
  }

  /** Drops jobs ended more than keepMs ago and, when full, the ended ones that ended first. */
  private prune(): void {
    const now = this.now();
    const ended = [...this.jobs.values()].filter((job) => job.endedAt !== undefined);
    for (const job of ended) if (now - job.endedAt! >= this.keepMs) this.jobs.delete(job.id);
    if (this.jobs.size < this.maxJobs) return;
    ended.sort((a, b) => a.endedAt! - b.endedAt!);
    for (const job of ended) {
      if (this.jobs.size < this.maxJobs) break;
      this.jobs.delete(job.id);
    }
  }
}
