/**
 * What one request may cost: a cap on its body, and how many requests a caller — and the whole
 * process — may have in flight at once.
 */
import type { IncomingMessage } from 'node:http';

export type Acquired = { ok: true; release: () => void } | { ok: false; scope: 'caller' | 'server' };

/** Counts in-flight requests per caller key and in total; a key's entry lives only while it is in use. */
export class ConcurrencyLimiter {
  private readonly perCaller = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly maxPerCaller: number,
    private readonly maxTotal: number,
  ) {}

  tryAcquire(key: string): Acquired {
    if (this.total >= this.maxTotal) return { ok: false, scope: 'server' };
    const current = this.perCaller.get(key) ?? 0;
    if (current >= this.maxPerCaller) return { ok: false, scope: 'caller' };
    this.perCaller.set(key, current + 1);
    this.total += 1;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.total -= 1;
        const left = (this.perCaller.get(key) ?? 1) - 1;
        if (left <= 0) this.perCaller.delete(key);
        else this.perCaller.set(key, left);
      },
    };
  }

  get inFlight(): number {
    return this.total;
  }
}

export type BodyResult =
  { ok: true; text: string } | { ok: false; reason: 'too_large' } | { ok: false; reason: 'aborted' };

/** Reads the whole body as UTF-8, giving up as soon as it passes `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.resolve({ ok: false, reason: 'too_large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        finish({ ok: false, reason: 'too_large' });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
    const onAbort = () => finish({ ok: false, reason: 'aborted' });
    const onClose = () => {
      if (!req.complete) onAbort();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
  });
}
