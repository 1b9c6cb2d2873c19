/**
 * The network and account model: a round trip on every answer and a request rate per account, so that a
 * client's concurrency, pacing and back-off are measured and tested against something like the real API
 * rather than a loopback that answers at once and never says no. Off unless asked for.
 *
 * The model, and why it is shaped so:
 * - Latency: a request is handled the moment it arrives and its answer is held `latencyMs` (the whole
 *   round trip, modelled at the server). Waits are timers, never a queue: a hundred requests at once
 *   are answered together, `latencyMs` later. A client that gives up waiting has had its request
 *   applied, the case a real network makes a client handle (an outcome it cannot know).
 * - Rate: a token bucket per account (the sandbox serves one, but a limit belongs to an account, not to
 *   a connection or a caller), refilling `perSecond` tokens a second up to `burst`. Checked on arrival
 *   for authenticated requests to a known route, before any fault; past it the documented 429 with
 *   Retry-After, nothing applied — and the 429 still costs the round trip.
 */
export interface RateLimit {
  /** Tokens added a second: the sustained rate, in requests per second; > 0. */
  perSecond: number;
  /** The bucket's size: how many requests may come at once after a quiet spell; >= 1. Default perSecond. */
  burst?: number;
}

export interface NetworkOptions {
  /** Added to every answer, authenticated or not; default 0 (none). At most MAX_LATENCY_MS. */
  latencyMs?: number;
  /** The account's request rate; default none (no 429 unless a fault injects one). */
  rateLimit?: RateLimit;
}

/** Milliseconds on a monotonic scale (default performance.now()); tests pass their own. */
export type Clock = () => number;

/** The longest timer Node honours; a longer one fires after 1 ms, which would be no latency at all. */
export const MAX_LATENCY_MS = 2_147_483_647;

/** A token bucket on an injected clock, so that refills are tested without waiting. */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.tokens = burst;
    this.refilledAt = clock();
  }

  /** Takes a token: undefined when there was one, else the whole seconds (>= 1) until there will be. */
  take(): number | undefined {
    const now = this.clock();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    // HTTP's Retry-After is whole seconds: rounded up, so a client that honours it finds a token.
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}

/** The sandbox's current model; `set` replaces it whole, so a bench can change it between phases. */
export class NetworkModel {
  private options: NetworkOptions = {};
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    options: NetworkOptions,
    private readonly clock: Clock,
  ) {
    this.set(options);
  }

  /** Replaces the model (`{}` turns it off); every account starts again with a full bucket. */
  set(options: NetworkOptions): void {
    const latencyMs = options.latencyMs ?? 0;
    if (!(latencyMs >= 0 && latencyMs <= MAX_LATENCY_MS)) {
      throw new RangeError(`latencyMs must be from 0 to ${MAX_LATENCY_MS}, got ${latencyMs}`);
    }
    const rate = options.rateLimit;
    if (rate !== undefined) {
      if (!(rate.perSecond > 0 && Number.isFinite(rate.perSecond))) {
        throw new RangeError(`rateLimit.perSecond must be a finite number above 0, got ${rate.perSecond}`);
      }
      if (rate.burst !== undefined && !(rate.burst >= 1 && Number.isFinite(rate.burst))) {
        throw new RangeError(`rateLimit.burst must be a finite number of at least 1, got ${rate.burst}`);
      }
    }
    this.options = {
      ...(latencyMs > 0 && { latencyMs }),
      ...(rate && { rateLimit: { perSecond: rate.perSecond, burst: rate.burst ?? rate.perSecond } }),
    };
    this.buckets.clear();
  }

  /** A copy of the model in force, defaults filled in (`{}` when off). */
  get current(): NetworkOptions {
    const { latencyMs, rateLimit } = this.options;
    return {
      ...(latencyMs !== undefined && { latencyMs }),
      ...(rateLimit && { rateLimit: { ...rateLimit } }),
    };
  }

  get latencyMs(): number {
    return this.options.latencyMs ?? 0;
  }

  /** On a request's arrival: undefined when the account may make it, else its Retry-After in seconds. */
  admit(accountId: string): number | undefined {
    const rate = this.options.rateLimit;
    if (rate === undefined) return undefined;
    let bucket = this.buckets.get(accountId);
    if (!bucket) {
      bucket = new TokenBucket(rate.perSecond, rate.burst ?? rate.perSecond, this.clock);
      this.buckets.set(accountId, bucket);
    }
    return bucket.take();
  }
}

/** e.g. "100 ms round trip, 100 requests/s (burst 100)"; undefined when the model is off. */
export function describeNetwork(options: NetworkOptions): string | undefined {
  const parts: string[] = [];
  if (options.latencyMs) parts.push(`${options.latencyMs} ms round trip`);
  const rate = options.rateLimit;
  if (rate) parts.push(`${rate.perSecond} requests/s (burst ${rate.burst ?? rate.perSecond})`);
  return parts.length === 0 ? undefined : parts.join(', ');
}

/**
 * Waits `ms` on the global setTimeout (so that fake timers drive it in tests), or rejects once `signal`
 * aborts. Many at once is the point: each is its own timer.
 */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
