/**
 * Codes and refresh tokens are single-use. Nothing is stored by default, so this instance remembers
 * the ids of those it has redeemed until they expire, in a bounded map: a replay to this instance is
 * refused; one to another instance behind the same balancer is not seen (the docs say so).
 *
 * Entries of one map all live as long (one token kind, one lifetime), so insertion order is expiry
 * order: expired entries are dropped from the front, in linear time overall. Past the cap, the oldest
 * entry is forgotten early — a replay of that token would then go unnoticed, which `forgotten` counts.
 */
export class UsedOnce {
  private readonly expiries = new Map<string, number>();
  /** Entries dropped before their token expired, because the map was full. */
  forgotten = 0;

  constructor(private readonly max: number) {}

  /** Marks `id` used until `expiresAt` (seconds since the epoch); false if it was already used. */
  use(id: string, expiresAt: number): boolean {
    const now = Date.now() / 1000;
    for (const [oldest, expiry] of this.expiries) {
      if (expiry > now) break;
      this.expiries.delete(oldest);
    }
    if (this.expiries.has(id)) return false;
    if (this.expiries.size >= this.max) {
      const oldest = this.expiries.keys().next();
      if (!oldest.done) this.expiries.delete(oldest.value);
      this.forgotten += 1;
    }
    this.expiries.set(id, expiresAt);
    return true;
  }
}
