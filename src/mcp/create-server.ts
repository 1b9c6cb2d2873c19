/**
 * Builds the MCP server: the tools the configuration selects, wired to one Vobiz client.
 */
import { serveTasks } from '../jobs/tasks.js';
import { McpServer, type ServerContext } from './sdk.js';
import packageJson from '../../package.json' with { type: 'json' };
import { instructionsFor } from './instructions.js';
import { registerPrompts } from './prompts.js';
import { registerContactResource } from './resources.js';
import { withApprovalArgument } from './confirm.js';
import type { ToolContext } from './context.js';
import { getContact, TOOLS } from '../tools/all-tools.js';
import { forRemote, registerTool, type ToolDefinition } from './tool.js';
import { applyChangeTool, listAppOnlyToolsToAppsOnly, registerReviewResource } from '../review/review-app.js';
import { answerToolListFromBuild } from './tool-list.js';

export const SERVER_NAME = packageJson.name;
export const SERVER_VERSION = packageJson.version;

export interface ServerOptions {
  /** Register only the tools that read. */
  readOnly?: boolean;
  /** Register only these tools (by name); undefined means all. */
  tools?: readonly string[];
}

/**
 * Told as each request's handler starts, with a promise that settles when the handler has returned.
 * Remote mode needs it: a cancelled request gets no answer, so nothing else says when its work stopped.
 */
export type HandlerObserver = (settled: Promise<unknown>) => void;

export function createServer(
  context: ToolContext,
  options: ServerOptions = {},
  observe?: HandlerObserver,
): McpServer {
  const tools = selectTools(options);
  const names = new Set(tools.map((tool) => tool.name));
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION, title: 'Vobiz Contacts' },
    { instructions: instructionsFor(names), capabilities: { logging: {} } },
  );
  if (observe) observeHandlers(server, observe);
  listAppOnlyToolsToAppsOnly(server);
  const reviewed = new Map<string, ToolDefinition>();
  for (const tool of tools) {
    const offered = withApprovalArgument(context.remote ? forRemote(tool) : tool, context.confirm);
    registerTool(server, offered, context);
    if (tool.ui) reviewed.set(tool.name, offered);
  }
  // The review app (MCP Apps): its view, and the view's Apply where changes need a yes.
  const readReview = reviewed.size > 0 ? registerReviewResource(server) : undefined;
  if (reviewed.size > 0 && context.confirm.mode !== 'never') {
    registerTool(server, applyChangeTool(reviewed), context);
    names.add('apply_change');
  }
  answerToolListFromBuild(server, names, context);
  registerPrompts(server, names);
  if (names.has(getContact.name)) registerContactResource(server, context.client, readReview);
  if (context.era === 'modern' && context.jobs) serveTasks(server, context.jobs);
  // The lists never change while a server runs, so no client need watch them (a 2026-07-28 client
  // would hold a subscriptions/listen stream open for nothing). The SDK says they may by default.
  const offered = server.server.getCapabilities();
  server.server.registerCapabilities({
    ...(offered.tools && { tools: { listChanged: false } }),
    ...(offered.resources && { resources: { listChanged: false } }),
    ...(offered.prompts && { prompts: { listChanged: false } }),
  });
  return server;
}

export function selectTools({ readOnly = false, tools }: ServerOptions) {
  return TOOLS.filter(
    (tool) =>
      (!readOnly || tool.annotations.readOnlyHint) && (tools === undefined || tools.includes(tool.name)),
  );
}

/**
 * Wraps every request handler McpServer installs from here on: those of tools, resources and prompts.
 * McpServer installs them by method name, with the handler second (the SDK's spec-method form).
 */
function observeHandlers(server: McpServer, observe: HandlerObserver): void {
  const protocol = server.server;
  type Handler = (request: unknown, ctx: ServerContext) => unknown;
  // (method, handler) for spec methods; (method, schemas, handler) for an extension's (tasks/update).
  const install = protocol.setRequestHandler.bind(protocol) as (method: string, ...rest: unknown[]) => void;
  const observed = (method: string, ...rest: unknown[]) => {
    const handler = rest.pop() as Handler;
    install(method, ...rest, (request: unknown, ctx: ServerContext) => {
      const settled = Promise.resolve().then(() => handler(request, ctx));
      observe(settled);
      return settled;
    });
  };
  protocol.setRequestHandler = observed as typeof protocol.setRequestHandler;
}
