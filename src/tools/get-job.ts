import { z } from 'zod';
import { isInputRequiredResult, type CallToolResult } from '../mcp/sdk.js';
import { describeJob, jobOutput, questionNotAsked } from '../jobs/run-as-job.js';
import type { JobView } from '../jobs/registry.js';
import { renderText } from '../render.js';
import { progressReporter } from '../mcp/progress.js';
import { errorResult } from '../mcp/results.js';
import { defineTool, type ToolCall } from '../mcp/tool.js';

export const jobIdInput = {
  id: z.string().min(1).max(100).describe('The job id a long call answered with.'),
};

export const jobResultOutput = {
  job: jobOutput,
  result: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('Once the job has ended: the structured result the original call would have given.'),
};

export const getJob = defineTool({
  name: 'get_job',
  title: 'Follow a background job',
  description:
    'The state of a background job (tag_contacts, import_contacts_csv and list_tags answer with one ' +
    'when their work outlasts a call). Waits up to the call budget for it to end, then answers the ' +
    'original call\'s result; while the state is "running", call again.',
  input: jobIdInput,
  output: jobResultOutput,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run({ id }, call) {
    const job = await findJob(id, call);
    if ('content' in job) return job;
    const jobs = call.context.jobs!;
    // The job's progress reaches this call too, while it waits.
    const progress = progressReporter(call.extra);
    const unsubscribe = job.onProgress(({ done, total, message }) => {
      void progress.report(done, total, message ?? `${done} done`).catch(() => undefined);
    });
    try {
      await job.waitFor(jobs.budgetMs, call.extra.signal);
    } finally {
      unsubscribe();
    }
    return jobAnswer(job);
  },
});

/** The caller's job with this id, or the error result that says why there is none. */
export async function findJob(id: string, { context }: ToolCall): Promise<JobView | CallToolResult> {
  const job = await context.jobs?.registry.lookup(context.jobs.owner, id);
  if (job) return job;
  const keptMinutes = Math.round((context.jobs?.registry.keepMs ?? 0) / 60_000);
  return errorResult(
    `No job ${renderText(id, { quote: 'unless-plain', max: 100 })} here. Jobs live in the server process ` +
      `that started them and are kept ${keptMinutes} minutes after they end; a restarted server has none. ` +
      'Check the id the long call answered with.',
  );
}

/** The job's state, with the original call's whole answer once it has ended. */
export function jobAnswer(job: JobView): CallToolResult {
  const status = job.status();
  const result = job.result;
  if (!result) {
    return {
      structuredContent: { job: status },
      content: [{ type: 'text', text: `${describeJob(job)} Call get_job again to wait for the result.` }],
    };
  }
  if (isInputRequiredResult(result)) return { ...questionNotAsked(job), structuredContent: { job: status } };
  const text = result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
  return {
    structuredContent: {
      job: status,
      ...(result.structuredContent !== undefined && { result: result.structuredContent }),
    },
    content: [{ type: 'text', text: `Job ${job.id} (${job.tool}) ${job.state}.\n${text}` }],
    ...(result.isError && { isError: true }),
  };
}
