/**
 * The review app (MCP Apps): in a host that renders apps — it declares the `io.modelcontextprotocol/ui`
 * extension — a delete, or a bulk change above the confirmation threshold, is not made by the tool the
 * model calls. That call answers with the preview and an approval token (confirm.ts), the host shows
 * the review view (review-page.ts) beside it, and the change is made only when the person clicks Apply:
 * the view calls `apply_change`, a tool the host hides from the model (`_meta.ui.visibility: ["app"]`),
 * with the token. The model cannot apply it by itself: the tools it sees refuse to, whatever token it
 * sends, in such a host.
 *
 * Hosts without apps keep what they had: elicitation, or the approval token (remote mode), or no
 * question (stdio without elicitation).
 */
import { z } from 'zod';
import {
  APP_MIME_TYPE,
  requestCapabilities,
  getUiCapability,
  isInputRequiredResult,
  registerAppResource,
  type McpServer,
  type ServerContext,
  type Tool,
} from '../mcp/sdk.js';
import { renderText } from '../render.js';
import { approvalsOf } from '../mcp/confirm.js';
import { errorResult } from '../mcp/results.js';
import { defineTool, type ToolDefinition, type ToolExtra } from '../mcp/tool.js';
import { REVIEW_PAGE_HTML } from './review-page.js';

export const REVIEW_URI = 'ui://vobiz-contacts/review.html';

/** The MCP Apps extension's id, as a client declares it among its capabilities' `extensions`. */
export const APPS_EXTENSION = 'io.modelcontextprotocol/ui';

/** What a tool that the view reviews declares (`_meta.ui`). */
export const REVIEWED_TOOL_UI = { resourceUri: REVIEW_URI };

/** Whether the client renders MCP Apps: declared at initialize (2025), or with the request (2026-07-28). */
export function declaresApps(server: McpServer, extra: ToolExtra): boolean {
  const perRequest = requestCapabilities(extra) as Parameters<typeof getUiCapability>[0] | undefined;
  const ui = getUiCapability(perRequest ?? server.server.getClientCapabilities());
  if (!ui) return false;
  // A host that names the content types it renders must name ours.
  return ui.mimeTypes === undefined || ui.mimeTypes.includes(APP_MIME_TYPE);
}

/**
 * tools/list leaves out the tools only the view may call (apply_change) for a client that renders no
 * apps: it would offer the model a tool that refuses every call. Wraps the handler whoever installs it
 * (McpServer, or the build's list: tool-list.ts), so it must be called before any tool is registered.
 */
export function listAppOnlyToolsToAppsOnly(server: McpServer): void {
  type Handler = (request: unknown, ctx: ServerContext) => unknown;
  const protocol = server.server;
  // (method, handler) for spec methods; (method, schemas, handler) for an extension's.
  const install = protocol.setRequestHandler.bind(protocol) as (method: string, ...rest: unknown[]) => void;
  const filtered = (method: string, ...rest: unknown[]) => {
    if (method !== 'tools/list') return install(method, ...rest);
    const handler = rest.pop() as Handler;
    install(method, ...rest, async (request: unknown, ctx: ServerContext) => {
      const result = (await handler(request, ctx)) as { tools: Tool[] };
      if (declaresApps(server, ctx.mcpReq)) return result;
      return { ...result, tools: result.tools.filter((tool) => !isAppOnly(tool)) };
    });
  };
  protocol.setRequestHandler = filtered as typeof protocol.setRequestHandler;
}

function isAppOnly(tool: Tool): boolean {
  const visibility = (tool._meta?.['ui'] as { visibility?: unknown } | undefined)?.visibility;
  return Array.isArray(visibility) && !visibility.includes('model');
}

/** Registers the view as a resource: `ui://vobiz-contacts/review.html`. */
export function registerReviewResource(server: McpServer) {
  const read = () => ({
    contents: [
      {
        uri: REVIEW_URI,
        mimeType: APP_MIME_TYPE,
        text: REVIEW_PAGE_HTML,
        // No domain of any kind: the page loads nothing and connects nowhere.
        _meta: { ui: { csp: { connectDomains: [], resourceDomains: [] }, prefersBorder: true } },
      },
    ],
  });
  registerAppResource(
    server,
    'Review a change',
    REVIEW_URI,
    { description: 'What a change to contacts would do, with Apply and Cancel.' },
    read,
  );
  return read;
}

/** Checked again by the reviewed tool's own schema; the token binds them (approval.ts). */
const argumentsField = z
  .record(z.string(), z.unknown())
  .describe('The arguments of the call the view reviewed, as the host gave them to the view.');

/**
 * apply_change: the view's Apply. `tools` are the reviewed tools as this server registered them (their
 * remote-mode arguments included), by name; the token says which one the change belongs to.
 */
export function applyChangeTool(tools: ReadonlyMap<string, ToolDefinition>) {
  return defineTool({
    name: 'apply_change',
    title: 'Apply a reviewed change',
    description:
      'Called by the review view when the person clicks Apply: makes the change the view showed, ' +
      'bound by its approval token. Only for the view (hidden from the model): it refuses a client ' +
      'that does not render MCP Apps.',
    input: {
      approval: z.string().min(1).max(1_000).describe('approval.token of the result the view showed.'),
      arguments: argumentsField,
    },
    output: {
      tool: z.string().describe('The tool whose change this was.'),
      result: z.record(z.string(), z.unknown()).describe('That tool’s structured result.'),
    },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    mayRunLong: true,
    ui: { resourceUri: REVIEW_URI, visibility: ['app'] },
    async run({ approval, arguments: given }, call) {
      if (!declaresApps(call.server, call.extra)) {
        return errorResult(
          'Not done: apply_change is the Apply button of the review view, and this client does not render ' +
            'MCP Apps. Nothing was changed. Make the change with the tool itself.',
        );
      }
      const name = approvalsOf(call.context.confirm).toolOf(approval);
      const tool = name === undefined ? undefined : tools.get(name);
      if (!tool) {
        return errorResult(
          'Not done: the approval is not one this server issued for a change it can make. Nothing was changed.',
        );
      }
      const parsed = z.object(tool.input).safeParse(given);
      if (!parsed.success) {
        return errorResult(
          `Not done: the arguments are not ${tool.name}'s (${renderText(parsed.error.issues[0]?.message ?? '', { max: 200 })}). Nothing was changed.`,
        );
      }
      const args = { ...parsed.data, ...('dry_run' in tool.input && { dry_run: false }), approval };
      const result = await tool.run(args as never, { ...call, reviewed: true });
      if (isInputRequiredResult(result)) return result;
      return {
        ...result,
        structuredContent: { tool: tool.name, result: result.structuredContent ?? {} },
      };
    },
  });
}
