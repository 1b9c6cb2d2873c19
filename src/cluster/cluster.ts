/**
 * Several instances as one (REDIS_URL): what remote mode shares through Redis — the salt of the
 * accounts' keys (so that every instance names an account alike), the accounts' paces
 * (shared-pace.ts) and the background jobs (shared-jobs.ts). Without REDIS_URL none of this exists
 * and each instance keeps its own, as before.
 */
import { randomBytes } from 'node:crypto';
import { registerSecret } from '../log.js';
import type { PaceOptions } from '../vobiz/pace.js';
import { KEY_PREFIX, RedisLink } from './redis-link.js';
import { SharedJobs } from './shared-jobs.js';
import { SharedPace } from './shared-pace.js';

export interface ClusterOptions {
  redisUrl: string;
  /** How long an ended job is kept (JobRegistry keepMs). */
  keepJobsMs: number;
  /** The longest one API request can take (VOBIZ_TIMEOUT_MS): a lease not given back expires after it. */
  requestTimeoutMs: number;
}

export interface Cluster {
  link: RedisLink;
  /** The salt of callerKey, the same on every instance. */
  salt: string;
  jobs: SharedJobs;
  pace: (account: string, options: PaceOptions) => SharedPace;
  /**
   * Claims `name` until `expiresAt` (seconds since the epoch) for the first instance that asks: true
   * for it, false for every later one, undefined without Redis to ask (OAuth's single-use tokens, and
   * the approval tokens of mcp/approval.ts).
   */
  claimOnce(name: string, expiresAt: number): Promise<boolean | undefined>;
  close(): Promise<void>;
}

/** A lease outlives the request's own timeout by this much: the answer may still be on its way. */
const LEASE_MARGIN_MS = 5_000;

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const password = new URL(options.redisUrl).password;
  registerSecret(password ? decodeURIComponent(password) : undefined);
  registerSecret(options.redisUrl);
  const link = new RedisLink(options.redisUrl);
  await link.connect();
  const mine = randomBytes(16).toString('hex');
  // The first instance sets it; the others read it. Without Redis now, this instance's own.
  const salt =
    (await link.attempt(async (redis) => {
      await redis.set(`${KEY_PREFIX}salt`, mine, 'NX');
      return redis.get(`${KEY_PREFIX}salt`);
    })) ?? mine;
  const jobs = new SharedJobs(link, options.keepJobsMs);
  const leaseMs = options.requestTimeoutMs + LEASE_MARGIN_MS;
  return {
    link,
    salt,
    jobs,
    pace: (account, paceOptions) => new SharedPace(account, link, { ...paceOptions, leaseMs }),
    claimOnce: async (name, expiresAt) => {
      const set = await link.attempt((redis) =>
        redis.set(`${KEY_PREFIX}once:${name}`, '1', 'EXAT', Math.ceil(expiresAt), 'NX'),
      );
      return set === undefined ? undefined : set === 'OK';
    },
    close: async () => {
      jobs.close();
      await link.close();
    },
  };
}
