import { Job } from '../jobs/registry.js';
import { findJob, jobAnswer, jobIdInput, jobResultOutput } from './get-job.js';
import { defineTool } from './tool.js';

export const cancelJob = defineTool({
  name: 'cancel_job',
  title: 'Stop a background job',
  description:
    'Stop a job that a long call left running in the background. No write starts after this answers; ' +
    "the writes already sent finish, and the answer is the job's result: exactly what it changed. A job " +
    'that has ended already is left as it is and its result is answered.',
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
