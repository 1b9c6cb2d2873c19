/**
 * The connection to the store shared by the instances (REDIS_URL), and whether it answers.
 *
 * ioredis rather than node-redis: it reconnects on its own with a strategy we set, it can refuse a
 * command at once while disconnected instead of queueing it (`enableOfflineQueue: false` — a request of
 * the account must fall back to the instance's own pace now, not wait for Redis to come back), and its
 * subscriber connection resubscribes after a reconnect; it is typed and has no native parts.
 *
 * Everything that uses Redis goes through `up` and fails over to the instance's own state when a
 * command fails: the loss is logged once, and the return once.
 */
import { Redis } from 'ioredis';
import { logInfo } from '../log.js';

/** Keys of this server in a Redis that may hold other things. */
export const KEY_PREFIX = 'vobiz-mcp:';
/** A command that takes longer than this counts as Redis lost: no request waits on Redis for long. */
const COMMAND_TIMEOUT_MS = 1_000;
/** Reconnect attempts, backing off to this: soon enough to share again, cheap while Redis is down. */
const MAX_RECONNECT_DELAY_MS = 1_000;

export class RedisLink {
  readonly redis: Redis;
  /** The connection for SUBSCRIBE: a subscribed connection takes no other command. */
  readonly subscriber: Redis;
  private ready = false;
  private lostLogged = false;
  private closing = false;
  private readonly onReturn = new Set<() => void>();

  constructor(url: string) {
    const options = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: 2_000,
      retryStrategy: (times: number) => Math.min(50 * times, MAX_RECONNECT_DELAY_MS),
      // The URL may hold a password: ioredis never logs it, and neither do we.
      lazyConnect: true,
    };
    this.redis = new Redis(url, options);
    // The subscriber's commands (SUBSCRIBE) may wait for the connection: they are not on a request's path.
    this.subscriber = new Redis(url, { ...options, enableOfflineQueue: true });
    this.redis.on('ready', () => {
      const returned = this.lostLogged;
      this.ready = true;
      if (returned) {
        this.lostLogged = false;
        logInfo('Redis is back: jobs and account paces are shared again');
        for (const listener of this.onReturn) listener();
      }
    });
    this.redis.on('close', () => this.lost('the connection closed'));
    // Without a listener ioredis prints each connection error; the loss is logged once instead.
    this.redis.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
  }

  /** Connects; false (and logged) when Redis does not answer: the instance starts on its own state. */
  async connect(): Promise<boolean> {
    try {
      await Promise.all([this.redis.connect(), this.subscriber.connect()]);
      this.ready = true;
      return true;
    } catch {
      this.lost('it does not answer');
      return false;
    }
  }

  /** Whether commands can be sent now. */
  get up(): boolean {
    return this.ready && this.redis.status === 'ready';
  }

  /** A command failed: Redis is treated as lost until it is ready again. */
  lost(why: string): void {
    this.ready = false;
    if (this.lostLogged || this.closing) return;
    this.lostLogged = true;
    logInfo(
      `Redis unreachable (${why}): this instance goes on with its own jobs and account paces; ` +
        'other instances cannot follow its jobs until Redis is back',
    );
  }

  /** Runs `command`, or undefined when Redis is down or the command fails (then marked lost). */
  async attempt<T>(command: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    if (!this.up) return undefined;
    try {
      return await command(this.redis);
    } catch (error) {
      this.lost(error instanceof Error ? error.message : 'a command failed');
      return undefined;
    }
  }

  /** Told each time Redis is back after a loss (to write again what was written while it was away). */
  whenBack(listener: () => void): void {
    this.onReturn.add(listener);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.onReturn.clear();
    this.redis.disconnect();
    this.subscriber.disconnect();
  }
}
