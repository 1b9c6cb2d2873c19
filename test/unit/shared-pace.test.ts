/**
 * The pace shared through Redis (cluster/shared-pace.ts) is AccountPace's algorithm kept in Lua: fed the
 * same answers, its window moves as AccountPace's does — slow start, one cut per round of 429s, growth by
 * one per window of clean answers — and two instances' paces of one account are one window. A real
 * redis-server; skipped with a message only where it is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLink } from '../../src/cluster/redis-link.js';
import { SharedPace } from '../../src/cluster/shared-pace.js';
import { AccountPace, type Pace, type PaceSignal } from '../../src/vobiz/pace.js';
import { redisAvailable, startRedis, type RedisServer } from '../support/redis-server.js';

const CLEAN: PaceSignal = { kind: 'clean' };
const LIMITED: PaceSignal = { kind: 'rate_limited', retryAfterMs: 0 };

/**
 * Sends one request per answer, all in flight together (none answers before all are sent, as a round
 * trip makes it), each settling with its answer; resolves when all have.
 */
async function round(pace: Pace, answers: PaceSignal[]): Promise<void> {
  let sent = 0;
  let allSent!: () => void;
  const barrier = new Promise<void>((resolve) => (allSent = resolve));
  await Promise.all(
    answers.map((answer) =>
      pace.run(async (settle) => {
        if (++sent === answers.length) allSent();
        await barrier;
        settle(answer);
      }),
    ),
  );
}

const times = (n: number, answer: PaceSignal) => Array.from({ length: n }, () => answer);

describe.skipIf(!redisAvailable())('the shared pace', () => {
  let redis: RedisServer;
  let link: RedisLink;
  let other: RedisLink;

  beforeAll(async () => {
    redis = await startRedis();
    link = new RedisLink(redis.url);
    other = new RedisLink(redis.url);
    expect(await link.connect()).toBe(true);
    expect(await other.connect()).toBe(true);
  }, 20_000);
  afterAll(async () => {
    await link?.close();
    await other?.close();
    await redis?.kill();
  });

  it("moves its window as AccountPace's moves, answer for answer", async () => {
    const own = new AccountPace({ ceiling: 32 });
    const shared = new SharedPace('mirror', link, { ceiling: 32, leaseMs: 10_000 });
    const rounds = [
      times(4, CLEAN), // slow start: one more per clean answer
      times(4, LIMITED), // one cut for the round, not four
      times(10, CLEAN), // one more per window of clean answers
      times(11, CLEAN),
      [LIMITED],
      times(3, CLEAN),
    ];
    const windows: [number, number][] = [];
    for (const answers of rounds) {
      await round(own, answers);
      await round(shared, answers);
      // The release is written after the request's answer: wait for it.
      await expect.poll(() => shared.idle).toBe(true);
      windows.push([own.stats().window, shared.stats().window]);
    }
    expect(windows.map(([ownWindow]) => ownWindow)).toEqual([20, 10, 11, 12, 6, 6]);
    expect(windows.map(([, sharedWindow]) => sharedWindow)).toEqual(windows.map(([ownWindow]) => ownWindow));
  });

  it("is one window for two instances' paces of one account", async () => {
    const a = new SharedPace('one-account', link, { ceiling: 32, leaseMs: 10_000 });
    const b = new SharedPace('one-account', other, { ceiling: 32, leaseMs: 10_000 });
    await round(a, times(4, CLEAN));
    await round(b, times(4, LIMITED));
    await expect.poll(() => a.idle && b.idle).toBe(true);
    // B's 429s cut the window A grew: both now see (16 + 4) / 2.
    await round(a, [CLEAN]);
    await expect.poll(() => a.stats().window).toBe(10);
  });

  it('goes on at its own pace when Redis is gone', async () => {
    const pace = new SharedPace('gone', link, { ceiling: 8, leaseMs: 10_000 });
    await redis.kill();
    const answers = await Promise.all([1, 2, 3].map((n) => pace.run(async (settle) => (settle(CLEAN), n))));
    expect(answers).toEqual([1, 2, 3]);
    expect(link.up).toBe(false);
  });
});
