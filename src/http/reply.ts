/** Error answers of the HTTP endpoint: JSON-RPC-shaped, so that an MCP client can show the message. */
import type { ServerResponse } from 'node:http';

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
