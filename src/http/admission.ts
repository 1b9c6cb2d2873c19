/**
 * How many requests a caller — and the whole process — may have running at once, with a bounded wait
 * for a caller's slot before a refusal.
 */

export interface AdmissionLimits {
  /** Requests one caller (one set of credentials) may have running. */
  perCaller: number;
  /** Requests the process may have running. */
  total: number;
  /** Requests of one caller that may wait for one of its slots. */
  queueLength: number;
  /** Longest such a wait. */
  queueWaitMs: number;
}

export type Admission =
  | { ok: true; release: () => void }
  | { ok: false; reason: 'server_busy' | 'queue_full' | 'queue_timeout' | 'gone' };

interface Waiter {
  admit: () => void;
}

interface CallerState {
  running: number;
  /** First come, first served. */
  waiting: Waiter[];
}

/**
 * Slots per caller and in all. A caller whose slots are all taken waits in its own queue (a freed slot
 * goes straight to its next waiter, so waiting never takes from other callers); a full queue or a wait
 * past the limit is refused. A process at its cap refuses new work at once: that is overload, for the
 * balancer to route elsewhere. A caller's entry lives only while it has requests running or waiting.
 */
export class Admissions {
  private readonly callers = new Map<string, CallerState>();
  private total = 0;

  constructor(private readonly limits: AdmissionLimits) {}

  /**
   * `key`: the caller, or undefined for a request that never reaches the account (initialize,
   * tools/list), which needs no slot of the caller's. `onGone` is called only if the request has to
   * wait, to register what ends the wait (the client hanging up); it returns how to unregister it.
   */
  acquire(key: string | undefined, onGone: (leave: () => void) => () => void): Promise<Admission> {
    if (key === undefined) {
      if (this.total >= this.limits.total) return Promise.resolve({ ok: false, reason: 'server_busy' });
      this.total += 1;
      return Promise.resolve({ ok: true, release: once(() => (this.total -= 1)) });
    }
    const state = this.callers.get(key) ?? { running: 0, waiting: [] };
    if (state.running < this.limits.perCaller) {
      if (this.total >= this.limits.total) return Promise.resolve({ ok: false, reason: 'server_busy' });
      this.callers.set(key, state);
      state.running += 1;
      this.total += 1;
      return Promise.resolve({ ok: true, release: this.releaser(key, state) });
    }
    if (state.waiting.length >= this.limits.queueLength) {
      return Promise.resolve({ ok: false, reason: 'queue_full' });
    }
    return new Promise((resolve) => {
      const leave = (reason: 'queue_timeout' | 'gone') => {
        clearTimeout(timer);
        unregister();
        state.waiting.splice(state.waiting.indexOf(waiter), 1);
        resolve({ ok: false, reason });
      };
      const timer = setTimeout(() => leave('queue_timeout'), this.limits.queueWaitMs);
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(timer);
          unregister();
          resolve({ ok: true, release: this.releaser(key, state) });
        },
      };
      const unregister = onGone(() => leave('gone'));
      state.waiting.push(waiter);
    });
  }

  /** Requests running now (waiting ones not counted). */
  get running(): number {
    return this.total;
  }

  /** Requests waiting for a slot of their caller's (metrics). */
  get waiting(): number {
    let waiting = 0;
    for (const state of this.callers.values()) waiting += state.waiting.length;
    return waiting;
  }

  private releaser(key: string, state: CallerState): () => void {
    return once(() => {
      const next = state.waiting.shift();
      if (next) return next.admit(); // the slot passes on: running and total stay as they are
      state.running -= 1;
      this.total -= 1;
      if (state.running === 0) this.callers.delete(key);
    });
  }
}

export function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
