/** Error answers of the HTTP endpoint: JSON-RPC-shaped, so that an MCP client can show the message. */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

export const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };
/** For a refusal that clears by itself (a full queue, a busy or draining instance). */
export const RETRY_SOON = { 'retry-after': '1' };

/** A JSON-RPC error answer; id null, as it answers no particular message. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  code = -32000,
): void {
  res.writeHead(status, { ...JSON_HEADERS, ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/**
 * Writes the SDK's web Response to node:http as it comes: a JSON answer whole, an SSE stream event by
 * event. Resolves when the body has been sent, or the caller hung up (which cancels the body).
 */
export async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) return void res.end();
  res.flushHeaders(); // an SSE stream may be quiet for a while: the client learns at once that it is one
  const body = Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>);
  await pipeline(body, res).catch(() => undefined);
}
