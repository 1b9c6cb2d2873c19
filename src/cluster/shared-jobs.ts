/**
 * Background jobs shared by the instances through Redis: a job runs on the instance whose call started
 * it, and any instance can follow it (get_job) or cancel it (cancel_job).
 *
 * - The running instance writes each of its jobs to a hash, `vobiz-mcp:job:<id>`: owner (the account's
 *   key), tool, state, progress and, once ended, the result. Progress is written at most every
 *   PROGRESS_WRITE_MS; a running job's hash is written again every HEARTBEAT_MS and expires after
 *   RUNNING_TTL_MS without one (its instance died: the job is gone, as it would be on a restart); an ended
 *   job's hash expires after the registry's keep time, as the local job does.
 * - Another instance reads the hash, and polls it while get_job waits.
 * - cancel_job elsewhere sets `cancel` in the hash and publishes the id on `vobiz-mcp:job-cancel`; the
 *   running instance, subscribed, cancels at once, and its heartbeat reads the flag too in case the
 *   message was missed.
 * - Every write sets the whole state (HSET of the fields): a write repeated after a loss changes
 *   nothing, and one lost is made good by the next. While Redis is down the running instance goes on
 *   with its own state, and writes every job of its own again once Redis is back.
 */
import { randomUUID } from 'node:crypto';
import type { ToolAnswer } from '../mcp/sdk.js';
import type { Job, JobProgress, JobState, JobStatus, JobStore, JobView } from '../jobs/registry.js';
import { KEY_PREFIX, type RedisLink } from './redis-link.js';

const CANCEL_CHANNEL = `${KEY_PREFIX}job-cancel`;
const PROGRESS_WRITE_MS = 200;
const HEARTBEAT_MS = 5_000;
const RUNNING_TTL_MS = 30_000;
/** How often another instance reads a job it waits on. */
const POLL_MS = 200;
const JOB_STATES: readonly JobState[] = ['running', 'done', 'failed', 'cancelled'];

const keyOf = (id: string) => `${KEY_PREFIX}job:${id}`;

export class SharedJobs implements JobStore {
  /** This instance's jobs still to be written: running ones, and ended ones whose last write failed. */
  private readonly mine = new Map<string, Job>();
  private readonly pending = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly instance = randomUUID();

  constructor(
    private readonly link: RedisLink,
    /** How long an ended job is kept (the registry's keepMs). */
    private readonly keepMs: number,
  ) {
    link.subscriber.on('message', (channel: string, id: string) => {
      if (channel === CANCEL_CHANNEL) this.mine.get(id)?.cancel();
    });
    void link.subscriber.subscribe(CANCEL_CHANNEL).catch(() => undefined);
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS).unref();
    link.whenBack(() => {
      for (const id of this.mine.keys()) this.pending.add(id);
      void this.flush();
    });
  }

  track(job: Job): void {
    this.mine.set(job.id, job);
    this.pending.add(job.id);
    void this.flush();
    job.onProgress(() => this.schedule(job.id));
    void job.settled.then(() => {
      this.pending.add(job.id);
      return this.flush();
    });
  }

  async find(owner: string, id: string): Promise<JobView | undefined> {
    const record = await this.read(id);
    return record?.owner === owner ? new SharedJobView(record, this) : undefined;
  }

  /** The record of a job, or undefined when there is none (or Redis does not answer). */
  async read(id: string): Promise<JobRecord | undefined> {
    const fields = await this.link.attempt((redis) => redis.hgetall(keyOf(id)));
    return fields === undefined ? undefined : recordOf(id, fields);
  }

  async requestCancel(id: string): Promise<void> {
    await this.link.attempt((redis) =>
      redis.multi().hset(keyOf(id), 'cancel', '1').publish(CANCEL_CHANNEL, id).exec(),
    );
  }

  close(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.flushTimer);
  }

  private schedule(id: string): void {
    this.pending.add(id);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, PROGRESS_WRITE_MS);
  }

  /** Writes the pending jobs; those that could not be written stay pending. */
  private async flush(): Promise<void> {
    const ids = [...this.pending];
    this.pending.clear();
    if (ids.length === 0) return;
    const jobs = ids.map((id) => this.mine.get(id)).filter((job): job is Job => job !== undefined);
    const written = await this.link.attempt(async (redis) => {
      const batch = redis.multi();
      for (const job of jobs) {
        batch.hset(keyOf(job.id), this.fieldsOf(job));
        batch.pexpire(keyOf(job.id), job.running ? RUNNING_TTL_MS : this.keepMs);
      }
      await batch.exec();
      return true;
    });
    if (!written) {
      for (const job of jobs) this.pending.add(job.id);
      // Bounded while Redis stays away: a job ended longer ago than it would be kept is not written.
      const now = Date.now();
      for (const job of jobs) {
        if (job.endedAt !== undefined && now - job.endedAt >= this.keepMs) this.mine.delete(job.id);
      }
      return;
    }
    // An ended job written is the store's to keep; this instance keeps its own copy in the registry.
    for (const job of jobs) if (!job.running) this.mine.delete(job.id);
  }

  /** Keeps the running jobs' records alive, and reads cancels that a missed message did not bring. */
  private async beat(): Promise<void> {
    const running = [...this.mine.values()].filter((job) => job.running);
    if (running.length === 0) return;
    const flags = await this.link.attempt((redis) => {
      const batch = redis.multi();
      for (const job of running) batch.hget(keyOf(job.id), 'cancel');
      return batch.exec();
    });
    flags?.forEach(([, flag], index) => {
      if (flag === '1') running[index]?.cancel();
    });
    for (const job of running) this.pending.add(job.id);
    await this.flush();
  }

  private fieldsOf(job: Job): Record<string, string> {
    const { done, total, message } = job.progress;
    return {
      owner: job.owner,
      tool: job.tool,
      state: job.state,
      done: String(done),
      ...(total !== undefined && { total: String(total) }),
      ...(message !== undefined && { message }),
      ...(job.result !== undefined && { result: JSON.stringify(job.result) }),
      instance: this.instance,
    };
  }
}

interface JobRecord {
  id: string;
  owner: string;
  tool: string;
  state: JobState;
  progress: JobProgress;
  result: ToolAnswer | undefined;
}

function recordOf(id: string, fields: Record<string, string>): JobRecord | undefined {
  const { owner, tool, state, done, total, message, result } = fields;
  if (owner === undefined || tool === undefined || !JOB_STATES.includes(state as JobState)) return undefined;
  let parsed: ToolAnswer | undefined;
  try {
    parsed = result === undefined ? undefined : (JSON.parse(result) as ToolAnswer);
  } catch {
    parsed = undefined;
  }
  return {
    id,
    owner,
    tool,
    state: state as JobState,
    progress: {
      done: Number(done ?? 0),
      ...(total !== undefined && { total: Number(total) }),
      ...(message !== undefined && { message }),
    },
    result: parsed,
  };
}

/** A job another instance runs, as its record says; read again while a call waits on it. */
class SharedJobView implements JobView {
  private readonly listeners = new Set<(progress: JobProgress) => void>();

  constructor(
    private record: JobRecord,
    private readonly store: SharedJobs,
  ) {}

  get id(): string {
    return this.record.id;
  }
  get tool(): string {
    return this.record.tool;
  }
  get state(): JobState {
    return this.record.state;
  }
  get progress(): JobProgress {
    return this.record.progress;
  }
  get result(): ToolAnswer | undefined {
    return this.record.result;
  }

  status(): JobStatus {
    const { done, total } = this.record.progress;
    return { id: this.id, state: this.state, done, ...(total !== undefined && { total }) };
  }

  onProgress(listener: (progress: JobProgress) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async waitFor(ms: number, signal?: AbortSignal): Promise<'ended' | 'waiting'> {
    const until = Date.now() + ms;
    while (this.state === 'running') {
      const left = until - Date.now();
      if (left <= 0 || signal?.aborted) return 'waiting';
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
      const next = await this.store.read(this.id);
      // Gone (expired, or Redis lost): what was last read stands.
      if (!next) continue;
      const moved = next.progress.done !== this.record.progress.done;
      this.record = next;
      if (moved) for (const listener of this.listeners) listener(next.progress);
    }
    return 'ended';
  }

  async stop(ms: number): Promise<void> {
    if (this.state !== 'running') return;
    await this.store.requestCancel(this.id);
    await this.waitFor(ms);
  }
}
