/**
 * The main job on a real account, as a client meets it: the real MCP client, real HTTP to a sandbox with
 * a round trip and a per-account rate limit. Under a 429 storm and faults mid-job no contact is lost or
 * written twice; a scan reads its pages side by side and counts what one page at a time would; a scan
 * whose pages do not add up, or whose list shrank under it, is never called complete; a remote job is
 * followed through another request. Timings are the bench's (bench/real-network.js), never asserted here.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateContacts, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { fromTable } from '../../src/mcp/table.js';
import { requestMark, requestsSince, textOf } from '../support/context.js';
import { startMemoryStack, type MemoryStack } from '../support/memory-stack.js';
import {
  approvedArgs,
  call,
  connect,
  operatorEnv,
  startRemote,
  stopRemote,
  structured,
} from '../support/remote-stack.js';

interface TagResult {
  matched: number;
  changed: number;
  unchanged: number;
  failed: number;
  failures: Parameters<typeof fromTable>[0];
}

let stack: MemoryStack;
const ACCOUNT = 'MA_SANDBOX1';

beforeAll(async () => {
  stack = await startMemoryStack({
    sandbox: { contacts: generateContacts(2_500, { accountId: ACCOUNT, seed: 7 }) },
    vobiz: { concurrency: 16, retry: { baseDelayMs: 5, maxRetries: 6 } },
    context: { bulkConcurrency: 16 },
  });
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.sandbox.setNetwork({});
  stack.sandbox.faults.clear();
});

/** Tags, counted from the sandbox's own store: what a scan that read everything must find. */
function countedInStore(sandbox: Sandbox): Map<string, number> {
  const counts = new Map<string, number>();
  for (const contact of sandbox.contacts()) {
    for (const tag of new Set(contact.tags)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  return counts;
}

describe('scans read pages side by side', () => {
  it('list_tags counts every contact once, as the store holds them, in one request per page', async () => {
    stack.sandbox.setNetwork({ latencyMs: 20 });
    stack.sandbox.resetStats();
    const result = await stack.call('list_tags', { max_scan: 100_000 });
    const out = result.structuredContent as { tags: [string, number][]; complete: boolean; scanned: number };
    expect(out).toMatchObject({ complete: true, scanned: 2_500 });
    expect(new Map(out.tags)).toEqual(countedInStore(stack.sandbox));
    const stats = stack.sandbox.stats();
    expect(stats.byRoute.list).toBe(25);
    expect(stats.maxInFlight).toBeGreaterThan(1);
  });

  it('a page saying it is the last while the total counts more is not the end', async () => {
    stack.sandbox.faults.inject({ fault: { kind: 'premature_end' }, route: 'list', page: 3 });
    const tags = await stack.call('list_tags', { max_scan: 100_000 });
    expect(tags.structuredContent).toMatchObject({ complete: false, stopped: 'short_of_total' });
    expect(textOf(tags)).toMatch(
      /paging contradicts itself: the API said no page follows page 3, yet counts 2500/,
    );

    const mark = requestMark(stack.sandbox);
    stack.sandbox.faults.inject({ fault: { kind: 'premature_end' }, route: 'list', page: 3 });
    const tagged = await stack.call('tag_contacts', {
      where: { untagged: false },
      add: ['x'],
      max_contacts: 5_000,
    });
    expect(tagged.isError).toBe(true);
    expect(textOf(tagged)).toMatch(
      /^Nothing was changed: not every contact the filters could select was read/,
    );
    expect(requestsSince(stack.sandbox, mark).filter((r) => r.route !== 'list')).toEqual([]);
  });

  it('contacts deleted while the list is read make the scan incomplete, never "complete"', async () => {
    stack.sandbox.faults.inject({ fault: { kind: 'concurrent_delete', count: 3 }, route: 'list', page: 4 });
    const tags = await stack.call('list_tags', { max_scan: 100_000 });
    expect(tags.structuredContent).toMatchObject({ complete: false, stopped: 'list_changed' });
    expect(textOf(tags)).toMatch(/3 contacts were deleted while the list was read \(2500 → 2497\)/);
  });

  it('a write answered 200 without the tag is a failure, not "changed"', async () => {
    const [first] = stack.sandbox.contacts();
    stack.sandbox.faults.inject({ fault: { kind: 'unapplied_update' }, route: 'update' });
    const result = await stack.call('tag_contacts', { ids: [first!.id], add: ['lost-on-the-way'] });
    expect(result.structuredContent).toMatchObject({ changed: 0, failed: 1 });
    const out = result.structuredContent as unknown as TagResult;
    expect(fromTable<{ reason: string }>(out.failures)[0]?.reason).toMatch(
      /accepted the write, but answered with tags .* without the change/,
    );
  });
});

describe('writes at the account pace', () => {
  it('a 429 storm loses no contact and writes none twice', { timeout: 90_000 }, async () => {
    const ids = stack.sandbox
      .contacts()
      .slice(0, 150)
      .map((contact) => contact.id);
    // A burst of a tenth of a second: the account's first requests already meet the limit.
    stack.sandbox.setNetwork({ latencyMs: 20, rateLimit: { perSecond: 200, burst: 20 } });
    stack.sandbox.resetStats();
    const mark = requestMark(stack.sandbox);
    const result = await stack.call('tag_contacts', { ids, add: ['storm'] });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ matched: 150, changed: 150, failed: 0 });
    // The limit was met, and each contact written exactly once (a 429 applies nothing).
    expect(stack.sandbox.stats().rateLimited).toBeGreaterThan(0);
    const applied = requestsSince(stack.sandbox, mark).filter(
      (r) => r.route === 'update' && r.status === 200,
    );
    expect(applied).toHaveLength(150);
    expect(new Set(applied.map((r) => r.path)).size).toBe(150);
    const carrying = stack.sandbox.contacts().filter((c) => c.tags.includes('storm'));
    expect(carrying).toHaveLength(150);
    expect(carrying.every((c) => c.tags.filter((tag) => tag === 'storm').length === 1)).toBe(true);
  });

  it('faults mid-run (applied then 500, dropped connections, 503s): every contact once, counts true', async () => {
    const ids = stack.sandbox
      .contacts()
      .slice(300, 400)
      .map((contact) => contact.id);
    stack.sandbox.setNetwork({ latencyMs: 5 });
    for (const fault of [
      { kind: 'error_after_write', status: 502 },
      { kind: 'drop_connection' },
      { kind: 'server_error', status: 503 },
    ] as const) {
      stack.sandbox.faults.inject({ fault, route: 'update', times: 3 });
    }
    const result = await stack.call('tag_contacts', { ids, add: ['weathered'] });
    expect(result.structuredContent).toMatchObject({ matched: 100, changed: 100, failed: 0 });
    const carrying = stack.sandbox.contacts().filter((c) => c.tags.includes('weathered'));
    expect(carrying).toHaveLength(100);
    expect(carrying.every((c) => c.tags.filter((tag) => tag === 'weathered').length === 1)).toBe(true);
  });
});

describe('remote mode', () => {
  it(
    'a job started by one request is followed to its end by another, with the client kept open',
    {
      timeout: 90_000,
    },
    async () => {
      const sandbox = await startSandbox({ seed: false });
      const remote = await startRemote(
        operatorEnv(sandbox, { VOBIZ_CALL_BUDGET_MS: '1000', VOBIZ_CONCURRENCY: '2' }),
      );
      try {
        const first = await connect(remote.url);
        const csv = [
          'phone_number,name,tags',
          ...Array.from({ length: 60 }, (_, i) => `+9198765${String(i).padStart(5, '0')},R${i},remote`),
        ];
        structured(await call(first, 'import_contacts_csv', { csv: csv.join('\n') }));
        sandbox.setNetwork({ latencyMs: 100 });
        const followed = await approvedArgs(first, 'tag_contacts', { tag: 'remote', add: ['followed'] });
        const started = await call(first, 'tag_contacts', followed);
        const job = (started.structuredContent as { job?: { id: string; state: string } }).job;
        expect(job?.state, textOf(started)).toBe('running');
        await first.close();

        // Another connection of the same account follows it; the work went on after its request ended.
        const second = await connect(remote.url);
        let answer = await call(second, 'get_job', { id: job!.id });
        for (
          let calls = 0;
          (answer.structuredContent as { job: { state: string } }).job.state === 'running';
          calls++
        ) {
          expect(calls).toBeLessThan(30);
          answer = await call(second, 'get_job', { id: job!.id });
        }
        expect(answer.structuredContent).toMatchObject({
          job: { state: 'done' },
          result: { changed: 60, failed: 0 },
        });
        expect(sandbox.contacts().filter((c) => c.tags.includes('followed'))).toHaveLength(60);

        // Another job, cancelled through another connection after its own request has ended.
        const halt = await approvedArgs(second, 'tag_contacts', { tag: 'remote', add: ['halted'] });
        const next = await call(second, 'tag_contacts', halt);
        const halted = (next.structuredContent as { job?: { id: string } }).job;
        expect(halted, textOf(next)).toBeDefined();
        await second.close();
        const third = await connect(remote.url);
        const cancelled = await call(third, 'cancel_job', { id: halted!.id });
        const out = cancelled.structuredContent as { job: { state: string }; result: { changed: number } };
        expect(out.job.state, textOf(cancelled)).toBe('cancelled');
        expect(textOf(cancelled)).toMatch(/tag_contacts cancelled after \d+ of 60 contacts/);
        expect(sandbox.contacts().filter((c) => c.tags.includes('halted'))).toHaveLength(out.result.changed);
        await third.close();
      } finally {
        await stopRemote(remote);
        await sandbox.close();
      }
    },
  );
});
