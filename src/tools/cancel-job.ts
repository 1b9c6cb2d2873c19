import { Job } from '../jobs/registry.js';
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
    const job = findJob(id, call);
    if (!(job instanceof Job)) return job;
    job.cancel();
    // Writes in flight are not cut (each ends within VOBIZ_TIMEOUT_MS): once they have, nothing more is
    // written, and the result counts them.
    await job.settled;
    return jobAnswer(job);
  },
});
