/**
 * What a tool is: one declaration — name, title, description, input and output schema, annotations and
 * handler — and how it is registered. Registration adds what every tool shares, so that no tool repeats it:
 * - an argument the tool does not have is never dropped in silence: the result names it and the tool's
 *   arguments, so a model learns that nothing was stored for it (the call itself goes ahead);
 * - `warnings` travel in the structured result and in the text;
 * - the text is bounded and redacted, and an unexpected throw becomes an isError result, never a stack.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ToolContext } from './context.js';
import { boundResultText, renderText } from '../render.js';
import { failureResult } from './results.js';
import { redact } from '../log.js';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What a handler is given besides its arguments. */
export interface ToolCall {
  server: McpServer;
  extra: ToolExtra;
  context: ToolContext;
}

export interface ToolDefinition<
  Input extends z.ZodRawShape = z.ZodRawShape,
  Output extends z.ZodRawShape = z.ZodRawShape,
> {
  name: string;
  title: string;
  /** For a model reading it cold: what it does, when to use it, what it returns, with an example value. */
  description: string;
  input: Input;
  output: Output;
  /** All four, always: the protocol's defaults (destructive, not idempotent) fit none of ours. */
  annotations: ToolAnnotations;
  run(args: z.output<z.ZodObject<Input>>, call: ToolCall): Promise<CallToolResult>;
}

/** Declares a tool; the types tie the handler's arguments to the input schema. */
export function defineTool<Input extends z.ZodRawShape, Output extends z.ZodRawShape>(
  tool: ToolDefinition<Input, Output>,
): ToolDefinition<Input, Output> {
  return tool;
}

/** Every result may carry warnings: facts the model should pass on, though the call did its work. */
const warningsOutput = z
  .array(z.string())
  .optional()
  .describe('What the model should know though the call did its work, e.g. an argument that was ignored.');

export function registerTool(server: McpServer, tool: ToolDefinition, context: ToolContext): void {
  const accepted = Object.keys(tool.input);
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      // Loose, so that arguments the tool does not have reach this wrapper and can be named.
      inputSchema: z.looseObject(tool.input),
      outputSchema: { ...tool.output, warnings: warningsOutput },
      annotations: tool.annotations,
    },
    async (parsed: Record<string, unknown>, extra: ToolExtra) => {
      const args: Record<string, unknown> = {};
      const unknown: string[] = [];
      for (const [key, value] of Object.entries(parsed)) {
        if (Object.hasOwn(tool.input, key)) args[key] = value;
        else unknown.push(key);
      }
      let result: CallToolResult;
      try {
        result = await tool.run(args as z.output<z.ZodObject<z.ZodRawShape>>, { server, extra, context });
      } catch (error) {
        result = failureResult(error, { action: `run ${tool.name}`, writes: !tool.annotations.readOnlyHint });
      }
      return finishResult(result, unknown.length > 0 ? [ignoredArguments(tool.name, unknown, accepted)] : []);
    },
  );
}

function ignoredArguments(tool: string, unknown: string[], accepted: string[]): string {
  const names = unknown
    .slice(0, 10)
    .map((name) => renderText(name, { quote: 'unless-plain', max: 40 }))
    .join(', ');
  const more = unknown.length > 10 ? ` and ${unknown.length - 10} more` : '';
  return (
    `Ignored ${unknown.length === 1 ? 'an argument' : 'arguments'} ${tool} does not have: ${names}${more}; ` +
    `nothing was stored or used for ${unknown.length === 1 ? 'it' : 'them'}. ${tool} takes: ${accepted.join(', ')}.`
  );
}

/**
 * The one exit of every tool result: warnings added to the structured content and listed under the text,
 * the text bounded and stripped of any secret.
 */
function finishResult(result: CallToolResult, extraWarnings: string[]): CallToolResult {
  const structured = result.structuredContent;
  const own = Array.isArray(structured?.['warnings']) ? (structured['warnings'] as string[]) : [];
  const warnings = [...own, ...extraWarnings];
  if (structured && warnings.length > 0) structured['warnings'] = warnings;
  const content = result.content.map((block, index) => {
    if (block.type !== 'text') return block;
    const notes = index === 0 ? warnings.map((warning) => `\nWarning: ${warning}`).join('') : '';
    return { ...block, text: redact(`${boundResultText(block.text)}${notes}`) };
  });
  return { ...result, content };
}
