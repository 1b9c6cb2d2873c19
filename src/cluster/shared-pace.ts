/**
 * One account's pace shared by every instance through Redis: the same AIMD window as pace.ts
 * (AccountPace), and the same Retry-After hold, but kept in Redis, and the requests in flight counted
 * there as leases — so that two instances working one account find its rate together instead of each
 * finding it and adding up their 429s.
 *
 * - Acquire (one Lua script, atomic): expired leases dropped; if the account is held (a 429's
 *   Retry-After, on Redis's clock so that the instances' clocks do not matter) or its leases fill the
 *   window, the answer says how long to wait; else a lease is added, with the request's number in the
 *   account's order of sending.
 * - Release (one script): the lease dropped and the answer applied to the window, as AccountPace does:
 *   slow start until the first 429; a 429 of a request sent after the last cut halves the window and
 *   holds the account; clean answers grow it by one per window, no more often than once per the longest
 *   Retry-After asked for. (Keep the two in step: pace.ts is the reference.)
 * - A lease expires after the longest a request can take (VOBIZ_TIMEOUT_MS and a margin): an instance
 *   that died holding leases gives them back by itself.
 *
 * Within the instance, a p-queue of one hands out the leases in priority order (interactive calls
 * before jobs' writes), so the order is kept. An instance whose window is full polls every
 * POLL_MS, and at once when one of its own requests ends.
 *
 * When Redis fails, the account goes on at this instance's own pace (an AccountPace), and comes back to
 * the shared one once Redis answers again. Leases held then expire by themselves.
 */
import { randomUUID } from 'node:crypto';
import PQueue from 'p-queue';
import { sleep } from '../vobiz/retry.js';
import {
  AccountPace,
  INTERACTIVE_PRIORITY,
  type Pace,
  type PaceOptions,
  type PaceSignal,
  type PaceStats,
} from '../vobiz/pace.js';
import { KEY_PREFIX, type RedisLink } from './redis-link.js';

/** How often a full window is looked at again for room freed by another instance. */
const POLL_MS = 20;
/** How long an account's state is kept in Redis after its last request. */
const STATE_TTL_MS = 60 * 60_000;

/** KEYS: state hash, leases zset. ARGV: lease id, lease ms, initial window, state ttl. */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local s = redis.call('HMGET', KEYS[1], 'window', 'holdUntil')
local window = tonumber(s[1]) or tonumber(ARGV[3])
local hold = tonumber(s[2]) or 0
if hold > now then return {0, hold - now, window} end
if redis.call('ZCARD', KEYS[2]) >= window then return {0, -1, window} end
if not s[1] then redis.call('HSET', KEYS[1], 'window', window, 'slowStart', 1) end
local sent = redis.call('HINCRBY', KEYS[1], 'sent', 1)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return {1, sent, window}
`;

/** KEYS: state hash, leases zset. ARGV: lease id, kind, retry-after ms, request number, ceiling, initial. */
const RELEASE = `
redis.call('ZREM', KEYS[2], ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local kind = ARGV[2]
local window = tonumber(redis.call('HGET', KEYS[1], 'window')) or tonumber(ARGV[6])
local ceiling = tonumber(ARGV[5])
if kind == 'clean' then
  if window < ceiling then
    local grow = true
    if redis.call('HGET', KEYS[1], 'slowStart') ~= '1' then
      if redis.call('HINCRBY', KEYS[1], 'cleanSinceGrowth', 1) < window then
        grow = false
      else
        local grownAt = tonumber(redis.call('HGET', KEYS[1], 'grownAt')) or 0
        local probe = tonumber(redis.call('HGET', KEYS[1], 'probeIntervalMs')) or 0
        if now - grownAt < probe then grow = false end
      end
    end
    if grow then
      window = window + 1
      redis.call('HSET', KEYS[1], 'cleanSinceGrowth', 0, 'grownAt', now)
    end
  end
elseif kind == 'rate_limited' then
  redis.call('HINCRBY', KEYS[1], 'rateLimited', 1)
  local sentAtCut = tonumber(redis.call('HGET', KEYS[1], 'sentAtCut')) or 0
  if tonumber(ARGV[4]) > sentAtCut then
    redis.call('HSET', KEYS[1], 'sentAtCut', redis.call('HGET', KEYS[1], 'sent') or 0,
      'slowStart', 0, 'cleanSinceGrowth', 0)
    redis.call('HINCRBY', KEYS[1], 'cuts', 1)
    window = math.max(1, math.floor(window / 2))
  end
  local ms = tonumber(ARGV[3])
  local probe = tonumber(redis.call('HGET', KEYS[1], 'probeIntervalMs')) or 0
  redis.call('HSET', KEYS[1], 'probeIntervalMs', math.max(probe, ms), 'grownAt', now)
  if ms > 0 then
    local hold = tonumber(redis.call('HGET', KEYS[1], 'holdUntil')) or 0
    if now + ms > hold then redis.call('HSET', KEYS[1], 'holdUntil', now + ms) end
  end
end
redis.call('HSET', KEYS[1], 'window', window)
return window
`;

interface Lease {
  id: string;
  number: number;
}

export interface SharedPaceOptions extends PaceOptions {
  /** The longest a request can take: a lease not given back by then expires. */
  leaseMs: number;
}

export class SharedPace implements Pace {
  readonly ceiling: number;
  /** The pace used while Redis is down. */
  private readonly own: AccountPace;
  /** Leases are taken one at a time, in priority order. */
  private readonly gate = new PQueue({ concurrency: 1 });
  private readonly keys: [string, string];
  private readonly initial: number;
  private inFlight = 0;
  /** Answers being written to Redis. */
  private releasing = 0;
  private lastWindow: number;
  private wake: (() => void) | undefined;
  private readonly counts = { sent: 0, rateLimited: 0 };

  constructor(
    account: string,
    private readonly link: RedisLink,
    private readonly options: SharedPaceOptions,
  ) {
    this.own = new AccountPace(options);
    this.ceiling = this.own.ceiling;
    this.initial = this.own.stats().window;
    this.lastWindow = this.initial;
    const base = `${KEY_PREFIX}pace:${account}`;
    this.keys = [base, `${base}:leases`];
  }

  async run<T>(
    send: (settle: (signal: PaceSignal) => void) => Promise<T>,
    { signal, priority = INTERACTIVE_PRIORITY }: { signal?: AbortSignal; priority?: number } = {},
  ): Promise<T> {
    if (!this.link.up) return this.own.run(send, { ...(signal && { signal }), priority });
    const lease = await this.gate.add(() => this.acquire(signal), { priority, ...(signal && { signal }) });
    if (lease === undefined) return this.own.run(send, { ...(signal && { signal }), priority });
    this.inFlight += 1;
    this.counts.sent += 1;
    let answer = { kind: 'other' } as PaceSignal;
    try {
      return await send((signal) => (answer = signal));
    } finally {
      this.inFlight -= 1;
      if (answer.kind === 'rate_limited') this.counts.rateLimited += 1;
      void this.release(lease, answer);
    }
  }

  get load(): { waiting: number; inFlight: number } {
    const own = this.own.load;
    return {
      waiting: this.gate.size + this.gate.pending + own.waiting,
      inFlight: this.inFlight + own.inFlight,
    };
  }

  get idle(): boolean {
    const shared = this.gate.size === 0 && this.gate.pending === 0 && this.inFlight === 0;
    return shared && this.releasing === 0 && this.own.idle;
  }

  /** The shared window as last seen, and this instance's own counts. */
  stats(): PaceStats {
    return { window: this.lastWindow, ...this.counts, cuts: this.own.stats().cuts };
  }

  /** A lease, or undefined when Redis failed (the request goes on at the instance's own pace). */
  private async acquire(signal: AbortSignal | undefined): Promise<Lease | undefined> {
    const id = randomUUID();
    for (;;) {
      const answer = await this.link.attempt(
        (redis) =>
          redis.eval(
            ACQUIRE,
            2,
            ...this.keys,
            id,
            this.options.leaseMs,
            this.initial,
            STATE_TTL_MS,
          ) as Promise<[number, number, number]>,
      );
      if (answer === undefined) return undefined;
      const [granted, value, window] = answer;
      this.lastWindow = window;
      if (granted === 1) return { id, number: value };
      // Held: until the hold ends. Full: until one of ours ends, or the next look.
      await this.pause(value > 0 ? value : POLL_MS, signal);
    }
  }

  private async pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    const woken = new Promise<void>((resolve) => (this.wake = resolve));
    await Promise.race([sleep(ms, signal), woken]);
    this.wake = undefined;
  }

  private async release(lease: Lease, answer: PaceSignal): Promise<void> {
    const retryAfterMs = answer.kind === 'rate_limited' ? Math.round(answer.retryAfterMs) : 0;
    this.releasing += 1;
    const window = await this.link.attempt(
      (redis) =>
        redis.eval(
          RELEASE,
          2,
          ...this.keys,
          lease.id,
          answer.kind,
          retryAfterMs,
          lease.number,
          this.ceiling,
          this.initial,
        ) as Promise<number>,
    );
    this.releasing -= 1;
    if (window !== undefined) this.lastWindow = window;
    this.wake?.();
  }
}
