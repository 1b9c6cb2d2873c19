/**
 * The requests running on this instance, so that a `notifications/cancelled` — which comes in a POST of
 * its own, to a server that never saw the call — reaches the call it names, and only its sender's.
 *
 * A running request is known by its owner (the caller's credentials, plus the session id when the
 * client keeps one) and its JSON-RPC id. Two running requests with one owner and one id mean clients
 * that cannot be told apart (no session, shared credentials): a cancel then stops neither, rather than
 * guess. A cancel for a request that is not running here (finished, or on another instance behind a
 * balancer) changes nothing, as the spec allows; the call's own deadline bounds it.
 */
import type { RequestId } from '../mcp/sdk.js';

export type CancelOutcome = 'cancelled' | 'not_running' | 'ambiguous';

type Cancel = (reason: string | undefined) => void;

export class RunningRequests {
  /** An entry per running request: two requests may share a key, never an entry. */
  private readonly byKey = new Map<string, Set<{ cancel: Cancel }>>();

  /** Records a running request; the returned function forgets it (call it when the request ends). */
  add(owner: string, id: RequestId, cancel: Cancel): () => void {
    const key = keyOf(owner, id);
    const entries = this.byKey.get(key) ?? new Set();
    this.byKey.set(key, entries);
    const entry = { cancel };
    entries.add(entry);
    return () => {
      entries.delete(entry);
      if (entries.size === 0 && this.byKey.get(key) === entries) this.byKey.delete(key);
    };
  }

  cancel(owner: string, id: RequestId, reason: string | undefined): CancelOutcome {
    const entries = this.byKey.get(keyOf(owner, id));
    if (!entries) return 'not_running';
    if (entries.size > 1) return 'ambiguous';
    for (const entry of entries) entry.cancel(reason);
    return 'cancelled';
  }
}

/** Ids `1` and `"1"` are different requests. */
function keyOf(owner: string, id: RequestId): string {
  return `${owner}\0${typeof id}\0${id}`;
}
