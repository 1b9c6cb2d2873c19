/**
 * An abort controller that follows `sources` (aborts when one of them does) until `unlink()`. This is
 * AbortSignal.any without its cost on Node 20, where every signal it makes stays on each source's list
 * of dependants for good (nodejs/node#55351): one more entry per call on the client's `closing` signal.
 */
export function linkedController(sources: readonly (AbortSignal | undefined)[]) {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const linked = sources.filter((source) => source !== undefined);
  for (const source of linked) {
    if (source.aborted) controller.abort();
    else source.addEventListener('abort', abort, { once: true });
  }
  return {
    signal: controller.signal,
    abort,
    unlink: () => linked.forEach((source) => source.removeEventListener('abort', abort)),
  };
}
