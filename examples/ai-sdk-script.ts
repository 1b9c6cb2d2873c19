/**
 * The scripted model of the Vercel AI SDK examples (ai@6 and ai@7), as a `doGenerate`: it plays the
 * job's moves (fair.ts), reading the tool results in the prompt the SDK gives it. Versions 6 and 7 hand
 * a model the same prompt and take the same answer, under the names LanguageModelV3 and V4.
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

export function scriptedGenerate(transcript: Transcript) {
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
    const call = { toolCallId: `call-${transcript.calls.length}`, toolName: move.tool };
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
