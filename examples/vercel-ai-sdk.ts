/**
 * The Vercel AI SDK (ai@6 + @ai-sdk/mcp@1) driving the server over stdio: its own MCP client lists our
 * tools, and generateText lets the model call them until the job is done. The model here is scripted
 * (MockLanguageModelV3); a real one, e.g. `openai('gpt-4.1')`, goes in its place and nothing else changes.
 *
 *   npm run build && npx tsx examples/vercel-ai-sdk.ts
 */
import { createMCPClient } from '@ai-sdk/mcp';
import { Experimental_StdioMCPTransport as StdioMCPTransport } from '@ai-sdk/mcp/mcp-stdio';
import { generateText, stepCountIs } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { JOB, nextMove, startStage, type Transcript } from './fair.js';

const stage = await startStage();
const mcp = await createMCPClient({ transport: new StdioMCPTransport(stage.server) });
try {
  const tools = await mcp.tools(); // a tool's result reaches the model as its text content
  const transcript: Transcript = { calls: [], read: [] };
  const result = await generateText({
    model: scriptedModel(transcript),
    tools,
    prompt: JOB,
    stopWhen: stepCountIs(10),
  });
  console.error(result.text);
  process.exitCode = stage.report('vercel-ai-sdk', transcript) ? 0 : 1;
} finally {
  await mcp.close();
  await stage.close();
}

/** A model that plays the script, reading the tool results in the prompt the SDK gives it. */
function scriptedModel(transcript: Transcript) {
  const usage = {
    inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: undefined, text: undefined, reasoning: undefined },
  };
  return new MockLanguageModelV3({
    doGenerate: async ({ prompt }) => {
      transcript.read = prompt
        .flatMap((message) => (message.role === 'tool' ? message.content : []))
        .flatMap((part) => (part.type === 'tool-result' ? [textOf(part.output)] : []));
      const move = nextMove(transcript.read);
      if ('say' in move) {
        const finishReason = { unified: 'stop', raw: undefined } as const;
        return { content: [{ type: 'text', text: move.say }], finishReason, usage, warnings: [] };
      }
      transcript.calls.push(move.tool);
      const call = { toolCallId: `call-${transcript.calls.length}`, toolName: move.tool };
      const finishReason = { unified: 'tool-calls', raw: undefined } as const;
      return {
        content: [{ type: 'tool-call', ...call, input: JSON.stringify(move.args) }],
        finishReason,
        usage,
        warnings: [],
      };
    },
  });
}

/** A tool result as a provider sends it to the model: text as it is, anything else as JSON text. */
function textOf(output: { type: string; value?: unknown }): string {
  if (output.type === 'content' && Array.isArray(output.value)) {
    return output.value.map((part: { text?: string }) => part.text ?? JSON.stringify(part)).join('\n');
  }
  return typeof output.value === 'string' ? output.value : JSON.stringify(output.value);
}
