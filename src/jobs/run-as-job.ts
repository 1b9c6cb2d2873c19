/**
 * A long tool call, held no longer than the call budget. The work runs as a job from the start; if it
 * ends within the budget the call answers as it always did, and the job is forgotten. Otherwise the call
 * answers with `structuredContent.job` and the work goes on, followed by get_job and stopped by
 * cancel_job. Until that answer the call is what it was: its progress notifications reach the caller,
 * and a cancel of the call cancels the work.
 */
import { errorResult } from '../mcp/results.js';
import { isSpecType, type CallToolResult, type ToolAnswer } from '../mcp/sdk.js';
import { z } from 'zod';
import type { ToolExtra } from '../mcp/tool.js';
import type { Job, JobRegistry, JobView } from './registry.js';
import { declaresTasks, taskHandle } from './tasks.js';

export interface JobSettings {
  registry: JobRegistry;
  /** Whose jobs these are: the account, in remote mode (its requests may come through any connection). */
  owner: string;
  /** How long a tool call is held before long work goes on as a job (VOBIZ_CALL_BUDGET_MS). */
  budgetMs: number;
  /** Told of a job that outlives its call: remote mode keeps the call's client open until it settles. */
  retain?: (settled: Promise<unknown>) => void;
  /** The id of the request whose calls start jobs here, for the logs. */
  origin?: string;
}

export const jobOutput = z
  .object({
    id: z.string(),
    state: z.enum(['running', 'done', 'failed', 'cancelled']),
    done: z
      .number()
      .optional()
      .describe('While running: progress out of total (reading, then writing, counted together).'),
    total: z.number().optional(),
  })
  .describe(
    'Present when the work goes on in the background: follow it with get_job, stop it with cancel_job.',
  );

/** A progress token for the work's own reporter when the caller asked for none: the job counts anyway. */
const UNASKED = '__job__';

export async function runAsJob(
  tool: string,
  extra: ToolExtra,
  jobs: JobSettings,
  work: (extra: ToolExtra) => Promise<ToolAnswer>,
): Promise<ToolAnswer> {
  const callerToken = extra._meta?.progressToken;
  let attached = true;
  const started = jobs.registry.start(
    jobs.owner,
    tool,
    (job) =>
      work({
        ...extra,
        signal: job.signal,
        _meta: { ...extra._meta, progressToken: callerToken ?? UNASKED },
        notify: async (notification) => {
          if (isSpecType.ProgressNotification(notification)) {
            const { progress, total, message } = notification.params;
            job.reportProgress({
              done: progress,
              ...(total !== undefined && { total }),
              ...(message !== undefined && { message }),
            });
            if (!attached || callerToken === undefined) return;
            return extra.notify({
              ...notification,
              params: { ...notification.params, progressToken: callerToken },
            });
          }
          // Once the call has answered, nothing more can be sent on its behalf.
          if (attached) return extra.notify(notification);
        },
      }),
    jobs.origin,
  );
  if ('refused' in started) return errorResult(started.refused);
  const job = started;
  // The caller's cancel, while the call is open, cancels the work: what a cancel did before jobs.
  const cancel = () => job.cancel();
  if (extra.signal.aborted) cancel();
  extra.signal.addEventListener('abort', cancel, { once: true });
  const outcome = await job.waitFor(jobs.budgetMs);
  extra.signal.removeEventListener('abort', cancel);
  if (outcome === 'ended') {
    jobs.registry.forget(job);
    return job.result!;
  }
  attached = false;
  jobs.retain?.(job.settled);
  // A client that speaks the tasks extension gets a task handle, which it follows by itself.
  const running = runningResult(job, jobs.budgetMs);
  return declaresTasks(extra) ? taskHandle(job, jobs.registry.keepMs, running) : running;
}

/** What a call answers when its work goes on as a job. */
export function runningResult(job: Job, budgetMs: number): CallToolResult {
  const status = job.status();
  return {
    structuredContent: { job: status },
    content: [{ type: 'text', text: `${describeJob(job)}\n${howToFollow(job, budgetMs)}` }],
  };
}

/**
 * "Job 1f0c… (tag_contacts) is running: 84 of 609 contacts." — the tool's own words for where it is,
 * which count what it is doing now (a scan's pages, then the writes); `done`/`total` of the structured
 * status count both phases together.
 */
export function describeJob(job: JobView): string {
  const { done, total, message } = job.progress;
  const where = message ?? (total !== undefined ? `${done} of ${total} done` : `${done} done`);
  return `Job ${job.id} (${job.tool}) is ${job.state}: ${where}.`;
}

function howToFollow(job: Job, budgetMs: number): string {
  return (
    `It goes on in the background. Call get_job with {"id":"${job.id}"} for the result ` +
    `(it waits up to ${Math.round(budgetMs / 1000)} s for the job to end), or cancel_job to stop it.`
  );
}

/**
 * What a job answers when its work got as far as the user's yes after its call had answered: the
 * question went nowhere (it travels only in the call's own answer), and nothing was changed.
 */
export function questionNotAsked(job: { id: string; tool: string }): CallToolResult {
  return errorResult(
    `Job ${job.id} (${job.tool}) stopped before changing anything: it needs the user's yes. ` +
      `Call ${job.tool} again with the same arguments to be asked.`,
  );
}
