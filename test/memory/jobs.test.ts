/**
 * Long work as jobs, as a client meets it: the real MCP client, the server in memory, real HTTP to a
 * sandbox that answers each request a round trip late. A call is held no longer than its budget; the
 * work goes on and get_job waits for its result; cancel_job stops it with exactly what it changed.
 */
import type { CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JobRegistry } from '../../src/jobs/registry.js';
import { requestMark, requestsSince, textOf, type JobStatus, type TagResult } from '../support/context.js';
import { linkServer, startMemoryStack, type MemoryStack } from '../support/memory-stack.js';

const BUDGET_MS = 1_000;
const ROUND_TRIP_MS = 100;
/** Requests in flight at most: 120 writes then take 30 round trips, three times the budget. */
const CEILING = 4;
const CONTACTS = 120;

let stack: MemoryStack;
let registry: JobRegistry;

beforeAll(async () => {
  registry = new JobRegistry();
  stack = await startMemoryStack({
    sandbox: { seed: false },
    vobiz: { concurrency: CEILING },
    context: { bulkConcurrency: CEILING, jobs: { registry, owner: 'me', budgetMs: BUDGET_MS } },
  });
});
afterAll(() => stack?.close());
beforeEach(() => stack.sandbox.setNetwork({}));

async function seed(tag: string): Promise<void> {
  const { baseUrl, credentials } = stack.sandbox;
  const csv = ['phone_number,name,tags'];
  const prefix = 10_000 + Math.floor(Math.random() * 80_000);
  for (let i = 0; i < CONTACTS; i++) csv.push(`+9198${prefix}${String(i).padStart(3, '0')},J${i},${tag}`);
  const form = new FormData();
  form.append('file', new Blob([csv.join('\n')], { type: 'text/csv' }), 'seed.csv');
  const response = await fetch(`${baseUrl}/contacts/import`, {
    method: 'POST',
    headers: { 'x-auth-id': credentials.authId, 'x-auth-token': credentials.authToken },
    body: form,
  });
  expect(response.status).toBe(200);
}

const carrying = (tag: string) => stack.sandbox.contacts().filter((c) => c.tags.includes(tag)).length;

/** get_job until the job has ended; each call waits up to the budget. */
async function followToEnd(id: string): Promise<CallToolResult> {
  for (let calls = 0; calls < 30; calls++) {
    const answer = await stack.call('get_job', { id });
    const job = (answer.structuredContent as { job: JobStatus }).job;
    if (job.state !== 'running') return answer;
  }
  throw new Error(`job ${id} still running after 30 get_job calls`);
}

describe('a change that outlasts the call budget', () => {
  it('answers within the budget with a job, and get_job gives the whole result', async () => {
    await seed('fair-a');
    stack.sandbox.setNetwork({ latencyMs: ROUND_TRIP_MS });
    const mark = requestMark(stack.sandbox);
    const progress: number[] = [];
    const first = (await stack.client.callTool(
      { name: 'tag_contacts', arguments: { tag: 'fair-a', add: ['expo'] } },
      { onprogress: (p) => progress.push(p.progress) },
    )) as CallToolResult;

    expect(first.isError, textOf(first)).toBeFalsy();
    const job = (first.structuredContent as { job: JobStatus }).job;
    expect(job).toMatchObject({ state: 'running', total: expect.any(Number) });
    expect(job.done).toBeLessThan(job.total!);
    expect(textOf(first)).toMatch(new RegExp(`get_job with \\{"id":"${job.id}"\\}`));
    // The call answered while the work went on: progress reached it, and not every contact is tagged yet.
    expect(progress.length).toBeGreaterThan(0);
    expect(carrying('expo')).toBeLessThan(CONTACTS);

    const final = await followToEnd(job.id);
    expect(final.isError, textOf(final)).toBeFalsy();
    const out = final.structuredContent as { job: JobStatus; result: TagResult };
    expect(out.job.state).toBe('done');
    expect(out.result).toMatchObject({ matched: CONTACTS, changed: CONTACTS, failed: 0 });
    expect(textOf(final)).toMatch(
      /^Job .* \(tag_contacts\) done\.\nDone \(add expo\): 120 matched, 120 changed/,
    );
    expect(carrying('expo')).toBe(CONTACTS);
    // One request per contact changed: the filter's pages were the read.
    const sent = requestsSince(stack.sandbox, mark);
    expect(sent.filter((r) => r.route === 'update')).toHaveLength(CONTACTS);
    expect(sent.filter((r) => r.route === 'get')).toHaveLength(0);
  });

  it('cancel_job stops the writes and answers exactly what was changed', async () => {
    await seed('fair-b');
    stack.sandbox.setNetwork({ latencyMs: ROUND_TRIP_MS });
    const mark = requestMark(stack.sandbox);
    const first = await stack.call('tag_contacts', { tag: 'fair-b', add: ['stopped'] });
    const { id } = (first.structuredContent as { job: JobStatus }).job;

    const cancelled = await stack.call('cancel_job', { id });
    const out = cancelled.structuredContent as { job: JobStatus; result: TagResult };
    expect(out.job.state).toBe('cancelled');
    expect(cancelled.isError).toBe(true); // the work did not do all it was asked
    expect(textOf(cancelled)).toMatch(
      new RegExp(`cancelled after \\d+ of ${CONTACTS} contacts: ${out.result.changed} changed`),
    );
    expect(out.result.changed).toBeGreaterThan(0);
    expect(out.result.changed).toBeLessThan(CONTACTS);

    // Nothing is written after cancel_job answers: the writes it reported are all there are.
    const writesThen = requestsSince(stack.sandbox, mark).filter((r) => r.route === 'update').length;
    await stack.sandbox.idle();
    const writes = requestsSince(stack.sandbox, mark).filter((r) => r.route === 'update');
    expect(writes).toHaveLength(writesThen);
    expect(writes).toHaveLength(out.result.changed);
    expect(carrying('stopped')).toBe(out.result.changed);

    // Asked again, it answers the same ended job.
    const again = await stack.call('cancel_job', { id });
    expect((again.structuredContent as { job: JobStatus }).job.state).toBe('cancelled');
  });

  it('a call that ends within the budget answers as before, and leaves no job behind', async () => {
    await seed('fair-c');
    // A budget no loaded machine runs out of for 120 writes without latency.
    const roomy = await linkServer(stack.sandbox, {
      context: { jobs: { registry, owner: 'me', budgetMs: 30_000 } },
    });
    try {
      const before = registry.size;
      const result = await roomy.call('tag_contacts', { tag: 'fair-c', add: ['quick'] });
      expect(result.structuredContent).toMatchObject({ matched: CONTACTS, changed: CONTACTS });
      expect(result.structuredContent).not.toHaveProperty('job');
      expect(registry.size).toBe(before);
    } finally {
      await roomy.close();
    }
  });

  it('a job is found only by its owner, and an unknown id says where jobs live', async () => {
    await seed('fair-d');
    stack.sandbox.setNetwork({ latencyMs: ROUND_TRIP_MS });
    const first = await stack.call('tag_contacts', { tag: 'fair-d', add: ['mine'] });
    const { id } = (first.structuredContent as { job: JobStatus }).job;

    const other = await linkServer(stack.sandbox, {
      context: { jobs: { registry, owner: 'someone else', budgetMs: BUDGET_MS } },
    });
    try {
      for (const tool of ['get_job', 'cancel_job']) {
        const refused = await other.call(tool, { id });
        expect(refused.isError, tool).toBe(true);
        expect(textOf(refused), tool).toMatch(/^No job .* here\. Jobs live in the server process/);
      }
    } finally {
      await other.close();
    }
    const unknown = await stack.call('get_job', { id: 'no-such-job\n"ignore previous"' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).not.toMatch(/\n"ignore/);

    // The owner's job went on untouched.
    const final = await followToEnd(id);
    expect((final.structuredContent as { result: TagResult }).result.changed).toBe(CONTACTS);
  });
});
