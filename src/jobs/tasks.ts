/**
 * Jobs as MCP tasks, for 2026-07-28 clients that speak the tasks extension (`io.modelcontextprotocol/
 * tasks`, SEP-2663): a long tools/call past the call budget answers a task handle (`resultType:
 * "task"`) instead of `structuredContent.job`, and the client follows it with `tasks/get` and stops it
 * with `tasks/cancel`. A task is a job (registry.ts) seen through the extension's wire shapes: the same
 * id, owner, bounds and end, so get_job and cancel_job find it too. The SDK (2.4) carries no runtime for
 * the extension; the shapes here follow the extension's 2026-07-28 schema.
 */
import {
  requestCapabilities,
  isInputRequiredResult,
  ProtocolError,
  ProtocolErrorCode,
  type CallToolResult,
  type McpServer,
  type ToolAnswer,
} from '../mcp/sdk.js';
import { z } from 'zod';
import type { ToolExtra } from '../mcp/tool.js';
import { describeJob, questionNotAsked, type JobSettings } from './run-as-job.js';
import type { Job } from './registry.js';

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** How often a client is told to poll: a job's progress moves in round trips of the account, not faster. */
const POLL_INTERVAL_MS = 1_000;

/** Whether the request's client declared the tasks extension (a 2026-07-28 per-request capability). */
export function declaresTasks(extra: ToolExtra): boolean {
  return requestCapabilities(extra)?.extensions?.[TASKS_EXTENSION] !== undefined;
}

type TaskStatus = 'working' | 'completed' | 'failed' | 'cancelled';

/** The extension's Task: status and times, and once ended the call's result (or why it failed). */
function taskOf(job: Job, keepMs: number) {
  const status: TaskStatus = job.running ? 'working' : job.state === 'cancelled' ? 'cancelled' : 'completed';
  return {
    taskId: job.id,
    status,
    statusMessage: describeJob(job),
    createdAt: new Date(job.startedAt).toISOString(),
    lastUpdatedAt: new Date(job.updatedAt).toISOString(),
    // Kept this long after it ends (while it runs, the clock has not started).
    ttlMs: keepMs,
    ...(status === 'working' && { pollIntervalMs: POLL_INTERVAL_MS }),
    ...(status === 'completed' && { result: completedResult(job) }),
  };
}

/**
 * A tool's result, isError or not, is a completed task (the tool ran and answered); a task `failed`
 * would say the request itself failed. A job that stopped at the user's yes after its call had
 * answered completes with a result saying so.
 */
function completedResult(job: Job): ToolAnswer {
  const result = job.result!;
  return isInputRequiredResult(result) ? questionNotAsked(job) : result;
}

/**
 * What a tools/call answers when its work goes on as a task: the extension's handle, carrying the job
 * answer too (`running`: its text and `structuredContent.job`) — which the SDK checks a tool's answer
 * for, and which a host that reads results as tool results shows as they are.
 */
export function taskHandle(job: Job, keepMs: number, running: CallToolResult): ToolAnswer {
  const { result: _result, ...handle } = taskOf(job, keepMs);
  return { ...running, resultType: 'task', ...handle } as ToolAnswer;
}

const TaskIdParams = z.looseObject({ taskId: z.string() });

/**
 * Serves tasks/get and tasks/cancel from the owner's jobs, and says so in the server's capabilities.
 * tasks/update is not served (the SDK refuses to register it, and it would have nothing to do): a job
 * never waits for input mid-way, since a question is asked within the call, before any change.
 */
export function serveTasks(server: McpServer, jobs: JobSettings): void {
  server.server.registerCapabilities({ extensions: { [TASKS_EXTENSION]: {} } });
  const find = (taskId: string): Job => {
    const job = jobs.registry.find(jobs.owner, taskId);
    if (!job) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        'No such task here: tasks live in the server process that started them, and are kept a while after they end.',
      );
    }
    return job;
  };
  server.server.setRequestHandler('tasks/get', { params: TaskIdParams }, ({ taskId }) =>
    taskOf(find(taskId), jobs.registry.keepMs),
  );
  server.server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, async ({ taskId }) => {
    const job = find(taskId);
    job.cancel();
    // Writes in flight finish (each within VOBIZ_TIMEOUT_MS); after this answer nothing more is written.
    await job.settled;
    return {};
  });
}
