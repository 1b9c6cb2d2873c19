/**
 * What a tool is: one declaration — name, title, description, input and output schema, annotations and
 * handler — and how it is registered. Registration adds what every tool shares, so that no tool repeats it:
 * - an argument the tool does not have is never dropped in silence. A tool that writes refuses the call,
 *   having done nothing: the argument may have been meant to hold the write back (`dryRun`, `preview`),
 *   and a write cannot be taken back. A read goes ahead. Either way the result names the argument and the
 *   tool's own, so a model learns that nothing was stored or used for it;
 * - `warnings` travel in the structured result and in the text;
 * - the text is bounded and redacted, and an unexpected throw becomes an isError result, never a stack.
 */
import {
  isInputRequiredResult,
  type CallToolResult,
  type McpServer,
  type ServerContext,
  type ToolAnswer,
} from './sdk.js';
import { z } from 'zod';
import type { ConfirmSettings } from './confirm.js';
import type { ToolContext } from './context.js';
import { boundResultText, renderText } from '../render.js';
import { errorResult, failureResult } from './results.js';
import { readBoolean } from './fields.js';
import { redact, redactJson } from '../log.js';
import { jobOutput, runAsJob } from '../jobs/run-as-job.js';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** The request a handler runs for: its signal, `_meta` (progress token), and the messages it may send. */
export type ToolExtra = ServerContext['mcpReq'];

/** What a handler is given besides its arguments. */
export interface ToolCall {
  server: McpServer;
  extra: ToolExtra;
  context: ToolContext;
  /** Made by the review view's Apply (apply_change), with the person's approval: confirm.ts checks it. */
  reviewed?: boolean;
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
  /**
   * All four, always, as the connector directories ask: the protocol's defaults (destructive, not
   * idempotent) fit few of ours. destructiveHint: the tool may remove or overwrite what the account
   * holds, not only add. idempotentHint: the same call again changes nothing more and answers success
   * with the same outcome (a repeated delete_contact answers `deleted: false`, not an error).
   */
  annotations: ToolAnnotations;
  /**
   * For a tool that asks the user before it changes anything (confirm.ts): what its `approval` argument,
   * added in remote mode only, tells the model.
   */
  approvalArgument?: (settings: ConfirmSettings) => string;
  /**
   * Arguments that name things on the server's own machine (a file path): left out of the schema in
   * remote mode, where that machine is not the caller's and the tool would refuse them every time.
   */
  localArguments?: readonly string[];
  /**
   * Work that can outlast a client's patience (a bulk change, a whole-account scan): a call is held no
   * longer than the call budget, then answers with a job that goes on (jobs/run-as-job.ts). Its output
   * fields are then optional: a call answered with a job carries `job` alone.
   */
  mayRunLong?: boolean;
  /**
   * MCP Apps (`_meta.ui`): the view a host that renders apps shows with the tool's results, and who may
   * call the tool (`["app"]`: the view only, hidden from the model). See review/review-app.ts.
   */
  ui?: { resourceUri: string; visibility?: ('model' | 'app')[] };
  run(args: z.output<z.ZodObject<Input>>, call: ToolCall): Promise<ToolAnswer>;
}

/** The tool as a server in remote mode offers it: without its local arguments (see localArguments). */
export function forRemote<T extends ToolDefinition>(tool: T): T {
  const local = tool.localArguments;
  if (!local) return tool;
  return {
    ...tool,
    input: Object.fromEntries(Object.entries(tool.input).filter(([name]) => !local.includes(name))),
  };
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
      // Loose, so that arguments the tool does not have reach this wrapper and can be named. Without
      // `$schema`: every model reads the input schema, and the dialect it names (2020-12) is MCP's
      // default anyway; 60 bytes a tool. Output schemas, which clients read, keep theirs.
      inputSchema: z.looseObject(tool.input).meta({ $schema: undefined }),
      outputSchema: z.object(
        tool.mayRunLong
          ? { ...optionalFields(tool.output), job: jobOutput.optional(), warnings: warningsOutput }
          : { ...tool.output, warnings: warningsOutput },
      ),
      // The title in annotations too: clients of the 2025-03-26 protocol look for it there.
      annotations: { title: tool.title, ...tool.annotations },
      // With the legacy `ui/resourceUri` key that hosts of the first MCP Apps releases read, as ext-apps'
      // registerAppTool writes it (its typing does not take our loose input schema).
      ...(tool.ui && { _meta: { ui: tool.ui, 'ui/resourceUri': tool.ui.resourceUri } }),
    },
    observed(tool.name, context, async (parsed: Record<string, unknown>, ctx: ServerContext) => {
      const args: Record<string, unknown> = {};
      const unknown: string[] = [];
      for (const [key, value] of Object.entries(parsed)) {
        if (Object.hasOwn(tool.input, key)) args[key] = value;
        else unknown.push(key);
      }
      if (!tool.annotations.readOnlyHint && unknown.some((name) => !isHarmless(name, parsed[name]))) {
        return finishResult(errorResult(refusedArguments(tool.name, unknown, accepted)), []);
      }
      const warnings = unknown.length > 0 ? [ignoredArguments(tool.name, unknown, accepted)] : [];
      const run = async (runExtra: ToolExtra): Promise<ToolAnswer> => {
        let result: ToolAnswer;
        try {
          const typed = args as z.output<z.ZodObject<z.ZodRawShape>>;
          result = await tool.run(typed, { server, extra: runExtra, context });
        } catch (error) {
          const writes = !tool.annotations.readOnlyHint;
          result = failureResult(error, { action: `run ${tool.name}`, writes });
        }
        // A question for the user (2026-07-28) goes out as it is: the call comes back with the answer.
        return isInputRequiredResult(result) ? result : finishResult(result, warnings);
      };
      if (!tool.mayRunLong || !context.jobs) return run(ctx.mcpReq);
      const answer = await runAsJob(tool.name, ctx.mcpReq, context.jobs, run);
      // A call answered with a job is finished here; one whose work ended in time was finished by run.
      if (isInputRequiredResult(answer)) return answer;
      const structured = answer.structuredContent as Record<string, unknown> | undefined;
      return structured?.['job'] ? finishResult(answer, warnings) : answer;
    }),
  );
}

/** The handler, telling `context.observe` (when given) how each call answered and how long it took. */
function observed<Context>(
  tool: string,
  context: ToolContext,
  handler: (parsed: Record<string, unknown>, ctx: Context) => Promise<ToolAnswer>,
): typeof handler {
  const observe = context.observe;
  if (!observe) return handler;
  return async (parsed, ctx) => {
    const started = performance.now();
    const result = await handler(parsed, ctx);
    const outcome = isInputRequiredResult(result)
      ? 'input_required'
      : result.isError
        ? 'failure'
        : (result.structuredContent as Record<string, unknown> | undefined)?.['job']
          ? 'background'
          : 'success';
    observe({ tool, outcome, seconds: (performance.now() - started) / 1000 });
    return result;
  };
}

/** Every field optional: the shape of a long tool's output, which may be a job alone. */
function optionalFields(shape: z.ZodRawShape): z.ZodRawShape {
  return Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, z.optional(field)]));
}

/**
 * Arguments a write goes ahead without, still named as ignored, because they hold nothing back: fields an
 * agent framework adds to every call (n8n: `toolCallId`), and `confirm: true`, which the server does not
 * take (over stdio the user is asked instead; in remote mode a bound approval is needed, and the call is
 * refused for want of it), written `true` or `"true"`. `confirm: false` may mean "hold on": refused.
 */
function isHarmless(name: string, value: unknown): boolean {
  // `"true"` counts as true here as it does for every boolean argument (fields.ts).
  return name === 'toolCallId' || (name === 'confirm' && readBoolean(value) === true);
}

function ignoredArguments(tool: string, unknown: string[], accepted: string[]): string {
  return (
    `Ignored ${unknown.length === 1 ? 'an argument' : 'arguments'} ${tool} does not have: ${namesOf(unknown, accepted)}; ` +
    `nothing was stored or used for ${unknown.length === 1 ? 'it' : 'them'}. ${tool} takes: ${accepted.join(', ')}.`
  );
}

function refusedArguments(tool: string, unknown: string[], accepted: string[]): string {
  const attributes = accepted.includes('custom_attributes')
    ? ' A field of the contact with no argument of its own goes into custom_attributes, e.g. {"email": "…"}.'
    : '';
  return (
    `Not done: ${tool} does not have ${unknown.length === 1 ? 'the argument' : 'the arguments'} ${namesOf(unknown, accepted)}, ` +
    `so nothing was changed. Call it again with only the arguments it takes: ${accepted.join(', ')}.${attributes}`
  );
}

/** The unknown names, rendered (a name is account text too), each with the argument it may have meant. */
function namesOf(unknown: string[], accepted: string[]): string {
  const names = unknown.slice(0, 10).map((name) => {
    const meant = accepted.find((candidate) => looselyEqual(candidate, name));
    const shown = renderText(name, { quote: 'unless-plain', max: 40 });
    return meant ? `${shown} (did you mean ${meant}?)` : shown;
  });
  const more = unknown.length > 10 ? ` and ${unknown.length - 10} more` : '';
  return `${names.join(', ')}${more}`;
}

/** `dryRun`, `dry-run` and `DRY_RUN` are all `dry_run`. */
function looselyEqual(a: string, b: string): boolean {
  const plain = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return plain(a) === plain(b);
}

/**
 * The one exit of every tool result: warnings added to the structured content and listed under the text,
 * the text bounded and stripped of any secret.
 */
function finishResult(result: CallToolResult, extraWarnings: string[]): CallToolResult {
  // Every tool's structured content is an object (its output schema's); the SDK types it `unknown`.
  const structured = result.structuredContent as Record<string, unknown> | undefined;
  const own = Array.isArray(structured?.['warnings']) ? (structured['warnings'] as string[]) : [];
  const warnings = [...own, ...extraWarnings];
  if (structured && warnings.length > 0) structured['warnings'] = warnings;
  // Upstream text reaches structured content as it came (a refused row's reason): a token echoed back
  // must not leave with it. Remote mode checks every message once more, with the caller's own token.
  const redacted = structured && redactJson(structured, []);
  const content = result.content.map((block, index) => {
    if (block.type !== 'text') return block;
    const notes = index === 0 ? warnings.map((warning) => `\nWarning: ${warning}`).join('') : '';
    return { ...block, text: redact(`${boundResultText(block.text)}${notes}`) };
  });
  return { ...result, content, ...(redacted && { structuredContent: redacted }) };
}
