/**
 * The Vercel AI SDK 7 (ai@7 + @ai-sdk/mcp@2, which need Node 22) driving the server over stdio: its own
 * MCP client lists our tools, and generateText lets the model call them until the job is done. The model
 * is scripted (MockLanguageModelV4); a real one, e.g. `openai('gpt-5')`, goes in its place.
 *
 * This repository also keeps ai@6 (examples/vercel-ai-sdk.ts, for Node 20), so version 7 is installed
 * here under other names: in your project, import from 'ai', 'ai/test', '@ai-sdk/mcp' and
 * '@ai-sdk/mcp/mcp-stdio'.
 *
 *   npm run build && npx tsx examples/vercel-ai-sdk-7.ts
 */
import { createMCPClient } from 'ai-sdk-mcp-v2';
import { StdioMCPTransport } from 'ai-sdk-mcp-v2/mcp-stdio';
import { generateText, isStepCount } from 'ai-v7';
import { MockLanguageModelV4 } from 'ai-v7/test';
import { scriptedGenerate } from './ai-sdk-script.js';
import { JOB, startStage, type Transcript } from './fair.js';

const stage = await startStage();
const mcp = await createMCPClient({ transport: new StdioMCPTransport(stage.server) });
try {
  const tools = await mcp.tools();
  const transcript: Transcript = { calls: [], read: [] };
  const result = await generateText({
    model: scriptedModel(transcript),
    tools,
    prompt: JOB,
    stopWhen: isStepCount(10),
  });
  console.error(result.text);
  process.exitCode = stage.report('vercel-ai-sdk-7', transcript) ? 0 : 1;
} finally {
  await mcp.close();
  await stage.close();
}

/** A model that plays the script, reading the tool results in the prompt the SDK gives it. */
function scriptedModel(transcript: Transcript) {
  return new MockLanguageModelV4({ doGenerate: scriptedGenerate(transcript) });
}
