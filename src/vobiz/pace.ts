/**
 * How fast one Vobiz account is called. The API limits each account's request rate but does not say how
 * far (shared/api/CONTACTS-API.md): a client has to find the rate from the 429s. One AccountPace per
 * account in the process is shared by every tool call and every remote caller of that account, so that
 * a bulk job and a remote caller's reads of the same account do not each find the limit on their own.
 *
 * It sets how many requests of the account are in flight at once, the way TCP sets its window (AIMD):
 * - it starts at INITIAL_WINDOW and, until the first 429, grows by one with every clean answer (slow start:
 *   the window doubles each round trip), up to the ceiling (VOBIZ_CONCURRENCY);
 * - a 429 halves it, once per round trip (the 429s of requests sent before the cut say nothing new),
 *   and holds every request of the account back for the `Retry-After` the API asked for;
 * - after that it grows by one per window of clean answers (about one per round trip), but no more
 *   often than once per Retry-After the API has asked for: overshooting costs every request of the
 *   account that wait, so spare rate is probed for in the API's unit of time, not the round trip's.
 * At a round trip of R seconds, a window of W sends about W/R requests a second, so the window it
 * settles at is the account's rate times the round trip: the pace found by itself.
 *
 * No maintained npm package adapts concurrency this way (Netflix's concurrency-limits is Java); p-queue
 * brings the queue: priorities, a concurrency that can change while it runs, and waits that end when
 * the caller's signal aborts.
 */
import PQueue from 'p-queue';

export interface PaceOptions {
  /** The most requests in flight at once, whatever the answers say (VOBIZ_CONCURRENCY). */
  ceiling: number;
  /** Where the window starts; default the smaller of INITIAL_WINDOW and the ceiling. */
  initial?: number;
  now?: () => number;
}

/**
 * Where an account's window starts: a whole-account scan's first round of pages goes out at once, and
 * an account whose limit is lower learns it from the first 429s (a handful, against thousands sent).
 */
export const INITIAL_WINDOW = 16;

/** Priority of requests that an interactive call waits on; bulk work (jobs) goes after them. */
export const INTERACTIVE_PRIORITY = 1;
export const BULK_PRIORITY = 0;

/** What the pace counted, for benchmarks and tests. */
export interface PaceStats {
  window: number;
  sent: number;
  rateLimited: number;
  /** Times a 429 cut the window. */
  cuts: number;
}

/** The answer to one request, as the pace needs it. */
export type PaceSignal =
  { kind: 'clean' } | { kind: 'rate_limited'; retryAfterMs: number } | { kind: 'other' };

/** What a client needs of an account's pace: this process's own (AccountPace), or one shared by instances. */
export interface Pace {
  readonly ceiling: number;
  run<T>(
    send: (settle: (signal: PaceSignal) => void) => Promise<T>,
    options?: { signal?: AbortSignal; priority?: number },
  ): Promise<T>;
  readonly load: { waiting: number; inFlight: number };
  readonly idle: boolean;
  stats(): PaceStats;
}

export class AccountPace implements Pace {
  readonly ceiling: number;
  private window: number;
  private slowStart = true;
  /** Clean answers since the window last grew: after the first 429 it grows by one per window of them. */
  private cleanSinceGrowth = 0;
  /** When the window last grew or was cut, and how long it waits before growing again after a cut. */
  private grownAt = 0;
  private probeIntervalMs = 0;
  /** How many requests had been sent when the window was last cut: a 429 of one of them is the same event. */
  private sentAtCut = 0;
  private resumeTimer: NodeJS.Timeout | undefined;
  private resumeAt = 0;
  private readonly queue: PQueue;
  private readonly now: () => number;
  private readonly counts = { sent: 0, rateLimited: 0, cuts: 0 };

  constructor(options: PaceOptions) {
    this.ceiling = Math.max(1, Math.floor(options.ceiling));
    this.window = Math.min(this.ceiling, Math.max(1, Math.floor(options.initial ?? INITIAL_WINDOW)));
    this.now = options.now ?? Date.now;
    this.queue = new PQueue({ concurrency: this.window });
  }

  /**
   * Runs one request when the account's window has room; `send` reports how the API answered through
   * `settle`. Rejects with the signal's reason, without running `send`, when the signal aborts first.
   */
  run<T>(
    send: (settle: (signal: PaceSignal) => void) => Promise<T>,
    { signal, priority = INTERACTIVE_PRIORITY }: { signal?: AbortSignal; priority?: number } = {},
  ): Promise<T> {
    return this.queue.add(
      () => {
        const number = ++this.counts.sent;
        return send((answer) => this.observe(answer, number));
      },
      { priority, ...(signal && { signal }) },
    );
  }

  /** Requests waiting for room, and in flight. */
  get load(): { waiting: number; inFlight: number } {
    return { waiting: this.queue.size, inFlight: this.queue.pending };
  }

  get idle(): boolean {
    return this.queue.size === 0 && this.queue.pending === 0;
  }

  stats(): PaceStats {
    return { window: this.window, ...this.counts };
  }

  /** `number`: the request's place in the order of sending. */
  private observe(answer: PaceSignal, number: number): void {
    if (answer.kind === 'clean') {
      this.grow();
    } else if (answer.kind === 'rate_limited') {
      this.counts.rateLimited++;
      if (number > this.sentAtCut) {
        this.sentAtCut = this.counts.sent;
        this.counts.cuts++;
        this.slowStart = false;
        this.cleanSinceGrowth = 0;
        this.setWindow(Math.max(1, Math.floor(this.window / 2)));
      }
      this.probeIntervalMs = Math.max(this.probeIntervalMs, answer.retryAfterMs);
      this.grownAt = this.now();
      this.holdFor(answer.retryAfterMs);
    }
  }

  private grow(): void {
    if (this.window >= this.ceiling) return;
    if (!this.slowStart) {
      if (++this.cleanSinceGrowth < this.window) return;
      // Probing past the rate costs a whole Retry-After for every request of the account: probe no
      // more often than the API's own unit of waiting, whatever the round trip.
      if (this.now() - this.grownAt < this.probeIntervalMs) return;
    }
    this.cleanSinceGrowth = 0;
    this.grownAt = this.now();
    this.setWindow(this.window + 1);
  }

  private setWindow(window: number): void {
    this.window = window;
    this.queue.concurrency = window;
  }

  /** Starts no request of the account until the API's Retry-After has passed. */
  private holdFor(ms: number): void {
    if (!(ms > 0)) return;
    const until = this.now() + ms;
    if (until <= this.resumeAt) return;
    this.resumeAt = until;
    this.queue.pause();
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      this.queue.start();
    }, ms);
    // A held account must not keep a finished process alive.
    this.resumeTimer.unref();
  }
}

/**
 * The paces of the accounts this process calls, by a key that names the account without holding its
 * credentials (remote mode: callerKey). Bounded: past `maxAccounts`, idle accounts are forgotten first
 * (an idle account loses only what it learned of its rate).
 */
export class AccountPaces {
  private readonly paces = new Map<string, Pace>();

  /** `make`: the pace of a new account; by default this process's own (AccountPace). */
  constructor(
    private readonly options: PaceOptions,
    private readonly maxAccounts = 1_000,
    private readonly make: (key: string, options: PaceOptions) => Pace = (_key, options) =>
      new AccountPace(options),
  ) {}

  /** Requests of all accounts waiting for room and in flight, and how many accounts are known (metrics). */
  load(): { waiting: number; inFlight: number; accounts: number } {
    let waiting = 0;
    let inFlight = 0;
    for (const pace of this.paces.values()) {
      const load = pace.load;
      waiting += load.waiting;
      inFlight += load.inFlight;
    }
    return { waiting, inFlight, accounts: this.paces.size };
  }

  for(key: string): Pace {
    const known = this.paces.get(key);
    if (known) {
      // Most recently used last, so that the idle ones forgotten first are the least recently used.
      this.paces.delete(key);
      this.paces.set(key, known);
      return known;
    }
    if (this.paces.size >= this.maxAccounts) {
      for (const [oldKey, pace] of this.paces) {
        if (this.paces.size < this.maxAccounts) break;
        if (pace.idle) this.paces.delete(oldKey);
      }
    }
    const pace = this.make(key, this.options);
    this.paces.set(key, pace);
    return pace;
  }
}
