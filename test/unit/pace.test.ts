import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AccountPace, AccountPaces, BULK_PRIORITY, type PaceSignal } from '../../src/vobiz/pace.js';

/** A request the test answers by hand: started when the pace lets it go, settled when told to. */
function manualRequests(pace: AccountPace) {
  const started: string[] = [];
  const answers = new Map<string, (signal: PaceSignal) => void>();
  const send = (name: string, options: { priority?: number; signal?: AbortSignal } = {}) =>
    pace.run(
      (settle) =>
        new Promise<string>((resolve) => {
          started.push(name);
          answers.set(name, (signal) => {
            settle(signal);
            resolve(name);
          });
        }),
      options,
    );
  const answer = async (name: string, signal: PaceSignal = { kind: 'clean' }) => {
    answers.get(name)!(signal);
    // p-queue starts the next request a few microtasks after one ends.
    await vi.advanceTimersByTimeAsync(0);
  };
  return { started, send, answer };
}

describe('AccountPace: the per-account window of requests in flight', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts at its initial window, grows by one per clean answer, and never passes the ceiling', async () => {
    const pace = new AccountPace({ ceiling: 6, initial: 4 });
    const { started, send, answer } = manualRequests(pace);
    const calls = Array.from({ length: 12 }, (_, i) => send(`r${i}`));
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toHaveLength(4);
    await answer('r0'); // window 5: r4 and r5 start
    expect(started).toHaveLength(6);
    await answer('r1'); // window 6: r6 and r7
    expect(started).toHaveLength(8);
    await answer('r2'); // at the ceiling: one out, one in
    expect(started).toHaveLength(9);
    expect(pace.stats().window).toBe(6);
    for (const name of started.slice(3)) await answer(name);
    for (const name of started.slice(9)) await answer(name);
    await Promise.all(calls);
  });

  it('halves on a 429, once for the 429s of one round trip, and holds every request for Retry-After', async () => {
    const pace = new AccountPace({ ceiling: 8, initial: 8 });
    const { started, send, answer } = manualRequests(pace);
    const calls = Array.from({ length: 16 }, (_, i) => send(`r${i}`));
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toHaveLength(8);
    await answer('r0', { kind: 'rate_limited', retryAfterMs: 2_000 });
    await answer('r1', { kind: 'rate_limited', retryAfterMs: 2_000 }); // sent before the cut: no second cut
    expect(pace.stats()).toMatchObject({ window: 4, rateLimited: 2, cuts: 1 });
    // Six still in flight, above the new window of four: nothing starts, and nothing during the hold.
    for (const name of ['r2', 'r3', 'r4']) await answer(name);
    expect(started).toHaveLength(8);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(started).toHaveLength(8);
    await vi.advanceTimersByTimeAsync(1);
    // Three in flight (r5–r7), window four after the cut (+1/4 per clean answer since): one starts.
    expect(started).toHaveLength(9);
    for (let i = 5; i < 16; i++) {
      await vi.advanceTimersByTimeAsync(0);
      if (started.includes(`r${i}`)) await answer(`r${i}`);
    }
    await vi.advanceTimersByTimeAsync(0);
    for (const name of started) if (!['r0', 'r1', 'r2', 'r3', 'r4'].includes(name)) await answer(name);
    await Promise.all(calls);
    expect(started).toHaveLength(16);
  });

  it('grows by one per window of clean answers after the first 429, not one per answer', async () => {
    const pace = new AccountPace({ ceiling: 32, initial: 8 });
    const { started, send, answer } = manualRequests(pace);
    void send('first');
    await vi.advanceTimersByTimeAsync(0);
    await answer('first', { kind: 'rate_limited', retryAfterMs: 1 });
    await vi.advanceTimersByTimeAsync(1);
    expect(pace.stats().window).toBe(4);
    for (let i = 0; i < 4; i++) {
      void send(`a${i}`);
      await vi.advanceTimersByTimeAsync(0);
      await answer(`a${i}`);
    }
    // Four clean answers at a window of four: +1/4 each, one in all.
    expect(pace.stats().window).toBe(5);
    expect(started).toHaveLength(5);
  });

  it('after a cut, probes for more no more often than once per Retry-After', async () => {
    const pace = new AccountPace({ ceiling: 32, initial: 4 });
    const { send, answer } = manualRequests(pace);
    void send('limited');
    await vi.advanceTimersByTimeAsync(0);
    await answer('limited', { kind: 'rate_limited', retryAfterMs: 1_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(pace.stats().window).toBe(2);
    const answerWindow = async (round: number) => {
      for (let i = 0; i < 2; i++) {
        void send(`${round}-${i}`);
        await vi.advanceTimersByTimeAsync(0);
        await answer(`${round}-${i}`);
      }
    };
    await answerWindow(1); // a whole window of clean answers, a second after the cut: +1
    expect(pace.stats().window).toBe(3);
    for (let round = 2; round < 10; round++) await answerWindow(round); // the same second: no more
    expect(pace.stats().window).toBe(3);
    await vi.advanceTimersByTimeAsync(1_000);
    await answerWindow(10);
    await answerWindow(11);
    expect(pace.stats().window).toBe(4);
  });

  it('lets interactive requests go before queued bulk work', async () => {
    const pace = new AccountPace({ ceiling: 1, initial: 1 });
    const { started, send, answer } = manualRequests(pace);
    void send('running');
    await vi.advanceTimersByTimeAsync(0);
    const bulk = [send('bulk1', { priority: BULK_PRIORITY }), send('bulk2', { priority: BULK_PRIORITY })];
    const interactive = send('interactive');
    await answer('running');
    expect(started).toEqual(['running', 'interactive']);
    await answer('interactive');
    await answer('bulk1');
    await answer('bulk2');
    await Promise.all([...bulk, interactive]);
  });

  it('drops a queued request whose caller gave up, without sending it', async () => {
    const pace = new AccountPace({ ceiling: 1, initial: 1 });
    const { started, send, answer } = manualRequests(pace);
    void send('running');
    await vi.advanceTimersByTimeAsync(0);
    const controller = new AbortController();
    const waiting = send('given-up', { signal: controller.signal });
    const rejected = expect(waiting).rejects.toThrow();
    controller.abort();
    await rejected;
    await answer('running');
    expect(started).toEqual(['running']);
  });
});

describe('AccountPaces', () => {
  it('gives every client of one account the same pace, and forgets idle accounts past its bound', () => {
    const paces = new AccountPaces({ ceiling: 4 }, 2);
    const a = paces.for('a');
    expect(paces.for('a')).toBe(a);
    paces.for('b');
    paces.for('c'); // a, the least recently used and idle, is forgotten
    expect(paces.for('a')).not.toBe(a);
  });
});
