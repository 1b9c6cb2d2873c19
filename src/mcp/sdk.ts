/**
 * The one module of the server that imports the MCP SDK (the 2.x `@modelcontextprotocol/server`
 * package): the rest of src/ imports what it needs from here, so that moving to another SDK release
 * changes this file and the few places that call into it. The demo and the docs, which are clients,
 * import `@modelcontextprotocol/client` themselves.
 *
 * `@modelcontextprotocol/ext-apps/server` (MCP Apps) comes through here too.
 *
 * One server serves both protocol generations: 2025-era clients that open with `initialize`, and
 * 2026-07-28 clients that open with `server/discover` and send their identity with every request.
 * Over stdio, `serveStdio` picks the generation per connection; over HTTP, remote mode routes each
 * request by `isLegacyRequest` (src/http/dispatch.ts).
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  type CallToolResult,
  type ClientCapabilities,
  type InputRequiredResult,
  type McpServer,
  type Transport,
} from '@modelcontextprotocol/server';

export {
  bearerAuthChallengeResponse,
  buildOAuthProtectedResourceMetadata,
  getOAuthProtectedResourceMetadataUrl,
  OAuthError,
  OAuthErrorCode,
  verifyBearerToken,
  CLIENT_CAPABILITIES_META_KEY,
  createMcpHandler,
  createRequestStateCodec,
  inputRequired,
  inputResponse,
  isInputRequiredResult,
  isLegacyRequest,
  isSpecType,
  McpServer,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  ResourceTemplate,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
export type {
  ClientCapabilities,
  AuthInfo,
  CallToolResult,
  InputRequiredResult,
  RequestStateCodec,
  JSONRPCMessage,
  JSONRPCRequest,
  McpRequestContext,
  ReadResourceResult,
  RequestId,
  ServerContext,
  Tool,
  Transport,
} from '@modelcontextprotocol/server';
export { serveStdio } from '@modelcontextprotocol/server/stdio';
// MCP Apps (the io.modelcontextprotocol/ui extension): the review view and its app-only tool.
export {
  getUiCapability,
  registerAppResource,
  RESOURCE_MIME_TYPE as APP_MIME_TYPE,
} from '@modelcontextprotocol/ext-apps/server';

/**
 * What a tool handler answers: its result, or (2026-07-28) the question it needs answered first, after
 * which the client calls it again with the answer (a multi-round-trip request).
 */
export type ToolAnswer = CallToolResult | InputRequiredResult;

/**
 * Lets `prepare` see, and wrap, each transport `server` is connected to, before any message passes.
 * Remote mode needs it: the SDK's 2026-07-28 entry connects the server it is given to a transport of
 * its own, and every message sent back must be redacted, and a cancel handed in, on that transport.
 */
export function onConnect(server: McpServer, prepare: (transport: Transport) => void): void {
  const connect = server.connect.bind(server);
  server.connect = (transport) => {
    prepare(transport);
    return connect(transport);
  };
}

/**
 * The client's capabilities as this request declares them: a 2026-07-28 request carries them in its
 * envelope; undefined for a 2025-era one, whose capabilities were declared at initialize.
 */
export function requestCapabilities(request: { envelope?: unknown }): ClientCapabilities | undefined {
  const envelope = request.envelope as Record<string, ClientCapabilities | undefined> | undefined;
  return envelope?.[CLIENT_CAPABILITIES_META_KEY];
}
