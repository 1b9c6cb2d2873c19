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
import { scriptedGenerate } from './ai-sdk-script.js';
import { JOB, startStage, type Transcript } from './fair.js';

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
  return new MockLanguageModelV3({ doGenerate: scriptedGenerate(transcript) });
}
