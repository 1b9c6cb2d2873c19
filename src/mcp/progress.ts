/**
 * Progress notifications of one tool call: sent only when the client asked for them (a progressToken),
 * and only forward — the protocol wants `progress` to grow, and a tool with phases (scan, then write)
 * counts on from where the last phase ended.
 */
import type { ToolExtra } from './tool.js';

export interface ProgressReporter {
  /** Whether the client asked for progress at all. */
  readonly enabled: boolean;
  report(progress: number, total: number | undefined, message: string): Promise<void>;
}

export function progressReporter(extra: ToolExtra): ProgressReporter {
  const progressToken = extra._meta?.progressToken;
  let last = 0;
  return {
    enabled: progressToken !== undefined,
    async report(progress, total, message) {
      if (progressToken === undefined || progress <= last) return;
      last = progress;
      await extra
        .notify({
          method: 'notifications/progress',
          params: { progressToken, progress, ...(total !== undefined && { total }), message },
        })
        .catch((error: unknown) => {
          // A client that cancelled by hanging up (how a 2026-07-28 client cancels over HTTP) can be
          // told nothing more: the tool stops as cancelled, not as failed.
          if (!extra.signal.aborted) throw error;
        });
    },
  };
}

/** A segment scan's `onPage`: contacts read, out of those it will read at most. */
export function scanProgress(progress: ProgressReporter, maxScan: number) {
  return ({ scanned, total }: { scanned: number; total: number }) =>
    progress.report(scanned, Math.min(total, maxScan), `read ${scanned} of ${total} contacts`);
}
