import { findJob, jobAnswer, jobIdInput, jobResultOutput } from './get-job.js';
import { defineTool } from '../mcp/tool.js';

export const cancelJob = defineTool({
  name: 'cancel_job',
  title: 'Stop a background job',
  description:
    'Stop a background job. No write starts after this answers; writes already sent finish. Answers ' +
    "the job's result: exactly what it changed. A job that has ended is left as it is.",
  input: jobIdInput,
  output: jobResultOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run({ id }, call) {
    const job = await findJob(id, call);
    if ('content' in job) return job;
    // A job another instance runs may take a while to hear of it: its state is answered after a budget.
    await job.stop(call.context.jobs!.budgetMs);
    return jobAnswer(job);
  },
});
