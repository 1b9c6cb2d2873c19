/**
 * The retry policy's decisions, one by one: which failure is retried for which request, how long the
 * waits are, and that the loop stops — at the attempt limit, at the deadline, at a Retry-After too long
 * to sleep through, and at once when the caller cancels.
 */
import { describe, expect, it, vi } from 'vitest';
import { VobizCancelledError, VobizHttpError, VobizNetworkError } from '../../src/vobiz/errors.js';
import {
  backoffMs,
  classifyFailure,
  DEADLINE_CAUSE,
  isRetryable,
  requestSafety,
  retryDelayMs,
  retryRecordOf,
  sleep,
  withRetries,
  type RequestSafety,
  type RetryPolicy,
} from '../../src/vobiz/retry.js';

const policy: RetryPolicy = { maxRetries: 3, baseDelayMs: 8, maxDelayMs: 1_000 };

const http = (status: number, retryAfterSeconds?: number) =>
  new VobizHttpError(status, undefined, `HTTP ${status}`, {
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
  });
const dropped = () => new VobizNetworkError('connection', 'dropped', 'UND_ERR_SOCKET');
const refused = () => new VobizNetworkError('connection', 'refused', 'ECONNREFUSED');
const timedOut = () => new VobizNetworkError('timeout', 'slow', 'TIMEOUT');
const deadline = () => new VobizNetworkError('timeout', 'budget', DEADLINE_CAUSE);

describe('which failures are retried', () => {
  // [failure, read (GET), repeatable (PUT/DELETE/upsert), unsafe (POST /contacts)]
  const table: [string, () => Error, boolean, boolean, boolean][] = [
    ['429', () => http(429, 1), true, true, true],
    ['502', () => http(502), true, true, false],
    ['503', () => http(503), true, true, false],
    ['504', () => http(504), true, true, false],
    ['500', () => http(500), false, false, false],
    ['400', () => http(400), false, false, false],
    ['401', () => http(401), false, false, false],
    ['404', () => http(404), false, false, false],
    ['409', () => http(409), false, false, false],
    ['422', () => http(422), false, false, false],
    ['malformed 200', () => http(200), false, false, false],
    ['dropped connection', dropped, true, true, false],
    ['refused connection', refused, true, true, true],
    ['request timeout', timedOut, true, false, false],
    ['deadline', deadline, false, false, false],
    ['cancelled', () => new VobizCancelledError(), false, false, false],
    ['a bug', () => new TypeError('x is undefined'), false, false, false],
  ];
  for (const [name, make, read, repeatable, unsafe] of table) {
    it(`${name}: read ${read}, repeatable ${repeatable}, unsafe ${unsafe}`, () => {
      const expected: Record<RequestSafety, boolean> = { read, repeatable, unsafe };
      for (const safety of ['read', 'repeatable', 'unsafe'] as const) {
        expect(isRetryable(make(), safety), safety).toBe(expected[safety]);
      }
    });
  }

  it('maps methods to what a second send risks', () => {
    expect(requestSafety('GET')).toBe('read');
    expect(requestSafety('PUT')).toBe('repeatable');
    expect(requestSafety('DELETE')).toBe('repeatable');
    expect(requestSafety('POST')).toBe('unsafe');
    expect(requestSafety('POST', true)).toBe('repeatable');
  });

  it('tells a failure that changed nothing from one whose outcome is unknown', () => {
    expect(classifyFailure(http(429))).toBe('not_applied');
    expect(classifyFailure(refused())).toBe('not_applied');
    expect(classifyFailure(http(503))).toBe('unknown_outcome');
    expect(classifyFailure(http(200))).toBe('unknown_outcome');
    expect(classifyFailure(dropped())).toBe('unknown_outcome');
    expect(classifyFailure(timedOut())).toBe('unknown_outcome');
    expect(classifyFailure(http(422))).toBe('rejected');
    expect(classifyFailure(new VobizCancelledError())).toBe('cancelled');
  });
});

describe('how long to wait', () => {
  it('backs off exponentially with full jitter, capped', () => {
    const p = { maxRetries: 9, baseDelayMs: 250, maxDelayMs: 10_000 };
    expect([0, 1, 2, 3].map((i) => backoffMs(i, p, () => 1))).toEqual([250, 500, 1000, 2000]);
    expect(backoffMs(10, p, () => 1)).toBe(10_000);
    expect(backoffMs(2, p, () => 0)).toBe(0);
    for (let i = 0; i < 50; i++) {
      const wait = backoffMs(2, p);
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThanOrEqual(1000);
    }
  });

  it("honours a 429's Retry-After, and refuses to sleep through one longer than the cap", () => {
    expect(retryDelayMs(http(429, 2), 0, { ...policy, maxDelayMs: 5_000 })).toBe(2_000);
    expect(retryDelayMs(http(429, 120), 0, { ...policy, maxDelayMs: 10_000 })).toBe('too_long');
    // No Retry-After (or 0): the ordinary backoff.
    expect(retryDelayMs(http(429), 1, policy, () => 1)).toBe(16);
    expect(retryDelayMs(http(429, 0), 0, policy, () => 1)).toBe(8);
  });
});

/**
 * Runs `work` to its end on vitest's fake clock: what it resolved or rejected with, and how long it kept
 * the (fake) clock running — its waits, measured exactly and without spending them.
 */
async function onFakeClock<T>(
  work: () => Promise<T>,
): Promise<{ value?: T; error?: unknown; waitedMs: number }> {
  vi.useFakeTimers();
  try {
    const started = Date.now();
    const settled = work().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await vi.runAllTimersAsync();
    return { ...(await settled), waitedMs: Date.now() - started };
  } finally {
    vi.useRealTimers();
  }
}

/** An attempt function that fails with the given errors in turn, then answers 'ok'. */
function scripted(...failures: Error[]) {
  const calls: number[] = [];
  const attempt = async (n: number) => {
    calls.push(n);
    const failure = failures[n - 1];
    if (failure) throw failure;
    return 'ok';
  };
  return { attempt, calls };
}

describe('the retry loop', () => {
  it('retries until it succeeds', async () => {
    const { attempt, calls } = scripted(http(503), dropped());
    await expect(withRetries(attempt, { policy, safety: 'repeatable' })).resolves.toBe('ok');
    expect(calls).toEqual([1, 2, 3]);
  });

  it('stops after maxRetries retries and says so on the error', async () => {
    const { attempt, calls } = scripted(http(503), http(503), http(503), http(503), http(503));
    const error = await withRetries(attempt, { policy, safety: 'read' }).catch((e: unknown) => e);
    expect(calls).toEqual([1, 2, 3, 4]);
    expect(error).toBeInstanceOf(VobizHttpError);
    expect(retryRecordOf(error)).toMatchObject({
      attempts: 4,
      stoppedBecause: 'attempts',
      earlierOutcomeUnknown: true,
    });
  });

  it('sends a create once after a 5xx, but again after a 429', async () => {
    const fiveHundred = scripted(http(503));
    const error = await withRetries(fiveHundred.attempt, { policy, safety: 'unsafe' }).catch(
      (e: unknown) => e,
    );
    expect(fiveHundred.calls).toEqual([1]);
    expect(retryRecordOf(error)).toMatchObject({ attempts: 1, stoppedBecause: 'not_retryable' });

    const rateLimited = scripted(http(429, 0));
    await expect(withRetries(rateLimited.attempt, { policy, safety: 'unsafe' })).resolves.toBe('ok');
    expect(rateLimited.calls).toEqual([1, 2]);
  });

  it('does not retry at all with maxRetries 0', async () => {
    const { attempt, calls } = scripted(http(503));
    await expect(
      withRetries(attempt, { policy: { ...policy, maxRetries: 0 }, safety: 'read' }),
    ).rejects.toThrow();
    expect(calls).toEqual([1]);
  });

  it('fails at once, without sleeping, when Retry-After exceeds the cap', async () => {
    const { attempt, calls } = scripted(http(429, 600));
    const { error, waitedMs } = await onFakeClock(() => withRetries(attempt, { policy, safety: 'read' }));
    expect(waitedMs).toBe(0);
    expect(calls).toEqual([1]);
    expect(retryRecordOf(error)?.stoppedBecause).toBe('retry_after_too_long');
  });

  it('waits what Retry-After asks', async () => {
    const { attempt, calls } = scripted(http(429, 1));
    const { value, waitedMs } = await onFakeClock(() =>
      withRetries(attempt, { policy: { ...policy, maxDelayMs: 2_000 }, safety: 'read' }),
    );
    expect(value).toBe('ok');
    expect(waitedMs).toBe(1_000);
    expect(calls).toEqual([1, 2]);
  });

  it('does not start a wait that would end past the deadline', async () => {
    const { attempt, calls } = scripted(http(503), http(503));
    const slow = { maxRetries: 3, baseDelayMs: 5_000, maxDelayMs: 5_000 };
    const { error, waitedMs } = await onFakeClock(() =>
      withRetries(attempt, {
        policy: slow,
        safety: 'read',
        deadline: Date.now() + 1_000,
        random: () => 1,
      }),
    );
    expect(waitedMs).toBe(0);
    expect(calls).toEqual([1]);
    expect(retryRecordOf(error)?.stoppedBecause).toBe('deadline');
  });

  it('stops sleeping the moment the caller cancels, and makes no further attempt', async () => {
    const { attempt, calls } = scripted(http(503), http(503));
    const controller = new AbortController();
    const slow = { maxRetries: 3, baseDelayMs: 10_000, maxDelayMs: 10_000 };
    const { error, waitedMs } = await onFakeClock(() => {
      setTimeout(() => controller.abort(), 50);
      return withRetries(attempt, {
        policy: slow,
        safety: 'read',
        signal: controller.signal,
        random: () => 1,
      });
    });
    // Over when the cancel came, not when the 10 s wait would have ended.
    expect(waitedMs).toBe(50);
    expect(error).toBeInstanceOf(VobizCancelledError);
    expect(calls).toEqual([1]);
    expect(retryRecordOf(error)).toMatchObject({ stoppedBecause: 'cancelled', earlierOutcomeUnknown: true });
  });

  it('reports each retry before its wait', async () => {
    const { attempt } = scripted(http(502), http(429, 0));
    const events: [number, number][] = [];
    await withRetries(attempt, {
      policy,
      safety: 'read',
      random: () => 1,
      onRetry: ({ attempt: n, error }) => events.push([n, (error as VobizHttpError).status]),
    });
    expect(events).toEqual([
      [1, 502],
      [2, 429],
    ]);
  });

  it('sleep rejects at once on an already aborted signal', async () => {
    await expect(sleep(10_000, AbortSignal.abort())).rejects.toBeInstanceOf(VobizCancelledError);
  });
});
