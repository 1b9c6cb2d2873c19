/**
 * The scripted model of the examples whose frameworks take an AI SDK model (ai@6, ai@7, Mastra), as a
 * `doGenerate`: it plays the job's moves (fair.ts), reading the tool results in the prompt it is given.
 * Versions 6 and 7 hand a model the same prompt and take the same answer, under the names
 * LanguageModelV3 and V4.
 */
import { nextMove, type Transcript } from './fair.js';

interface ToolOutput {
  type: string;
  value?: unknown;
}

interface ContentPart {
  type: string;
  output?: ToolOutput;
}

interface PromptMessage {
  role: string;
  content: unknown;
}

/** `toolName`: the name a framework gives our tool (Mastra prefixes the server's, `vobiz_list_contacts`). */
export function scriptedGenerate(transcript: Transcript, toolName = (tool: string) => tool) {
  const usage = {
    inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: undefined, text: undefined, reasoning: undefined },
  };
  return async ({ prompt }: { prompt: readonly PromptMessage[] }) => {
    transcript.read = prompt
      .flatMap((message) => (message.role === 'tool' ? (message.content as ContentPart[]) : []))
      .flatMap((part) => (part.type === 'tool-result' && part.output ? [textOf(part.output)] : []));
    const move = nextMove(transcript.read);
    if ('say' in move) {
      const finishReason = { unified: 'stop', raw: undefined } as const;
      return { content: [{ type: 'text' as const, text: move.say }], finishReason, usage, warnings: [] };
    }
    transcript.calls.push(move.tool);
    const call = { toolCallId: `call-${transcript.calls.length}`, toolName: toolName(move.tool) };
    const finishReason = { unified: 'tool-calls', raw: undefined } as const;
    return {
      content: [{ type: 'tool-call' as const, ...call, input: JSON.stringify(move.args) }],
      finishReason,
      usage,
      warnings: [],
    };
  };
}

/** A tool result as a provider sends it to the model: text as it is, anything else as JSON text. */
function textOf(output: ToolOutput): string {
  if (output.type === 'content' && Array.isArray(output.value)) {
    return output.value.map((part: { text?: string }) => part.text ?? JSON.stringify(part)).join('\n');
  }
  return typeof output.value === 'string' ? output.value : JSON.stringify(output.value);
}

/**
 * The same moves as a stream, for frameworks that stream every answer (Mastra's Agent does): each
 * answer of scriptedGenerate becomes the parts an AI SDK 7 provider streams.
 */
export function scriptedStream(transcript: Transcript, toolName?: (tool: string) => string) {
  const generate = scriptedGenerate(transcript, toolName);
  return async (options: { prompt: readonly PromptMessage[] }) => {
    const { content, finishReason, usage } = await generate(options);
    const parts: unknown[] = [
      { type: 'stream-start', warnings: [] },
      ...content.flatMap((part): unknown[] =>
        part.type === 'text'
          ? [
              { type: 'text-start', id: 'answer' },
              { type: 'text-delta', id: 'answer', delta: part.text },
              { type: 'text-end', id: 'answer' },
            ]
          : [part],
      ),
      { type: 'finish', finishReason, usage },
    ];
    return {
      stream: new ReadableStream({
        start(controller) {
          for (const part of parts) controller.enqueue(part);
          controller.close();
        },
      }),
    };
  };
}
