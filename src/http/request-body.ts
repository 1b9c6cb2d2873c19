/**
 * Reading a request's body before it takes a slot: a cap on each body, and a budget for all the bodies
 * held before their requests run.
 */
import type { IncomingMessage } from 'node:http';
import { once } from './admission.js';

/**
 * Bytes of request bodies held before their request has a slot — being received, or waiting in a queue:
 * the memory that the slots do not bound. Past it, new bodies are refused (503) until some are done.
 */
export class BodyBudget {
  private held = 0;

  constructor(private readonly maxBytes: number) {}

  take(bytes: number): boolean {
    if (this.held + bytes > this.maxBytes) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }
}

export type BodyResult =
  | {
      ok: true;
      text: string;
      /** Gives the body's bytes back to the budget; idempotent. */ release: () => void;
    }
  | { ok: false; reason: 'too_large' | 'over_budget' | 'aborted' };

/**
 * Reads the whole body as UTF-8, giving up as soon as it passes `maxBytes` or the budget runs out. A
 * client that stops sending is cut by the server's request timeout, which ends this read as `aborted`.
 */
export function readBody(req: IncomingMessage, maxBytes: number, budget: BodyBudget): Promise<BodyResult> {
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
      if (!result.ok) budget.give(size);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > maxBytes || !budget.take(chunk.length)) {
        req.pause();
        return finish({ ok: false, reason: size + chunk.length > maxBytes ? 'too_large' : 'over_budget' });
      }
      size += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () =>
      finish({
        ok: true,
        text: Buffer.concat(chunks).toString('utf8'),
        release: once(() => budget.give(size)),
      });
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
