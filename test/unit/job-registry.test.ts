import type { CallToolResult } from '@modelcontextprotocol/client';
import { describe, expect, it } from 'vitest';
import { Job, JobRegistry } from '../../src/jobs/registry.js';

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

/** Work that ends when the test says, with the result it is given. */
function controlled() {
  let finish!: (result: CallToolResult) => void;
  const work = (job: Job) =>
    new Promise<CallToolResult>((resolve) => {
      finish = resolve;
      job.signal.addEventListener('abort', () => resolve({ ...text('stopped'), isError: true }));
    });
  return { work, finish: (result: CallToolResult) => finish(result) };
}

describe('JobRegistry', () => {
  it('finds a job only for its owner, and says how it ended', async () => {
    const registry = new JobRegistry();
    const ok = controlled();
    const job = registry.start('alice', 'tag_contacts', ok.work) as Job;
    expect(registry.find('alice', job.id)).toBe(job);
    expect(registry.find('bob', job.id)).toBeUndefined();
    expect(registry.find('alice', 'made-up')).toBeUndefined();
    expect(job.status()).toMatchObject({ state: 'running', done: 0 });
    await Promise.resolve(); // the work starts on the next tick
    ok.finish(text('Done'));
    await job.settled;
    expect(job.status().state).toBe('done');

    const failing = registry.start('alice', 'import_contacts_csv', async () => ({
      ...text('no'),
      isError: true,
    })) as Job;
    await failing.settled;
    expect(failing.state).toBe('failed');

    const cancelled = controlled();
    const stopped = registry.start('alice', 'tag_contacts', cancelled.work) as Job;
    await Promise.resolve();
    stopped.cancel();
    await stopped.settled;
    expect(stopped.state).toBe('cancelled');
  });

  it('keeps at most maxJobs, dropping the ended ones first, and refuses when all are running', async () => {
    const registry = new JobRegistry({ maxJobs: 2 });
    const first = registry.start('a', 't', async () => text('1')) as Job;
    await first.settled;
    const running = controlled();
    const second = registry.start('a', 't', running.work) as Job;
    const third = registry.start('a', 't', controlled().work) as Job;
    // The ended job made room for the third; now both places hold running jobs.
    expect(registry.find('a', first.id)).toBeUndefined();
    expect(registry.find('a', second.id)).toBe(second);
    const refused = registry.start('a', 't', controlled().work);
    expect(refused).toEqual({ refused: expect.stringMatching(/^Not started: 2 jobs are running/) });
    await registry.cancelAll();
    expect([second.state, third.state]).toEqual(['cancelled', 'cancelled']);
  });

  it('forgets an ended job keepMs after it ended', async () => {
    let now = 1_000;
    const registry = new JobRegistry({ keepMs: 60_000, now: () => now });
    const job = registry.start('a', 't', async () => text('done')) as Job;
    await job.settled;
    now += 59_999;
    expect(registry.find('a', job.id)).toBe(job);
    now += 1;
    expect(registry.find('a', job.id)).toBeUndefined();
  });

  it('waitFor answers "waiting" at the time given, and "ended" as soon as the job ends', async () => {
    const registry = new JobRegistry();
    const work = controlled();
    const job = registry.start('a', 't', work.work) as Job;
    expect(await job.waitFor(1)).toBe('waiting');
    const waiting = job.waitFor(60_000);
    await Promise.resolve();
    work.finish(text('done'));
    expect(await waiting).toBe('ended');
  });
});
