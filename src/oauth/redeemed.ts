/**
 * Redeeming a code or a refresh token: once per instance always (used-once.ts), and once across all
 * instances when they share a Redis (REDIS_URL): the first claim of the token's id wins, and the claim
 * expires with the token. Without Redis, or while it is unreachable, each instance checks alone (the
 * cluster logs the loss once); a replay to another instance is then not seen, as the docs say.
 */
import { UsedOnce } from './used-once.js';

/** The shared store's claim (cluster.ts `claimOnce`): true first, false later, undefined unknown. */
export type ClaimOnce = (name: string, expiresAt: number) => Promise<boolean | undefined>;

export class Redemptions {
  private readonly local: UsedOnce;

  constructor(
    /** What is redeemed, in the claim's name: `code`, `refresh`. */
    private readonly kind: string,
    max: number,
    private readonly claimOnce: ClaimOnce | undefined,
  ) {
    this.local = new UsedOnce(max);
  }

  /** Whether this is the first use of token `id`, valid until `expiresAt` (seconds since the epoch). */
  async redeem(id: string, expiresAt: number): Promise<boolean> {
    if (!this.local.use(id, expiresAt)) return false;
    return (await this.claimOnce?.(`oauth-${this.kind}:${id}`, expiresAt)) !== false;
  }
}
