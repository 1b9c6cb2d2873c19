/**
 * Several instances of the remote server on one real Redis (REDIS_URL), as behind a load balancer: a
 * job started through one is followed and cancelled through the other; two instances working one
 * account stay under its rate limit together; and Redis dying mid-job loses nothing and doubles nothing.
 * Real processes (the built CLI), real HTTP to the sandbox, a real redis-server.
 */
import type { Client, CallToolResult } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { textOf, type JobStatus, type TagResult } from '../support/context.js';
import { redisAvailable, startRedis, type RedisServer } from '../support/redis-server.js';
import {
  approvedArgs,
  call,
  connect,
  operatorEnv,
  startRemote,
  stopRemote,
  waitFor,
  type Remote,
} from '../support/remote-stack.js';

const CONTACTS = 120;
/** Requests of the account in flight at most: 120 writes take 30 round trips, past the budget. */
const CEILING = 4;
const ROUND_TRIP_MS = 100;

const jobOf = (result: CallToolResult) => (result.structuredContent as { job?: JobStatus }).job;

describe.skipIf(!redisAvailable())('several instances on Redis', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  const remotes: Remote[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = await startSandbox({ port: 0, seed: false });
  }, 20_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
    await Promise.all(remotes.splice(0).map((remote) => stopRemote(remote)));
    sandbox.setNetwork({});
  });
  afterAll(async () => {
    await sandbox?.close();
    await redis?.kill();
  });

  /** An instance on the sandbox's account and this Redis, and an MCP client connected to it. */
  async function instance(more: Record<string, string> = {}): Promise<{ remote: Remote; client: Client }> {
    const remote = await startRemote(
      operatorEnv(sandbox, {
        REDIS_URL: redis.url,
        VOBIZ_CALL_BUDGET_MS: '1000',
        VOBIZ_CONCURRENCY: String(CEILING),
        ...more,
      }),
    );
    remotes.push(remote);
    const client = await connect(remote.url);
    clients.push(client);
    return { remote, client };
  }

  async function seed(tag: string, count = CONTACTS): Promise<void> {
    const csv = ['phone_number,name,tags'];
    const prefix = 10_000 + Math.floor(Math.random() * 80_000);
    for (let i = 0; i < count; i++) csv.push(`+9197${prefix}${String(i).padStart(3, '0')},R${i},${tag}`);
    const form = new FormData();
    form.append('file', new Blob([csv.join('\n')], { type: 'text/csv' }), 'seed.csv');
    const response = await fetch(`${sandbox.baseUrl}/contacts/import`, {
      method: 'POST',
      headers: { 'x-auth-id': sandbox.credentials.authId, 'x-auth-token': sandbox.credentials.authToken },
      body: form,
    });
    expect(response.status).toBe(200);
  }

  const carrying = (tag: string) => sandbox.contacts().filter((contact) => contact.tags.includes(tag)).length;

  /** get_job through `client` until the job has ended. */
  async function followToEnd(client: Client, id: string): Promise<CallToolResult> {
    for (let calls = 0; calls < 60; calls++) {
      const answer = await call(client, 'get_job', { id });
      expect(answer.isError, textOf(answer)).toBeFalsy();
      if (jobOf(answer)?.state !== 'running') return answer;
    }
    throw new Error(`job ${id} still running after 60 get_job calls`);
  }

  async function startTagJob(client: Client, tag: string, add: string): Promise<JobStatus> {
    const args = await approvedArgs(client, 'tag_contacts', { tag, add: [add] });
    const first = await call(client, 'tag_contacts', args);
    const job = jobOf(first);
    expect(job, textOf(first)).toBeDefined();
    expect(job!.state).toBe('running');
    return job!;
  }

  it('a job started through A is followed through B to its whole result', async () => {
    await seed('follow-a');
    sandbox.setNetwork({ latencyMs: ROUND_TRIP_MS });
    const a = await instance();
    const b = await instance();
    const job = await startTagJob(a.client, 'follow-a', 'vip');

    const answer = await followToEnd(b.client, job.id);
    expect(jobOf(answer)?.state).toBe('done');
    const result = (answer.structuredContent as { result: TagResult }).result;
    expect(result).toMatchObject({ matched: CONTACTS, changed: CONTACTS, failed: 0 });
    expect(carrying('vip')).toBe(CONTACTS);
    // The work ran on A: its job line is in A's log, not B's.
    await waitFor(() => a.remote.stderr().includes(job.id), "A's job line");
    expect(b.remote.stderr()).not.toMatch(new RegExp(`"msg":"job".*${job.id}|${job.id}.*"msg":"job"`));
  });

  it('a job started through A is cancelled through B: the writes stop on A, and the answer counts them', async () => {
    await seed('cancel-a');
    sandbox.setNetwork({ latencyMs: ROUND_TRIP_MS });
    const a = await instance();
    const b = await instance();
    const job = await startTagJob(a.client, 'cancel-a', 'stopped');

    const cancelled = await call(b.client, 'cancel_job', { id: job.id });
    expect(jobOf(cancelled)?.state, textOf(cancelled)).toBe('cancelled');
    expect(cancelled.structuredContent, textOf(cancelled)).toHaveProperty('result');
    const result = (cancelled.structuredContent as { result: TagResult }).result;
    expect(result.changed).toBeLessThan(CONTACTS);
    // Nothing is written after the answer: what it counts is what the account holds, now and later.
    const atAnswer = carrying('stopped');
    expect(atAnswer).toBe(result.changed);
    await sandbox.idle();
    expect(carrying('stopped')).toBe(atAnswer);
    // A, where the work ran, says the same.
    const fromA = await call(a.client, 'get_job', { id: job.id });
    expect(jobOf(fromA)?.state).toBe('cancelled');
  });

  it('two instances on one account stay under its rate limit together', async () => {
    // bench/instances.js's set-up: there two instances each on its own had ~14% answered 429 (and
    // writes failed after their retries); one instance doing all the work ~7%.
    const PER_INSTANCE = 300;
    await seed('rate-a', PER_INSTANCE);
    await seed('rate-b', PER_INSTANCE);
    sandbox.setNetwork({ latencyMs: 50, rateLimit: { perSecond: 100, burst: 25 } });
    const a = await instance({ VOBIZ_CONCURRENCY: '32' });
    const b = await instance({ VOBIZ_CONCURRENCY: '32' });
    sandbox.resetStats();

    const jobs = await Promise.all([
      startTagJob(a.client, 'rate-a', 'wave'),
      startTagJob(b.client, 'rate-b', 'wave'),
    ]);
    const [doneA, doneB] = await Promise.all([
      followToEnd(a.client, jobs[0].id),
      followToEnd(b.client, jobs[1].id),
    ]);
    for (const answer of [doneA, doneB]) {
      expect((answer.structuredContent as { result: TagResult }).result).toMatchObject({
        changed: PER_INSTANCE,
        failed: 0,
      });
    }
    const { requests, rateLimited } = sandbox.stats();
    expect(requests).toBeGreaterThanOrEqual(2 * PER_INSTANCE);
    expect(rateLimited / requests).toBeLessThan(0.1);
  });

  it('an approval token is spent once across the instances that share the secret and Redis', async () => {
    await seed('spend-once', 3);
    const shared = {
      MCP_HTTP_SESSION_SECRET: 'a-session-secret-shared-by-both-instances',
      VOBIZ_CONFIRM_THRESHOLD: '2',
    };
    const a = await instance(shared);
    const b = await instance(shared);
    const add = { tag: 'spend-once', add: ['once'] };
    const approved = await approvedArgs(a.client, 'tag_contacts', add);
    const applied = await call(a.client, 'tag_contacts', approved);
    expect(applied.isError, textOf(applied)).toBeFalsy();
    expect(carrying('once')).toBe(3);
    // Undone, so that the same change would change the same contacts again.
    const undo = await approvedArgs(a.client, 'tag_contacts', { tag: 'spend-once', remove: ['once'] });
    expect((await call(a.client, 'tag_contacts', undo)).isError).toBeFalsy();
    expect(carrying('once')).toBe(0);

    const replay = await call(b.client, 'tag_contacts', approved);
    expect(replay.isError).toBe(true);
    expect(textOf(replay)).toMatch(/^Not done: the approval given has been used already/);
    expect(carrying('once')).toBe(0);
  });

  it('Redis killed mid-job: the job ends on its instance, every write made once, and one log line says so', async () => {
    await seed('loss-a');
    sandbox.setNetwork({ latencyMs: ROUND_TRIP_MS });
    const a = await instance();
    sandbox.resetStats();
    const job = await startTagJob(a.client, 'loss-a', 'kept');
    await waitFor(() => carrying('kept') > 0, 'the first writes');
    await redis.kill();

    const answer = await followToEnd(a.client, job.id);
    expect(jobOf(answer)?.state).toBe('done');
    expect((answer.structuredContent as { result: TagResult }).result).toMatchObject({
      matched: CONTACTS,
      changed: CONTACTS,
      failed: 0,
    });
    expect(carrying('kept')).toBe(CONTACTS);
    // One write per contact: none lost, none sent twice.
    expect(sandbox.stats().byRoute.update).toBe(CONTACTS);
    expect(a.remote.stderr().match(/Redis unreachable/g)).toHaveLength(1);
    redis = await startRedis(); // for any test after this one
  });
});
