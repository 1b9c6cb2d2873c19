/**
 * tools/list as the build computed it. The SDK turns every tool's zod schemas into JSON Schema on each
 * tools/list, which costs a stdio server about a tenth of its start (the first call is the one an MCP
 * client waits for) and a remote server that much on every request, since each request gets a fresh
 * server. The build (src/build/build.ts) lists the tools once, through the SDK itself, and puts the
 * answer into the bundle; a server built that way answers from it, filtered to the tools it registered.
 * Run from source (the tests, `npm run docs`), there is no such answer and the SDK converts as usual.
 * The remote list describes `confirm` with the default threshold: a server set to another one converts
 * as usual too, so that what the model reads is what the server does.
 */
import type { McpServer, Tool } from './sdk.js';
import { DEFAULT_CONFIRM_THRESHOLD } from '../settings.js';
import type { ConfirmSettings } from './confirm.js';

/** Replaced by the build with the JSON of `{ stdio: Tool[], remote: Tool[] }`. */
declare const __BUILT_TOOL_LIST__: string | undefined;

export type ToolListVariant = 'stdio' | 'remote';

let built: Record<ToolListVariant, Tool[]> | undefined;

function builtList(): Record<ToolListVariant, Tool[]> | undefined {
  if (typeof __BUILT_TOOL_LIST__ === 'undefined') return undefined;
  return (built ??= JSON.parse(__BUILT_TOOL_LIST__) as Record<ToolListVariant, Tool[]>);
}

/**
 * Answers tools/list from the build's list, when there is one that describes these settings, for the
 * tools in `names`, in order.
 */
export function answerToolListFromBuild(
  server: McpServer,
  names: ReadonlySet<string>,
  { confirm, remote = false }: { confirm: ConfirmSettings; remote?: boolean | undefined },
): void {
  const variant: ToolListVariant = remote ? 'remote' : 'stdio';
  // The built lists are stdio's (no `confirm`) and remote mode's (with it): another mix converts as usual.
  if (remote !== (confirm.mode === 'argument')) return;
  if (remote && confirm.bulkThreshold !== DEFAULT_CONFIRM_THRESHOLD) return;
  const list = builtList()?.[variant];
  if (!list) return;
  const tools = list.filter((tool) => names.has(tool.name));
  server.server.setRequestHandler('tools/list', () => ({ tools }));
}
